package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/tokenwatch/tokenwatch"
)

// Lists of the integration API a bounded page at a time, with keyset
// cursors (the id, or the time and id, of the last row of the previous
// page), and the changes the API makes that the UI does not.

// QueryLocations returns up to limit of an account's locations by id,
// after the id after.
func (s *Store) QueryLocations(ctx context.Context, accountID, after int64, limit int) ([]*tokenwatch.Location, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT `+locationColumns+` FROM locations l WHERE l.account_id = $1 AND l.id > $2 ORDER BY l.id LIMIT $3`,
		accountID, after, limit)
	return locations(rows, err)
}

// DeleteLocation deletes a location without pages (and its posts and
// memberships); one that still has pages is a conflict.
func (s *Store) DeleteLocation(ctx context.Context, id int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := s.queryRow(ctx, tx, `SELECT count(*) FROM (SELECT 1 FROM pages WHERE location_id = $1 LIMIT 1) x`, id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return tokenwatch.Errorf(tokenwatch.CodeConflict, "The location still has pages: disconnect them first.")
		}
		res, err := s.exec(ctx, tx, `DELETE FROM locations WHERE id = $1`, id)
		return affectedOne(res, err, "location")
	})
}

// QueryParticipants returns up to limit participants of a location by user
// id, after the user id after.
func (s *Store) QueryParticipants(ctx context.Context, locationID, after int64, limit int) ([]tokenwatch.Participant, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT `+userColumns+`, m.role
		FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.location_id = $1 AND m.user_id > $2 ORDER BY m.user_id LIMIT $3`, locationID, after, limit)
	return participants(rows, err)
}

// QueryNotifications returns up to limit of a user's notifications, newest
// first, with an id below before (zero: from the newest).
func (s *Store) QueryNotifications(ctx context.Context, userID, before int64, limit int) ([]*tokenwatch.Notification, error) {
	if before == 0 {
		before = 1<<63 - 1
	}
	rows, err := s.query(ctx, s.rdb, `SELECT id, user_id, coalesce(page_id, 0), kind, title, body, created_at, read_at, dismissed_at
		FROM notifications WHERE user_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3`, userID, before, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*tokenwatch.Notification
	for rows.Next() {
		var n tokenwatch.Notification
		if err := scan(rows, &n.ID, &n.UserID, &n.PageID, &n.Kind, &n.Title, &n.Body, &n.CreatedAt, &n.ReadAt, &n.DismissedAt); err != nil {
			return nil, err
		}
		out = append(out, &n)
	}
	return out, rows.Err()
}

// PostQuery selects an account's posts.
type PostQuery struct {
	AccountID  int64
	LocationID int64
	Statuses   []tokenwatch.PostStatus
	// AfterAt and AfterID are the last post of the previous page of
	// results (by scheduled time, then id).
	AfterAt time.Time
	AfterID int64
	Limit   int
}

// QueryPosts returns a page of the posts the query selects, by scheduled
// time, each with its status on each page.
func (s *Store) QueryPosts(ctx context.Context, q PostQuery) ([]*tokenwatch.Post, error) {
	args := []any{q.AccountID}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	where := "po.location_id IN (SELECT id FROM locations WHERE account_id = $1)"
	if q.LocationID != 0 {
		where += " AND po.location_id = " + arg(q.LocationID)
	}
	if len(q.Statuses) > 0 {
		ps := make([]string, len(q.Statuses))
		for i, st := range q.Statuses {
			ps[i] = arg(st)
		}
		where += " AND po.status IN (" + strings.Join(ps, ", ") + ")"
	}
	if q.AfterID != 0 {
		at, id := arg(q.AfterAt.UTC()), arg(q.AfterID)
		where += " AND (po.scheduled_at > " + at + " OR (po.scheduled_at = " + at + " AND po.id > " + id + "))"
	}
	rows, err := s.query(ctx, s.rdb, `SELECT `+postColumns+` FROM posts po WHERE `+where+` ORDER BY po.scheduled_at, po.id LIMIT `+arg(q.Limit), args...)
	if err != nil {
		return nil, err
	}
	var out []*tokenwatch.Post
	byID := map[int64]*tokenwatch.Post{}
	for rows.Next() {
		p, err := scanPost(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, p)
		byID[p.ID] = p
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	return out, s.attachPostPages(ctx, out, byID)
}

// CancelPost deletes a post that has gone out on no page and is not being
// published; otherwise it is a conflict.
func (s *Store) CancelPost(ctx context.Context, id int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		err := s.queryRow(ctx, tx, `SELECT count(*) FROM post_pages WHERE post_id = $1 AND (status NOT IN ($2, $3) OR claimed_until > $4)`,
			id, tokenwatch.PostScheduled, tokenwatch.PostHeld, s.now().UTC()).Scan(&n)
		if err != nil {
			return err
		}
		if n > 0 {
			return tokenwatch.Errorf(tokenwatch.CodeConflict, "The post has gone out (or is going out) on a page already; it can no longer be cancelled.")
		}
		res, err := s.exec(ctx, tx, `DELETE FROM posts WHERE id = $1`, id)
		return affectedOne(res, err, "post")
	})
}
