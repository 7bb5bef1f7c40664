-- Lists and counts that do not grow with the pages a person sees.
--
-- A page's connection deadline (lifecycle.Deadline: the earliest of the
-- access-token expiry when tokenwatch cannot refresh it or only a valid
-- token can be prolonged, the refresh-token expiry, Meta's data-access
-- expiry), kept with the facts it is made of, so that lists sort by it and
-- the Issues chart counts deadlines per day through an index.
ALTER TABLE pages ADD COLUMN deadline INTEGER;
UPDATE pages SET deadline = nullif(min(
    coalesce(CASE WHEN auto_refresh = 0 OR refresh_before_expiry = 1 THEN access_expires_at END, 9223372036854775807),
    coalesce(refresh_expires_at, 9223372036854775807),
    coalesce(data_access_expires_at, 9223372036854775807)), 9223372036854775807);

-- A location's pages by state (counts, issues) and by deadline (the chart).
DROP INDEX pages_location;
CREATE INDEX pages_location_state ON pages (location_id, state);
CREATE INDEX pages_location_deadline ON pages (location_id, deadline) WHERE deadline IS NOT NULL;
-- The pages that need a person, by state, for /metrics.
CREATE INDEX pages_issues ON pages (state) WHERE state <> 'healthy';
-- How many pages there are, kept as pages come and go (for /metrics:
-- counting a million rows at each scrape is what this avoids).
CREATE TABLE page_total (n INTEGER NOT NULL);
INSERT INTO page_total (n) SELECT count(*) FROM pages;
CREATE TRIGGER pages_counted AFTER INSERT ON pages BEGIN UPDATE page_total SET n = n + 1; END;
CREATE TRIGGER pages_uncounted AFTER DELETE ON pages BEGIN UPDATE page_total SET n = n - 1; END;
-- A user's notifications, newest first, paged.
CREATE INDEX notifications_user_id ON notifications (user_id, id);
