-- What senders read without deriving anything: each subject's eligibility per category
-- (`summary`, JSON written by the projector; '' is the default of a number never seen),
-- the number and user id it is known by, and its place in the change feed.
ALTER TABLE subjects ADD COLUMN summary TEXT NOT NULL DEFAULT '';
ALTER TABLE subjects ADD COLUMN phone TEXT;
ALTER TABLE subjects ADD COLUMN user_id TEXT;
ALTER TABLE subjects ADD COLUMN feed_seq INTEGER;  -- NULL: never changed from the default
-- The feed reads only this index (a subject's whole state stays in the table).
CREATE INDEX subjects_feed ON subjects (feed_seq, id, phone, user_id, summary)
    WHERE feed_seq IS NOT NULL;

-- Bulk eligibility reads a summary per number through this index (named in the query):
-- its entries are a tenth of a subject's row, so a million lookups touch far fewer pages.
CREATE INDEX subjects_summary ON subjects (id, summary);

-- Counters taken inside write transactions, so their values follow the commit order.
CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO counters (name, value) VALUES ('feed', 0);

-- The outbox: every change of a subject's eligibility, written in the transaction that
-- caused it, in commit order. Subscriptions deliver it; nothing here is updated.
CREATE TABLE changes (
    seq INTEGER PRIMARY KEY,
    subject_id INTEGER NOT NULL,
    phone TEXT,
    user_id TEXT,
    summary TEXT NOT NULL,
    changed_at INTEGER NOT NULL  -- microseconds since 1970-01-01 UTC
);

-- Hashed numbers are identity keys too ('h:' + SHA-256 of the E.164 form), so a list of
-- hashes is checked like a list of numbers. Numbers stored before this get theirs here.
INSERT OR IGNORE INTO identities (key, subject_id)
SELECT DISTINCT 'h:' || consentbot_sha256(phone), subject_id FROM events
WHERE phone IS NOT NULL AND subject_id IS NOT NULL;

-- The secret behind per-token HMAC hashes of numbers: the same on every instance.
INSERT OR IGNORE INTO meta (key, value) VALUES ('hash_secret', lower(hex(randomblob(32))));

-- Subscribers' webhooks: each subscription delivers the changes after its cursor, one
-- at a time and in order, retrying the first undelivered one with a growing back-off.
CREATE TABLE subscriptions (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,  -- signs the deliveries, so it is kept as given
    description TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    created_by TEXT,
    deleted_at INTEGER,
    cursor INTEGER NOT NULL,  -- the last change delivered (or skipped at creation)
    attempts INTEGER NOT NULL DEFAULT 0,  -- failed attempts at the change after the cursor
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_until INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);

-- Every attempt, for the delivery log.
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY,
    subscription_id TEXT NOT NULL,
    change_seq INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    attempted_at INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    status INTEGER,  -- the subscriber's HTTP status; NULL when there was no answer
    ok INTEGER NOT NULL,
    error TEXT
);
CREATE INDEX deliveries_subscription ON deliveries (subscription_id, id);
