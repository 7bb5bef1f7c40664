-- Publishing: a post may carry media, and each post-to-page delivery can be
-- claimed by one publisher at a time and retried.

ALTER TABLE posts ADD COLUMN media_url text NOT NULL DEFAULT '';

ALTER TABLE post_pages ADD COLUMN claimed_until timestamptz;
ALTER TABLE post_pages ADD COLUMN attempts integer NOT NULL DEFAULT 0;
CREATE INDEX post_pages_status ON post_pages (status, page_id);
