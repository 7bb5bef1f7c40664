-- Fewer B-trees written per alerted page (issue 14, item 5: a sweep that
-- alerts 10,000 pages wrote about 25 index entries for each). Every index
-- that stays has a reader; these had none that another index does not
-- serve as well.
--
-- pages_location_state (location_id, state) is a prefix of
-- pages_location_state_deadline (location_id, state, deadline, id), which
-- serves every query it served (a location's pages, by state, and their
-- counts); a page whose state changes had both rewritten.
DROP INDEX pages_location_state;
-- notifications_user (user_id, created_at) served only ListNotifications
-- (which tests call; the web and the API page through
-- notifications_listed and notifications_user_id): notifications_user_id
-- finds a user's notifications for it, and for MarkNotificationsRead and
-- the cascade from users.
DROP INDEX notifications_user;

-- The ladder's steps are read and written by their key alone: kept in the
-- key's B-tree (WITHOUT ROWID), a step is one B-tree entry instead of a row
-- and an entry in the key's index.
CREATE TABLE page_alerts_new (
    page_id    INTEGER NOT NULL REFERENCES pages (id) ON DELETE CASCADE,
    generation INTEGER NOT NULL,
    step       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (page_id, generation, step)
) WITHOUT ROWID;
INSERT INTO page_alerts_new (page_id, generation, step, created_at) SELECT page_id, generation, step, created_at FROM page_alerts;
DROP TABLE page_alerts;
ALTER TABLE page_alerts_new RENAME TO page_alerts;
