-- Lists and counts that do not grow with the pages a person sees (see the
-- SQLite migration).
ALTER TABLE pages ADD COLUMN deadline timestamptz;
UPDATE pages SET deadline = least(
    CASE WHEN NOT auto_refresh OR refresh_before_expiry THEN access_expires_at END,
    refresh_expires_at, data_access_expires_at);

DROP INDEX pages_location;
CREATE INDEX pages_location_state ON pages (location_id, state);
CREATE INDEX pages_location_deadline ON pages (location_id, deadline) WHERE deadline IS NOT NULL;
CREATE INDEX pages_issues ON pages (state) WHERE state <> 'healthy';
CREATE TABLE page_total (n bigint NOT NULL);
INSERT INTO page_total (n) SELECT count(*) FROM pages;
-- Statement triggers with transition tables: one update of the total per
-- statement, however many rows it inserts or deletes.
CREATE FUNCTION count_inserted_pages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE page_total SET n = n + (SELECT count(*) FROM inserted);
    RETURN NULL;
END $$;
CREATE FUNCTION count_deleted_pages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE page_total SET n = n - (SELECT count(*) FROM deleted);
    RETURN NULL;
END $$;
CREATE TRIGGER pages_counted AFTER INSERT ON pages REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION count_inserted_pages();
CREATE TRIGGER pages_uncounted AFTER DELETE ON pages REFERENCING OLD TABLE AS deleted
    FOR EACH STATEMENT EXECUTE FUNCTION count_deleted_pages();
CREATE INDEX notifications_user_id ON notifications (user_id, id);
