-- An alert's in-app notification no longer carries a dedup key (see the
-- SQLite migration): the unique index covers only the rows that have one.
ALTER TABLE notifications DROP CONSTRAINT notifications_dedup_key_key;
CREATE UNIQUE INDEX notifications_dedup ON notifications (dedup_key) WHERE dedup_key IS NOT NULL;
