-- The due-time index becomes a queue of its own: one row per moment a page
-- needs attention, kept in the order of those moments. A sweep takes the
-- rows at the head (due now) and appends the pages' next moments near the
-- tail, so both touch a few clustered B-tree pages, where moving each due
-- page's own row (and its entry in an index on next_due_at) dirtied one
-- database page per due page. A page may have several rows (a change to the
-- page adds one, the sweep adds one): an outdated row only makes the sweep
-- evaluate the page once more, which records nothing twice.
CREATE TABLE page_due (
    due_at  INTEGER NOT NULL,
    page_id INTEGER NOT NULL,
    PRIMARY KEY (due_at, page_id)
) WITHOUT ROWID;

INSERT INTO page_due (due_at, page_id) SELECT next_due_at, id FROM pages WHERE next_due_at IS NOT NULL;

DROP INDEX pages_due;
