-- The OAuth flow serves more than a signed-in browser: a participant, a
-- person answering a single-use reconnect link (with no account), or the
-- platform's user sent by an API reconnect session. A flow's state records
-- its actor (kind and id) and the browser it is bound to (the session
-- cookie of a participant, the flow cookie set when a link or session was
-- opened). States and pending choices live ten minutes: they are replaced,
-- not migrated.
DROP TABLE oauth_states;
CREATE TABLE oauth_states (
    -- SHA-256 of the state value sent to the network.
    state_hash   TEXT    PRIMARY KEY,
    -- SHA-256 of the cookie of the browser that started the flow.
    browser_hash TEXT    NOT NULL,
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- 'user', 'request' or 'session', and the id of that user, reconnect
    -- request or session.
    actor_kind   TEXT    NOT NULL,
    actor_id     INTEGER NOT NULL,
    provider     TEXT    NOT NULL,
    page_id      INTEGER REFERENCES pages (id) ON DELETE CASCADE,
    location_id  INTEGER REFERENCES locations (id) ON DELETE CASCADE,
    -- Another network account than the page's may renew it (one with the
    -- role), as a reconnect request may allow.
    any_account  INTEGER NOT NULL DEFAULT 0,
    -- Where the browser goes back once done (a path of tokenwatch, or a
    -- return URL the account allowed).
    return_to    TEXT    NOT NULL DEFAULT '',
    -- The PKCE verifier, sealed like a token.
    key_id       TEXT    NOT NULL,
    verifier     BLOB    NOT NULL,
    redirect_uri TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);

DROP TABLE oauth_pending;
CREATE TABLE oauth_pending (
    id_hash      TEXT    PRIMARY KEY,
    browser_hash TEXT    NOT NULL,
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    actor_kind   TEXT    NOT NULL,
    actor_id     INTEGER NOT NULL,
    -- The grant and the pages it may connect, sealed: it holds tokens.
    key_id       TEXT    NOT NULL,
    payload      BLOB    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);

-- Reconnect requests: a single-use link, valid 7 days and bound to one
-- page, sent by e-mail to someone (who needs no account) to run the
-- consent that renews the page.
CREATE TABLE reconnect_requests (
    id           INTEGER PRIMARY KEY,
    -- SHA-256 of the link's secret.
    token_hash   TEXT    NOT NULL UNIQUE,
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    page_id      INTEGER NOT NULL REFERENCES pages (id) ON DELETE CASCADE,
    requested_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    recipient    TEXT    NOT NULL,
    message      TEXT    NOT NULL DEFAULT '',
    any_account  INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    used_at      INTEGER,
    revoked_at   INTEGER,
    -- What the last consent through the link came to, in words.
    outcome      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX reconnect_requests_page ON reconnect_requests (page_id);
