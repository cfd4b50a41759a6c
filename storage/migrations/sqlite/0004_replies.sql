-- The reply outbox: confirmations, HELP answers and clarifying questions to customers,
-- written in the transaction of the event that causes each (one row per event and kind,
-- so a redelivered message never gets a second answer), sent by the reply worker.
-- Times are microseconds since 1970-01-01 UTC; 0 stands for "no time".
CREATE TABLE replies (
    id TEXT PRIMARY KEY,  -- derived from the event id and the kind of reply
    event_id TEXT NOT NULL,
    kind TEXT NOT NULL,  -- opt_out, opt_in, help, question
    phone_number_id TEXT NOT NULL,  -- the business number the customer wrote to
    recipient TEXT NOT NULL,
    language TEXT NOT NULL,
    body TEXT NOT NULL,  -- the Graph API message, JSON
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,  -- the end of the customer-service window
    status TEXT NOT NULL DEFAULT 'pending',  -- pending, sent, dead, expired
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_until INTEGER NOT NULL DEFAULT 0,
    http_status INTEGER,  -- of the last attempt; NULL when no answer came
    error TEXT,
    wamid TEXT,  -- the id Meta gave the message it accepted
    finished_at INTEGER
);
CREATE INDEX replies_due ON replies (status, next_attempt_at);
CREATE INDEX replies_event ON replies (event_id);
