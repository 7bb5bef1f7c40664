-- The OAuth flow's single-use states, grants waiting for the user to pick
-- pages, and the lock that keeps one refresh at a time per page.

CREATE TABLE oauth_states (
    -- SHA-256 of the state value sent to the network.
    state_hash   TEXT    PRIMARY KEY,
    -- SHA-256 of the session cookie of the browser that started the flow.
    session_hash TEXT    NOT NULL,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider     TEXT    NOT NULL,
    page_id      INTEGER REFERENCES pages (id) ON DELETE CASCADE,
    location_id  INTEGER REFERENCES locations (id) ON DELETE CASCADE,
    -- The PKCE verifier, sealed like a token.
    key_id       TEXT    NOT NULL,
    verifier     BLOB    NOT NULL,
    redirect_uri TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);

CREATE TABLE oauth_pending (
    id_hash      TEXT    PRIMARY KEY,
    session_hash TEXT    NOT NULL,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The grant and the pages it may connect, sealed: it holds tokens.
    key_id       TEXT    NOT NULL,
    payload      BLOB    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);

ALTER TABLE pages ADD COLUMN lock_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE pages ADD COLUMN lock_until INTEGER;
