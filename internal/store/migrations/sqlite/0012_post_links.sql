-- The public link to a post on each network where it was published (the
-- network's permalink, or the link built from its id); '' where the
-- network gives none. Always an http(s) URL: the store refuses anything
-- else.
ALTER TABLE post_pages ADD COLUMN post_url TEXT NOT NULL DEFAULT '';
