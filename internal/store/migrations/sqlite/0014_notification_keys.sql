-- An alert's in-app notification no longer carries a dedup key: the sweep
-- writes it in the transaction that records the alert for the first time
-- (alerts' UNIQUE (page_id, generation, step, user_id) already makes it
-- once per recipient), so the key's index entry, one more B-tree write per
-- alerted recipient, was spent on nothing. Notifications written outside
-- the sweep (a publishing failure, once per post) keep theirs: the unique
-- index covers only the rows that have one. SQLite cannot drop a column's
-- UNIQUE: the table is rebuilt, with its indexes (notifications_user went
-- in 0013).
CREATE TABLE notifications_new (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    page_id      INTEGER REFERENCES pages (id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL,
    title        TEXT    NOT NULL,
    body         TEXT    NOT NULL DEFAULT '',
    dedup_key    TEXT,
    created_at   INTEGER NOT NULL,
    read_at      INTEGER,
    dismissed_at INTEGER,
    generation   INTEGER,
    resolved_at  INTEGER
);
INSERT INTO notifications_new (id, user_id, page_id, kind, title, body, dedup_key, created_at, read_at, dismissed_at, generation, resolved_at)
    SELECT id, user_id, page_id, kind, title, body, dedup_key, created_at, read_at, dismissed_at, generation, resolved_at FROM notifications;
DROP TABLE notifications;
ALTER TABLE notifications_new RENAME TO notifications;
CREATE UNIQUE INDEX notifications_dedup ON notifications (dedup_key) WHERE dedup_key IS NOT NULL;
CREATE INDEX notifications_user_id ON notifications (user_id, id);
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL AND dismissed_at IS NULL AND resolved_at IS NULL;
CREATE INDEX notifications_listed ON notifications (user_id, page_id, id) WHERE dismissed_at IS NULL;
CREATE INDEX notifications_unresolved ON notifications (page_id) WHERE resolved_at IS NULL AND generation IS NOT NULL;
