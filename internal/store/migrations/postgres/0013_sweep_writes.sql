-- Fewer indexes written per alerted page (issue 14, item 5; see the SQLite
-- migration for why each goes). An update of a page's state is not HOT
-- (state is indexed), so it writes an entry in every index of pages.
DROP INDEX pages_location_state;
DROP INDEX notifications_user;
