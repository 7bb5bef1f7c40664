-- The integration API: scopes of API keys, stored replies of idempotent
-- requests, the record of tokens handed out, reconnect and connect sessions,
-- and the return URLs an account allows them. Times are Unix milliseconds.

-- Space-separated scopes: read, write, tokens. Keys made before scopes
-- could only read.
ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT 'read';

-- A POST sent with an Idempotency-Key: the hash of its request and, once
-- answered, the reply (sealed: a token's reply holds the token).
CREATE TABLE api_idempotency (
    api_key_id   INTEGER NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    idem_key     TEXT    NOT NULL,
    request_hash TEXT    NOT NULL,
    -- 0 while the first request is being answered.
    status       INTEGER NOT NULL DEFAULT 0,
    key_id       TEXT    NOT NULL DEFAULT '',
    reply        BLOB,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (api_key_id, idem_key)
);
CREATE INDEX api_idempotency_created ON api_idempotency (created_at);

-- Every access token handed out through the API (never the token).
CREATE TABLE token_grants (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    api_key_id INTEGER NOT NULL,
    page_id    INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX token_grants_account ON token_grants (account_id, id);
CREATE INDEX token_grants_page ON token_grants (page_id, id);

-- A single-use URL the platform sends its user to, to reconnect a page
-- (page_id) or connect pages of a network to a location (location_id).
CREATE TABLE api_sessions (
    id                INTEGER PRIMARY KEY,
    token_hash        TEXT    NOT NULL UNIQUE,
    account_id        INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    api_key_id        INTEGER NOT NULL,
    kind              TEXT    NOT NULL CHECK (kind IN ('reconnect', 'connect')),
    page_id           INTEGER REFERENCES pages (id) ON DELETE CASCADE,
    location_id       INTEGER REFERENCES locations (id) ON DELETE CASCADE,
    provider          TEXT    NOT NULL,
    -- Space-separated network page ids a connect session is limited to.
    provider_page_ids TEXT    NOT NULL DEFAULT '',
    return_url        TEXT    NOT NULL,
    status            TEXT    NOT NULL DEFAULT 'open',
    outcome           TEXT    NOT NULL DEFAULT '',
    -- Space-separated ids of the pages renewed or connected.
    result_page_ids   TEXT    NOT NULL DEFAULT '',
    created_at        INTEGER NOT NULL,
    expires_at        INTEGER NOT NULL,
    started_at        INTEGER,
    done_at           INTEGER
);

CREATE TABLE return_urls (
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    url        TEXT    NOT NULL,
    PRIMARY KEY (account_id, url)
);

-- Lists of the API, a page at a time by id.
CREATE INDEX locations_account ON locations (account_id, id);
CREATE INDEX posts_location_id ON posts (location_id, scheduled_at, id);

-- The pages that need a person, worst first, a page of results at a time:
-- each state's pages by deadline, through the index (store.IssuePages).
CREATE INDEX pages_account_state_deadline ON pages (account_id, state, deadline, id);
CREATE INDEX pages_location_state_deadline ON pages (location_id, state, deadline, id);
