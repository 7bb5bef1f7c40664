package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/tokenwatch/tokenwatch"
)

// DuePost is a scheduled post due on one of its pages.
type DuePost struct {
	Post     *tokenwatch.Post
	PageID   int64
	Attempts int
}

// ClaimDuePosts claims up to limit deliveries whose time has come and
// that nobody holds, for lease: until it ends no other publisher (in this
// process or another) gets them.
//
// The outer WHERE says again everything that makes a delivery claimable,
// status included. On PostgreSQL (READ COMMITTED) the subquery reads the
// deliveries as they were when the statement began; a row another
// publisher changed meanwhile is updated only if its newest version still
// passes the outer WHERE (the subquery is not read again). Another
// publisher may claim the delivery, publish it and record the result
// (claimed_until back to NULL) while this statement waits for the row: the
// status is what tells that it is done.
func (s *Store) ClaimDuePosts(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]DuePost, error) {
	rows, err := s.query(ctx, s.db, `UPDATE post_pages SET claimed_until = $2
		WHERE (post_id, page_id) IN (
			SELECT pp.post_id, pp.page_id FROM post_pages pp JOIN posts po ON po.id = pp.post_id
			WHERE pp.status = $4 AND po.scheduled_at <= $1 AND (pp.claimed_until IS NULL OR pp.claimed_until <= $1)
			ORDER BY po.scheduled_at LIMIT $3)
		AND status = $4 AND (claimed_until IS NULL OR claimed_until <= $1)
		RETURNING post_id, page_id, attempts`, now, now.Add(lease), limit, tokenwatch.PostScheduled)
	if err != nil {
		return nil, err
	}
	out, err := scanDuePosts(rows)
	if err != nil {
		return nil, err
	}
	return out, s.loadPosts(ctx, out)
}

// scanDuePosts reads (post_id, page_id, attempts) rows and closes them.
func scanDuePosts(rows *sql.Rows) ([]DuePost, error) {
	defer rows.Close()
	var out []DuePost
	for rows.Next() {
		d := DuePost{Post: &tokenwatch.Post{}}
		if err := rows.Scan(&d.Post.ID, &d.PageID, &d.Attempts); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// loadPosts fills in the posts of deliveries.
func (s *Store) loadPosts(ctx context.Context, ds []DuePost) error {
	for i := range ds {
		p, err := s.GetPost(ctx, ds[i].Post.ID)
		if err != nil {
			return err
		}
		ds[i].Post = p
	}
	return nil
}

// PublishResult is what happened to a delivery.
type PublishResult struct {
	// Status is published, held, failed or missed; scheduled means "try
	// again at RetryAt".
	Status         tokenwatch.PostStatus
	ProviderPostID string
	// URL is the public link to the published post; "" for none. Only an
	// http(s) URL is stored (tokenwatch.PostURLOK).
	URL     string
	Error   string
	RetryAt time.Time
}

// SetPublishResult records what happened to a post on a page, and the post's
// overall status with it.
func (s *Store) SetPublishResult(ctx context.Context, postID, pageID int64, r PublishResult) error {
	now := s.now().UTC()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var (
			res sql.Result
			err error
		)
		switch r.Status {
		case tokenwatch.PostPublished:
			// A link from a network's answer is untrusted: only http(s).
			if r.URL != "" && !tokenwatch.PostURLOK(r.URL) {
				return tokenwatch.Errorf(tokenwatch.CodeInvalid, "the link to a published post must be an http or https URL of at most %d bytes", tokenwatch.MaxPostURL)
			}
			// Error holds the network's note, if it published otherwise than asked.
			res, err = s.exec(ctx, tx, `UPDATE post_pages SET status = $3, provider_post_id = $4, error = $6, published_at = $5, post_url = $7,
				claimed_until = NULL, attempts = attempts + 1 WHERE post_id = $1 AND page_id = $2`, postID, pageID, r.Status, r.ProviderPostID, now, r.Error, r.URL)
		case tokenwatch.PostScheduled:
			res, err = s.exec(ctx, tx, `UPDATE post_pages SET status = $3, error = $4, claimed_until = $5, attempts = attempts + 1
				WHERE post_id = $1 AND page_id = $2`, postID, pageID, r.Status, r.Error, r.RetryAt)
		case tokenwatch.PostHeld, tokenwatch.PostFailed, tokenwatch.PostMissed:
			res, err = s.exec(ctx, tx, `UPDATE post_pages SET status = $3, error = $4, claimed_until = NULL
				WHERE post_id = $1 AND page_id = $2`, postID, pageID, r.Status, r.Error)
		default:
			return fmt.Errorf("store: %q is not a delivery status", r.Status)
		}
		if err := affectedOne(res, err, "post"); err != nil {
			return err
		}
		return s.updatePostStatus(ctx, tx, postID, now)
	})
}

