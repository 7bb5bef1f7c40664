-- The rows a sweep writes for each alerted page no longer check foreign
-- keys, as on PostgreSQL since its 0015 (issue 14, item 5): each key's check
-- looked up its page or user, five look-ups per alerted page (the page for
-- its step, its alert and its notification, the recipient for the last
-- two), and a statement of many rows that may fail a key must keep a
-- journal of its own in case it is undone alone. The sweep claims its pages
-- in the transaction that records them (which holds SQLite's one write
-- lock, so nobody deletes them meanwhile) and looks its recipients up once
-- per batch (store.lockAlerted); the cascades the keys did are done by the
-- triggers below, for each page or user deleted (and so also when an
-- account or a location goes, whose deletion cascades to them).
--
-- SQLite cannot drop a foreign key: the three tables are rebuilt, with
-- their indexes. alerts becomes a table of its key (WITHOUT ROWID): an
-- alert is one entry in the key's B-tree instead of a row and an entry in
-- the key's index. Nothing reads an alert's rowid.
CREATE TABLE page_alerts_new (
    page_id    INTEGER NOT NULL,
    generation INTEGER NOT NULL,
    step       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (page_id, generation, step)
) WITHOUT ROWID;
INSERT INTO page_alerts_new (page_id, generation, step, created_at) SELECT page_id, generation, step, created_at FROM page_alerts;
DROP TABLE page_alerts;
ALTER TABLE page_alerts_new RENAME TO page_alerts;

CREATE TABLE alerts_new (
    page_id    INTEGER NOT NULL,
    generation INTEGER NOT NULL,
    step       TEXT    NOT NULL,
    user_id    INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (page_id, generation, step, user_id)
) WITHOUT ROWID;
INSERT INTO alerts_new (page_id, generation, step, user_id, created_at) SELECT page_id, generation, step, user_id, created_at FROM alerts;
DROP TABLE alerts;
ALTER TABLE alerts_new RENAME TO alerts;
CREATE INDEX alerts_user_time ON alerts (user_id, created_at);

CREATE TABLE notifications_new (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL,
    page_id      INTEGER,
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

-- (No index finds all of a page's notifications: the key's cascade read the
-- table for each page deleted, and so does the trigger.)
CREATE TRIGGER pages_deleted AFTER DELETE ON pages BEGIN
    DELETE FROM page_alerts WHERE page_id = OLD.id;
    DELETE FROM alerts WHERE page_id = OLD.id;
    DELETE FROM notifications WHERE page_id = OLD.id;
END;
CREATE TRIGGER users_deleted AFTER DELETE ON users BEGIN
    DELETE FROM alerts WHERE user_id = OLD.id;
    DELETE FROM notifications WHERE user_id = OLD.id;
END;
