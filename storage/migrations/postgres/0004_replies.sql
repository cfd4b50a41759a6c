-- The reply outbox: confirmations, HELP answers and clarifying questions to customers,
-- written in the transaction of the event that causes each (one row per event and kind,
-- so a redelivered message never gets a second answer), sent by the reply worker.
-- Times are microseconds since 1970-01-01 UTC; 0 stands for "no time".
CREATE TABLE replies (
    id text PRIMARY KEY,  -- derived from the event id and the kind of reply
    event_id text NOT NULL,
    kind text NOT NULL,  -- opt_out, opt_in, help, question
    phone_number_id text NOT NULL,  -- the business number the customer wrote to
    recipient text NOT NULL,
    language text NOT NULL,
    body text NOT NULL,  -- the Graph API message, JSON
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL,  -- the end of the customer-service window
    status text NOT NULL DEFAULT 'pending',  -- pending, sent, dead, expired
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at bigint NOT NULL DEFAULT 0,
    lease_owner text,
    lease_until bigint NOT NULL DEFAULT 0,
    http_status integer,  -- of the last attempt; NULL when no answer came
    error text,
    wamid text,  -- the id Meta gave the message it accepted
    finished_at bigint
);
CREATE INDEX replies_due ON replies (status, next_attempt_at);
CREATE INDEX replies_event ON replies (event_id);