// updatePostStatus sets a post's status from its deliveries: held while any
// page holds it, scheduled while any is still to go, then failed, missed,
// or published when every page has it.
func (s *Store) updatePostStatus(ctx context.Context, tx *sql.Tx, postID int64, now time.Time) error {
	_, err := s.exec(ctx, tx, `UPDATE posts SET updated_at = $2, status = CASE
			WHEN EXISTS (SELECT 1 FROM post_pages WHERE post_id = $1 AND status = $3) THEN $3
			WHEN EXISTS (SELECT 1 FROM post_pages WHERE post_id = $1 AND status = $4) THEN $4
			WHEN EXISTS (SELECT 1 FROM post_pages WHERE post_id = $1 AND status = $5) THEN $5
			WHEN EXISTS (SELECT 1 FROM post_pages WHERE post_id = $1 AND status = $6) THEN $6
			ELSE $7 END
		WHERE id = $1`, postID, now, tokenwatch.PostHeld, tokenwatch.PostScheduled, tokenwatch.PostFailed, tokenwatch.PostMissed, tokenwatch.PostPublished)
	return err
}

// holdPosts holds, inside tx, the posts still to go out on a page.
func (s *Store) holdPosts(ctx context.Context, tx *sql.Tx, pageID int64) error {
	_, err := s.movePagePosts(ctx, tx, pageID, tokenwatch.PostScheduled, tokenwatch.PostHeld)
	return err
}

// ReleaseHeld puts a page's held posts back in line, to be published at
// once (the page was reconnected), and returns how many.
func (s *Store) ReleaseHeld(ctx context.Context, pageID int64) (int, error) {
	n := 0
	err := s.inTx(ctx, func(tx *sql.Tx) (err error) {
		n, err = s.movePagePosts(ctx, tx, pageID, tokenwatch.PostHeld, tokenwatch.PostScheduled)
		return err
	})
	return n, err
}

// movePagePosts moves, inside tx, a page's deliveries of posts from one
// status to another (clearing their claim and error), updates their posts'
// statuses, and returns how many moved.
func (s *Store) movePagePosts(ctx context.Context, tx *sql.Tx, pageID int64, from, to tokenwatch.PostStatus) (int, error) {
	rows, err := s.query(ctx, tx, `UPDATE post_pages SET status = $2, claimed_until = NULL, error = ''
		WHERE page_id = $1 AND status = $3 RETURNING post_id`, pageID, to, from)
	if err != nil {
		return 0, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, id := range ids {
		if err := s.updatePostStatus(ctx, tx, id, s.now().UTC()); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// HeldPages returns the pages that hold posts.
func (s *Store) HeldPages(ctx context.Context) ([]int64, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT DISTINCT page_id FROM post_pages WHERE status = $1 ORDER BY page_id`, tokenwatch.PostHeld)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// MissHeld marks missed the deliveries held since before the given time
// (the grace window passed) and returns them.
func (s *Store) MissHeld(ctx context.Context, scheduledBefore time.Time) ([]DuePost, error) {
	var out []DuePost
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := s.query(ctx, tx, `UPDATE post_pages SET status = $2, error = $3
			WHERE status = $4 AND post_id IN (SELECT id FROM posts WHERE scheduled_at < $1)
			RETURNING post_id, page_id, attempts`, scheduledBefore, tokenwatch.PostMissed,
			"The page was not reconnected within the grace window.", tokenwatch.PostHeld)
		if err != nil {
			return err
		}
		if out, err = scanDuePosts(rows); err != nil {
			return err
		}
		for _, d := range out {
			if err := s.updatePostStatus(ctx, tx, d.Post.ID, s.now().UTC()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, s.loadPosts(ctx, out)
}

// PostDelivery is one page's side of a post.
type PostDelivery struct {
	PageID         int64
	Status         tokenwatch.PostStatus
	ProviderPostID string
	URL            string
	Error          string
	PublishedAt    time.Time
}

// PostDeliveries returns a post's deliveries, by page id.
func (s *Store) PostDeliveries(ctx context.Context, postID int64) ([]PostDelivery, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT page_id, status, provider_post_id, post_url, error, published_at FROM post_pages
		WHERE post_id = $1 ORDER BY page_id`, postID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PostDelivery
	for rows.Next() {
		var d PostDelivery
		if err := scan(rows, &d.PageID, &d.Status, &d.ProviderPostID, &d.URL, &d.Error, &d.PublishedAt); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
