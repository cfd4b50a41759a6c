-- What senders read without deriving anything: each subject's eligibility per category
-- (`summary`, JSON written by the projector; '' is the default of a number never seen),
-- the number and user id it is known by, and its place in the change feed.
ALTER TABLE subjects ADD COLUMN summary text NOT NULL DEFAULT '';
ALTER TABLE subjects ADD COLUMN phone text;
ALTER TABLE subjects ADD COLUMN user_id text;
ALTER TABLE subjects ADD COLUMN feed_seq bigint;  -- NULL: never changed from the default
-- The feed reads only this index (a subject's whole state stays in the table).
CREATE INDEX subjects_feed ON subjects (feed_seq) INCLUDE (id, phone, user_id, summary)
    WHERE feed_seq IS NOT NULL;

-- Counters taken inside write transactions: the row stays locked until the transaction
-- ends, so on every instance the values follow the commit order and a reader that sees
-- one value sees every smaller one.
CREATE TABLE counters (
    name text PRIMARY KEY,
    value bigint NOT NULL
);
INSERT INTO counters (name, value) VALUES ('feed', 0);

-- The outbox: every change of a subject's eligibility, written in the transaction that
-- caused it, in commit order. Subscriptions deliver it; nothing here is updated.
CREATE TABLE changes (
    seq bigint PRIMARY KEY,
    subject_id bigint NOT NULL,
    phone text,
    user_id text,
    summary text NOT NULL,
    changed_at bigint NOT NULL  -- microseconds since 1970-01-01 UTC
);

-- Hashed numbers are identity keys too ('h:' + SHA-256 of the E.164 form), so a list of
-- hashes is checked like a list of numbers. Numbers stored before this get theirs here.
INSERT INTO identities (key, subject_id)
SELECT DISTINCT 'h:' || encode(sha256(convert_to(phone, 'UTF8')), 'hex'), subject_id
FROM events WHERE phone IS NOT NULL AND subject_id IS NOT NULL
ON CONFLICT (key) DO NOTHING;

-- The secret behind per-token HMAC hashes of numbers: the same on every instance.
INSERT INTO meta (key, value) VALUES ('hash_secret', md5(random()::text) || md5(random()::text))
ON CONFLICT (key) DO NOTHING;

-- Subscribers' webhooks: each subscription delivers the changes after its cursor, one
-- at a time and in order, retrying the first undelivered one with a growing back-off.
CREATE TABLE subscriptions (
    id text PRIMARY KEY,
    url text NOT NULL,
    secret text NOT NULL,  -- signs the deliveries, so it is kept as given
    description text NOT NULL DEFAULT '',
    created_at bigint NOT NULL,
    created_by text,
    deleted_at bigint,
    cursor bigint NOT NULL,  -- the last change delivered (or skipped at creation)
    attempts integer NOT NULL DEFAULT 0,  -- failed attempts at the change after the cursor
    next_attempt_at bigint NOT NULL DEFAULT 0,
    lease_owner text,
    lease_until bigint NOT NULL DEFAULT 0,
    last_error text
);

-- Every attempt, for the delivery log.
CREATE TABLE deliveries (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subscription_id text NOT NULL,
    change_seq bigint NOT NULL,
    attempt integer NOT NULL,
    attempted_at bigint NOT NULL,
    duration_ms integer NOT NULL,
    status integer,  -- the subscriber's HTTP status; NULL when there was no answer
    ok boolean NOT NULL,
    error text
);
CREATE INDEX deliveries_subscription ON deliveries (subscription_id, id);
