-- The OAuth flow's single-use states, grants waiting for the user to pick
-- pages, and the lock that keeps one refresh at a time per page.

CREATE TABLE oauth_states (
    -- SHA-256 of the state value sent to the network.
    state_hash   text        PRIMARY KEY,
    -- SHA-256 of the session cookie of the browser that started the flow.
    session_hash text        NOT NULL,
    user_id      bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider     text        NOT NULL,
    page_id      bigint      REFERENCES pages (id) ON DELETE CASCADE,
    location_id  bigint      REFERENCES locations (id) ON DELETE CASCADE,
    -- The PKCE verifier, sealed like a token.
    key_id       text        NOT NULL,
    verifier     bytea       NOT NULL,
    redirect_uri text        NOT NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL
);

CREATE TABLE oauth_pending (
    id_hash      text        PRIMARY KEY,
    session_hash text        NOT NULL,
    user_id      bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The grant and the pages it may connect, sealed: it holds tokens.
    key_id       text        NOT NULL,
    payload      bytea       NOT NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL
);

ALTER TABLE pages ADD COLUMN lock_owner text NOT NULL DEFAULT '';
ALTER TABLE pages ADD COLUMN lock_until timestamptz;
