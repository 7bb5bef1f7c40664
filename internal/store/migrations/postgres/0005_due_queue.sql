-- The due-time index becomes a queue of its own: one row per moment a page
-- needs attention, kept in the order of those moments (see the SQLite
-- migration for why). A page may have several rows; an outdated one only
-- makes the sweep evaluate the page once more.
CREATE TABLE page_due (
    due_at  timestamptz NOT NULL,
    page_id bigint      NOT NULL,
    PRIMARY KEY (due_at, page_id)
);

INSERT INTO page_due (due_at, page_id) SELECT next_due_at, id FROM pages WHERE next_due_at IS NOT NULL;

DROP INDEX pages_due;
