-- Channels, notification preferences, escalation, e-mail conventions and
-- notifications that stay true. Times are Unix milliseconds (UTC); NULL is
-- "none".

-- A location's chat channels: Slack and Microsoft Teams incoming webhooks.
-- The webhook URL authorizes posting to the channel: it is sealed like the
-- tokens (under key_id) and only its hint (host and last characters) is
-- ever shown.
CREATE TABLE location_channels (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    location_id INTEGER NOT NULL REFERENCES locations (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL CHECK (kind IN ('slack', 'teams')),
    name        TEXT    NOT NULL,
    key_id      TEXT    NOT NULL,
    url         BLOB    NOT NULL,
    url_hint    TEXT    NOT NULL,
    created_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX location_channels_location ON location_channels (location_id, id);

-- The outbox carries chat messages too: a delivery per page step and
-- channel. SQLite cannot change a CHECK constraint: the table is rebuilt.
CREATE TABLE deliveries_new (
    id          INTEGER PRIMARY KEY,
    channel     TEXT    NOT NULL CHECK (channel IN ('email', 'webhook', 'slack', 'teams')),
    key         TEXT    NOT NULL UNIQUE,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id     INTEGER REFERENCES users (id) ON DELETE CASCADE,
    endpoint_id INTEGER REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    channel_id  INTEGER REFERENCES location_channels (id) ON DELETE CASCADE,
    page_ids    TEXT    NOT NULL DEFAULT '',
    payload     TEXT    NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    enqueued_at INTEGER NOT NULL,
    done_at     INTEGER
);
INSERT INTO deliveries_new (id, channel, key, account_id, user_id, endpoint_id, page_ids, payload, status, attempts, last_error,
        created_at, enqueued_at, done_at)
    SELECT id, channel, key, account_id, user_id, endpoint_id, page_ids, payload, status, attempts, last_error,
        created_at, enqueued_at, done_at FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;
CREATE INDEX deliveries_pending ON deliveries (enqueued_at) WHERE status = 'pending';
-- A channel's latest messages, for its page.
CREATE INDEX deliveries_channel ON deliveries (channel_id, id) WHERE channel_id IS NOT NULL;

-- How each person is told. time_zone '' is their first location's zone
-- (else UTC). notify_mode: every alert by e-mail, a daily digest at
-- digest_hour (their time), or in-app only. A digest holds the alerts
-- recorded after digest_after; the next one is due at next_digest_at.
ALTER TABLE users ADD COLUMN time_zone TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN notify_mode TEXT NOT NULL DEFAULT 'every' CHECK (notify_mode IN ('every', 'digest', 'inapp'));
ALTER TABLE users ADD COLUMN digest_hour INTEGER NOT NULL DEFAULT 8 CHECK (digest_hour BETWEEN 0 AND 23);
ALTER TABLE users ADD COLUMN digest_after INTEGER;
ALTER TABLE users ADD COLUMN next_digest_at INTEGER;
CREATE INDEX users_digest_due ON users (next_digest_at) WHERE notify_mode = 'digest';
-- The one-click unsubscribe link's secret: its SHA-256 to find the user,
-- and the secret itself sealed (under unsubscribe_key_id) to put in e-mails.
ALTER TABLE users ADD COLUMN unsubscribe_hash TEXT;
ALTER TABLE users ADD COLUMN unsubscribe_key_id TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN unsubscribe_token BLOB;
CREATE UNIQUE INDEX users_unsubscribe ON users (unsubscribe_hash) WHERE unsubscribe_hash IS NOT NULL;

-- Escalation: how long a page may stay expired or revoked after its
-- terminal alert before the account's owners are told (seconds; 0: the
-- service's default).
ALTER TABLE accounts ADD COLUMN escalate_after INTEGER NOT NULL DEFAULT 0;

-- Notifications that stay true: an alert's notification knows its
-- generation and is resolved once the page is fixed (a new generation, or
-- healthy again); resolved ones are not unread and not counted.
ALTER TABLE notifications ADD COLUMN generation INTEGER;
ALTER TABLE notifications ADD COLUMN resolved_at INTEGER;
UPDATE notifications SET generation = CAST(substr(dedup_key, instr(substr(dedup_key, 7), ':') + 7,
        instr(substr(dedup_key, instr(substr(dedup_key, 7), ':') + 7), ':') - 1) AS INTEGER)
    WHERE dedup_key LIKE 'alert:%';
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL AND dismissed_at IS NULL AND resolved_at IS NULL;
CREATE INDEX notifications_listed ON notifications (user_id, page_id, id) WHERE dismissed_at IS NULL;
CREATE INDEX notifications_unresolved ON notifications (page_id) WHERE resolved_at IS NULL AND generation IS NOT NULL;

-- A user's alerts in the order they were recorded, for daily digests.
DROP INDEX alerts_user;
CREATE INDEX alerts_user_time ON alerts (user_id, created_at);

-- The demo outbox shows each message's headers.
ALTER TABLE mail_outbox ADD COLUMN headers TEXT NOT NULL DEFAULT '';
