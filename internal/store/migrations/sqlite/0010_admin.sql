-- Running an account from the browser: each page's history, the audit log,
-- invitations. Times are Unix milliseconds (UTC); NULL is "none".

-- What happened to a page's grant: connected, refreshed, checked (when a
-- check changed something, failed, or a person asked for it), reconnected,
-- disconnected. Alerts sent are read from the alerts table.
CREATE TABLE page_events (
    id         INTEGER PRIMARY KEY,
    page_id    INTEGER NOT NULL REFERENCES pages (id) ON DELETE CASCADE,
    at         INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    -- The page's token generation after the event.
    generation INTEGER NOT NULL,
    -- The classified result of a failed call (tokenwatch.ErrorClass).
    class      TEXT    NOT NULL DEFAULT '',
    detail     TEXT    NOT NULL DEFAULT '',
    -- Who did it, when a person did (a reconnect, Check now, a disconnect).
    user_id    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    actor      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX page_events_page ON page_events (page_id, id);
CREATE INDEX page_events_at ON page_events (at);

-- Who did what to an account and when. Names are kept as they were at the
-- time: entries outlive the people, locations and pages they name. Never
-- a token or a secret.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    at          INTEGER NOT NULL,
    -- user, api_key, request (a reconnect link), system.
    actor_kind  TEXT    NOT NULL,
    actor_id    INTEGER NOT NULL DEFAULT 0,
    actor_name  TEXT    NOT NULL DEFAULT '',
    action      TEXT    NOT NULL,
    location_id INTEGER,
    page_id     INTEGER,
    subject     TEXT    NOT NULL DEFAULT '',
    detail      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_account ON audit_log (account_id, id);
CREATE INDEX audit_log_action ON audit_log (account_id, action, id);

-- An invitation to join an account, sent by e-mail: single use, valid for
-- 7 days, stored as the hash of its secret.
CREATE TABLE invitations (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    email         TEXT    NOT NULL,
    account_owner INTEGER NOT NULL DEFAULT 0,
    token_hash    TEXT    NOT NULL UNIQUE,
    invited_by    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    accepted_at   INTEGER,
    revoked_at    INTEGER,
    user_id       INTEGER REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX invitations_account ON invitations (account_id, id);

-- The role an invitation gives at each location.
CREATE TABLE invitation_roles (
    invitation_id INTEGER NOT NULL REFERENCES invitations (id) ON DELETE CASCADE,
    location_id   INTEGER NOT NULL REFERENCES locations (id) ON DELETE CASCADE,
    role          TEXT    NOT NULL CHECK (role IN ('owner', 'manager', 'member')),
    PRIMARY KEY (invitation_id, location_id)
);

-- The pages a person is the page admin of (handing them over when the
-- person leaves).
CREATE INDEX pages_connected_by ON pages (connected_by) WHERE connected_by IS NOT NULL;

-- An endpoint's latest deliveries, for the account's settings.
CREATE INDEX deliveries_endpoint ON deliveries (endpoint_id, id) WHERE endpoint_id IS NOT NULL;
