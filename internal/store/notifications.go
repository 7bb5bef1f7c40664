package store

import (
	"context"
	"time"

	"github.com/tokenwatch/tokenwatch"
)

// CreateNotification stores an in-app notification and sets its ID and
// CreatedAt. With a dedup key, a second notification under the same key is
// not stored and created is false.
func (s *Store) CreateNotification(ctx context.Context, n *tokenwatch.Notification, dedupKey string) (created bool, err error) {
	n.CreatedAt = s.now().UTC().Truncate(time.Millisecond)
	var key, pageID any
	if dedupKey != "" {
		key = dedupKey
	}
	if n.PageID != 0 {
		pageID = n.PageID
	}
	rows, err := s.query(ctx, s.db, `INSERT INTO notifications (user_id, page_id, kind, title, body, dedup_key, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (dedup_key) DO NOTHING RETURNING id`,
		n.UserID, pageID, n.Kind, n.Title, n.Body, key, n.CreatedAt)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	if rows.Next() {
		created = true
		if err := rows.Scan(&n.ID); err != nil {
			return false, err
		}
	}
	return created, rows.Err()
}

// ListNotifications returns a user's notifications, newest first, at most
// limit of them.
func (s *Store) ListNotifications(ctx context.Context, userID int64, limit int) ([]*tokenwatch.Notification, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT id, user_id, coalesce(page_id, 0), kind, title, body, created_at, read_at, dismissed_at
		FROM notifications WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, userID, limit)
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

// UnreadNotifications counts a user's unread notifications.
func (s *Store) UnreadNotifications(ctx context.Context, userID int64) (int, error) {
	var n int
	err := s.queryRow(ctx, s.rdb, `SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL AND dismissed_at IS NULL`, userID).Scan(&n)
	return n, err
}

// MarkNotificationsRead marks all of a user's notifications read.
func (s *Store) MarkNotificationsRead(ctx context.Context, userID int64) error {
	_, err := s.exec(ctx, s.db, `UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL`, userID, s.now().UTC())
	return err
}

// DismissNotification dismisses one of the user's notifications. It stays
// in the list, marked dismissed; the page stays on the Issues list.
func (s *Store) DismissNotification(ctx context.Context, userID, id int64) error {
	now := s.now().UTC()
	res, err := s.exec(ctx, s.db, `UPDATE notifications SET dismissed_at = $3, read_at = coalesce(read_at, $3)
		WHERE id = $1 AND user_id = $2`, id, userID, now)
	return affectedOne(res, err, "notification")
}
