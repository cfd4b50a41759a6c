-- The ledger: one row per event, never deleted, never updated except for the subject it
-- is filed under (subjects merge when two identities turn out to be one person).
-- `id` is a hash of the natural `key`, so the one unique index on `id` dedupes both.
CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    key TEXT NOT NULL,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    occurred_at INTEGER NOT NULL,  -- microseconds since 1970-01-01 UTC: when the person acted
    received_at INTEGER NOT NULL,  -- ... and when this service received it
    subject_id INTEGER,
    identity_keys TEXT NOT NULL DEFAULT '',  -- space-separated
    phone TEXT,
    wa_id TEXT,
    user_id TEXT,
    categories TEXT NOT NULL DEFAULT '',  -- space-separated
    phone_number_id TEXT,
    waba_id TEXT,
    actor TEXT,
    language TEXT,
    evidence TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_subject ON events (subject_id);

-- A person, as far as we can tell; `state` is the projection derived from its events.
-- AUTOINCREMENT: the id of a subject merged away is never given to another person.
CREATE TABLE subjects (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    state TEXT NOT NULL DEFAULT '',
    updated_at TEXT,
    version INTEGER NOT NULL DEFAULT 0
);

-- Every key that names a subject: phone match keys, business-scoped user ids.
CREATE TABLE identities (
    key TEXT PRIMARY KEY,
    subject_id INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX identities_subject ON identities (subject_id);

-- Signed deliveries that could not be read: kept whole, listed for an admin.
CREATE TABLE quarantine (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at TEXT NOT NULL,
    reason TEXT NOT NULL,
    body BLOB NOT NULL,
    body_sha256 TEXT NOT NULL UNIQUE  -- a redelivered body is kept once
);

-- Facts about the database itself, such as which projector made the projections.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Written by the readiness probe: proves the database still takes writes.
CREATE TABLE heartbeat (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    at TEXT NOT NULL
);

-- API tokens, stored as SHA-256 hashes only.
CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
