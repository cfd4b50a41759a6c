-- The ledger: one row per event, never deleted, never updated except for the subject it
-- is filed under (subjects merge when two identities turn out to be one person).
-- `id` is a hash of the natural `key`, so the one unique index on `id` dedupes both, on
-- every instance at once (INSERT ... ON CONFLICT (id) DO NOTHING).
-- Event times are bigint microseconds since 1970-01-01 UTC, as in SQLite: the codec is the
-- one place that converts them, and comparisons are exact.
CREATE TABLE events (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id text NOT NULL UNIQUE,
    key text NOT NULL,
    kind text NOT NULL,
    source text NOT NULL,
    occurred_at bigint NOT NULL,  -- when the person acted
    received_at bigint NOT NULL,  -- ... and when this service received it
    subject_id bigint,
    identity_keys text NOT NULL DEFAULT '',  -- space-separated
    phone text,
    wa_id text,
    user_id text,
    categories text NOT NULL DEFAULT '',  -- space-separated
    phone_number_id text,
    waba_id text,
    actor text,
    language text,
    -- json, not jsonb: the text is kept as written, so it reads back exactly.
    evidence json NOT NULL DEFAULT '{}'
);
CREATE INDEX events_subject ON events (subject_id, seq);

-- Subject ids come from their own sequence: an id merged away is never given to another
-- person, whichever instance asks next.
CREATE SEQUENCE subject_ids AS bigint;

-- A person, as far as we can tell; `state` is the projection derived from its events.
CREATE TABLE subjects (
    id bigint PRIMARY KEY DEFAULT nextval('subject_ids'),
    state text NOT NULL DEFAULT '',
    updated_at timestamptz,
    version bigint NOT NULL DEFAULT 0
);
ALTER SEQUENCE subject_ids OWNED BY subjects.id;

-- Every key that names a subject: phone match keys, business-scoped user ids.
CREATE TABLE identities (
    key text PRIMARY KEY,
    subject_id bigint NOT NULL
);
CREATE INDEX identities_subject ON identities (subject_id);

-- Signed deliveries that could not be read: kept whole, listed for an admin.
CREATE TABLE quarantine (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    received_at timestamptz NOT NULL,
    reason text NOT NULL,
    body bytea NOT NULL,
    body_sha256 text NOT NULL UNIQUE  -- a redelivered body is kept once
);

-- Facts about the database itself, such as which projector made the projections.
CREATE TABLE meta (
    key text PRIMARY KEY,
    value text NOT NULL
);

-- Written by the readiness probe: proves the database still takes writes.
CREATE TABLE heartbeat (
    id integer PRIMARY KEY CHECK (id = 1),
    at timestamptz NOT NULL
);

-- API tokens, stored as SHA-256 hashes only.
CREATE TABLE tokens (
    id text PRIMARY KEY,
    name text NOT NULL,
    role text NOT NULL,
    token_hash text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL,
    revoked_at timestamptz
);
