-- tokenwatch schema, SQLite. Times are Unix milliseconds (UTC); NULL is "none".

CREATE TABLE accounts (
    id               INTEGER PRIMARY KEY,
    name             TEXT    NOT NULL,
    -- Alert thresholds in seconds, comma-separated, longest first; '' = defaults.
    alert_thresholds TEXT    NOT NULL DEFAULT '',
    created_at       INTEGER NOT NULL
);

CREATE TABLE locations (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    time_zone  TEXT    NOT NULL DEFAULT 'UTC',
    created_at INTEGER NOT NULL,
    UNIQUE (account_id, name)
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    email         TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    account_owner INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);
CREATE INDEX users_account ON users (account_id);

CREATE TABLE memberships (
    location_id INTEGER NOT NULL REFERENCES locations (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role        TEXT    NOT NULL CHECK (role IN ('owner', 'manager', 'member')),
    PRIMARY KEY (location_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE pages (
    id                     INTEGER PRIMARY KEY,
    account_id             INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    location_id            INTEGER NOT NULL REFERENCES locations (id) ON DELETE CASCADE,
    provider               TEXT    NOT NULL,
    provider_page_id       TEXT    NOT NULL,
    name                   TEXT    NOT NULL,
    connected_by           INTEGER REFERENCES users (id) ON DELETE SET NULL,
    provider_user_id       TEXT    NOT NULL,
    provider_user_name     TEXT    NOT NULL DEFAULT '',
    scopes                 TEXT    NOT NULL DEFAULT '',
    -- Tokens are AES-256-GCM ciphertexts sealed under the key key_id.
    key_id                 TEXT    NOT NULL,
    access_token           BLOB    NOT NULL,
    refresh_token          BLOB,
    access_expires_at      INTEGER,
    refresh_expires_at     INTEGER,
    data_access_expires_at INTEGER,
    auto_refresh           INTEGER NOT NULL DEFAULT 0,
    refresh_before_expiry  INTEGER NOT NULL DEFAULT 0,
    refresh_lead_seconds   INTEGER NOT NULL DEFAULT 0,
    problem                TEXT    NOT NULL DEFAULT '',
    last_checked_at        INTEGER,
    last_error_class       TEXT    NOT NULL DEFAULT '',
    last_error_message     TEXT    NOT NULL DEFAULT '',
    last_error_at          INTEGER,
    retry_at               INTEGER,
    generation             INTEGER NOT NULL DEFAULT 1,
    state                  TEXT    NOT NULL DEFAULT 'healthy',
    -- When the page next needs attention; the sweep claims through it.
    next_due_at            INTEGER,
    created_at             INTEGER NOT NULL,
    updated_at             INTEGER NOT NULL,
    UNIQUE (account_id, provider, provider_page_id)
);
CREATE INDEX pages_location ON pages (location_id);
CREATE INDEX pages_due ON pages (next_due_at) WHERE next_due_at IS NOT NULL;

CREATE TABLE posts (
    id           INTEGER PRIMARY KEY,
    location_id  INTEGER NOT NULL REFERENCES locations (id) ON DELETE CASCADE,
    author_id    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    text         TEXT    NOT NULL,
    link         TEXT    NOT NULL DEFAULT '',
    scheduled_at INTEGER NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'scheduled',
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX posts_location_time ON posts (location_id, scheduled_at);
CREATE INDEX posts_due ON posts (scheduled_at) WHERE status IN ('scheduled', 'held');

CREATE TABLE post_pages (
    post_id          INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    page_id          INTEGER NOT NULL REFERENCES pages (id) ON DELETE CASCADE,
    status           TEXT    NOT NULL DEFAULT 'scheduled',
    provider_post_id TEXT    NOT NULL DEFAULT '',
    error            TEXT    NOT NULL DEFAULT '',
    published_at     INTEGER,
    PRIMARY KEY (post_id, page_id)
);
CREATE INDEX post_pages_page ON post_pages (page_id);

CREATE TABLE notifications (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    page_id      INTEGER REFERENCES pages (id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL,
    title        TEXT    NOT NULL,
    body         TEXT    NOT NULL DEFAULT '',
    -- Set when the notification stands for an alert, so it exists once.
    dedup_key    TEXT UNIQUE,
    created_at   INTEGER NOT NULL,
    read_at      INTEGER,
    dismissed_at INTEGER
);
CREATE INDEX notifications_user ON notifications (user_id, created_at);

CREATE TABLE sessions (
    -- SHA-256 of the cookie value; the value itself is never stored.
    id_hash      TEXT    PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    -- Set once the login pop-up was closed in this session.
    popup_closed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    -- The first characters of the key, to recognise it in lists.
    prefix       TEXT    NOT NULL,
    -- SHA-256 of the key; the key itself is shown once and never stored.
    hash         TEXT    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER,
    last_used_at INTEGER
);
