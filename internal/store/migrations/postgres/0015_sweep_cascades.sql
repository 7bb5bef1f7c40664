-- The rows a sweep writes for each alerted page no longer check foreign
-- keys (issue 14, item 5): PostgreSQL checks each key of each row with a
-- query of its own that locks the row it finds, five per alerted page (the
-- page for its step, its alert and its notification, the recipient for the
-- last two), about a quarter of the server's time in a sweep alerting
-- 10,000 pages. The sweep locks the pages and recipients it writes about
-- itself, once per batch (store.lockAlerted), so that nobody deletes them
-- meanwhile; the cascades the keys did are done by the triggers below, once
-- per statement that deletes pages or users (and so also when an account
-- or a location goes, whose deletion cascades to them).
ALTER TABLE page_alerts DROP CONSTRAINT page_alerts_page_id_fkey;
ALTER TABLE alerts DROP CONSTRAINT alerts_page_id_fkey;
ALTER TABLE alerts DROP CONSTRAINT alerts_user_id_fkey;
ALTER TABLE notifications DROP CONSTRAINT notifications_page_id_fkey;
ALTER TABLE notifications DROP CONSTRAINT notifications_user_id_fkey;

-- The functions keep the search_path of the migration, so that a deletion
-- from a session with another one (psql, an operator) still finds the tables.
-- (No index finds a page's notifications: the foreign key's cascade read
-- the table for each page deleted, the trigger reads it once per statement.)
CREATE FUNCTION pages_deleted_cascade() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    DELETE FROM page_alerts WHERE page_id IN (SELECT id FROM gone);
    DELETE FROM alerts WHERE page_id IN (SELECT id FROM gone);
    DELETE FROM notifications WHERE page_id IN (SELECT id FROM gone);
    RETURN NULL;
END
$$;
CREATE TRIGGER pages_deleted AFTER DELETE ON pages REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION pages_deleted_cascade();

CREATE FUNCTION users_deleted_cascade() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    DELETE FROM alerts WHERE user_id IN (SELECT id FROM gone);
    DELETE FROM notifications WHERE user_id IN (SELECT id FROM gone);
    RETURN NULL;
END
$$;
CREATE TRIGGER users_deleted AFTER DELETE ON users REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION users_deleted_cascade();
