package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
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
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (dedup_key) WHERE dedup_key IS NOT NULL DO NOTHING RETURNING id`,
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

const notificationColumns = `id, user_id, coalesce(page_id, 0), kind, title, body, created_at, read_at, dismissed_at, resolved_at`

func scanNotification(sc scanner) (*tokenwatch.Notification, error) {
	var n tokenwatch.Notification
	err := scan(sc, &n.ID, &n.UserID, &n.PageID, &n.Kind, &n.Title, &n.Body, &n.CreatedAt, &n.ReadAt, &n.DismissedAt, &n.ResolvedAt)
	return &n, err
}

func scanNotifications(rows *sql.Rows) ([]*tokenwatch.Notification, error) {
	defer rows.Close()
	var out []*tokenwatch.Notification
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// ListNotifications returns a user's notifications, newest first, at most
// limit of them.
func (s *Store) ListNotifications(ctx context.Context, userID int64, limit int) ([]*tokenwatch.Notification, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT `+notificationColumns+`
		FROM notifications WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, userID, limit)
	if err != nil {
		return nil, err
	}
	return scanNotifications(rows)
}

// UnreadNotifications counts a user's unread notifications: not read, not
// dismissed, and not resolved (the page was fixed since).
func (s *Store) UnreadNotifications(ctx context.Context, userID int64) (int, error) {
	var n int
	err := s.queryRow(ctx, s.rdb, `SELECT count(*) FROM notifications
		WHERE user_id = $1 AND read_at IS NULL AND dismissed_at IS NULL AND resolved_at IS NULL`, userID).Scan(&n)
	return n, err
}

// MarkNotificationsRead marks all of a user's notifications read.
func (s *Store) MarkNotificationsRead(ctx context.Context, userID int64) error {
	_, err := s.exec(ctx, s.db, `UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL`, userID, s.now().UTC())
	return err
}

// DismissNotification dismisses one of the user's notifications: it leaves
// the list (the page stays on the Issues list).
func (s *Store) DismissNotification(ctx context.Context, userID, id int64) error {
	now := s.now().UTC()
	res, err := s.exec(ctx, s.db, `UPDATE notifications SET dismissed_at = $3, read_at = coalesce(read_at, $3)
		WHERE id = $1 AND user_id = $2 AND dismissed_at IS NULL`, id, userID, now)
	return affectedOne(res, err, "notification")
}

// NotificationGroup is what the list of a user's notifications shows of
// one page: its notifications that were not dismissed, newest first.
type NotificationGroup struct {
	// PageID is the page they are about; zero for those about no page.
	PageID int64
	// Count is how many there are; Open how many are not resolved.
	Count, Open int
	// Items are the newest of them (as many as asked for).
	Items []*tokenwatch.Notification
	// severity and deadline place the group in the list.
	severity int
	deadline time.Time
}

// NotificationGroups returns a page of the user's notifications grouped by
// page (those dismissed left out), in the order of the Issues list: the
// page in the worst state now first, then the nearest deadline, then the
// page's id (those about no page last); each group with its perGroup
// newest notifications. after is the cursor a previous page of groups
// returned; next is "" after the last. The work is bounded by the page of
// groups, never by everything the user was told.
func (s *Store) NotificationGroups(ctx context.Context, userID int64, after string, limit, perGroup int) (groups []*NotificationGroup, next string, err error) {
	c, err := decodeCursor(after)
	if err != nil {
		return nil, "", err
	}
	limit = min(max(limit, 1), MaxListLimit)
	args := []any{userID, farDeadline}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	where := ""
	if c != nil {
		sev, dl, page := arg(c.severity), arg(time.UnixMilli(c.deadline).UTC()), arg(c.id)
		where = fmt.Sprintf(` WHERE sev < %[1]s OR (sev = %[1]s AND (dl > %[2]s OR (dl = %[2]s AND page_id > %[3]s)))`, sev, dl, page)
	}
	rows, err := s.query(ctx, s.rdb, `SELECT page_id, n, open, sev, dl FROM (
			SELECT g.page_id, g.n, g.open, `+severityExpr+` AS sev, coalesce(p.deadline, $2) AS dl FROM (
				SELECT coalesce(page_id, 0) AS page_id, count(*) AS n, sum(CASE WHEN resolved_at IS NULL THEN 1 ELSE 0 END) AS open
				FROM notifications WHERE user_id = $1 AND dismissed_at IS NULL GROUP BY coalesce(page_id, 0)) g
			LEFT JOIN pages p ON p.id = g.page_id) x`+where+`
		ORDER BY sev DESC, dl, page_id LIMIT `+arg(limit+1), args...)
	if err != nil {
		return nil, "", err
	}
	byPage := map[int64]*NotificationGroup{}
	err = scanAll(rows, func(rows *sql.Rows) error {
		var g NotificationGroup
		if err := scan(rows, &g.PageID, &g.Count, &g.Open, &g.severity, &g.deadline); err != nil {
			return err
		}
		groups = append(groups, &g)
		byPage[g.PageID] = &g
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	if len(groups) > limit {
		groups = groups[:limit]
		last := groups[limit-1]
		next = (&cursor{severity: last.severity, deadline: keyOf(last.deadline), id: last.PageID}).encode()
	}
	if len(groups) == 0 || perGroup <= 0 {
		return groups, next, nil
	}
	// The newest notifications of each group, in one bounded query.
	args = []any{userID, perGroup}
	var (
		pages    []string
		noPage   bool
		inGroups = map[int64]bool{}
	)
	for _, g := range groups {
		inGroups[g.PageID] = true
		if g.PageID == 0 {
			noPage = true
			continue
		}
		pages = append(pages, arg(g.PageID))
	}
	var scope []string
	if len(pages) > 0 {
		scope = append(scope, "page_id IN ("+strings.Join(pages, ", ")+")")
	}
	if noPage {
		scope = append(scope, "page_id IS NULL")
	}
	rows, err = s.query(ctx, s.rdb, `SELECT `+notificationColumns+` FROM (
			SELECT n.*, row_number() OVER (PARTITION BY coalesce(n.page_id, 0) ORDER BY n.id DESC) AS rn
			FROM notifications n WHERE n.user_id = $1 AND n.dismissed_at IS NULL AND (`+strings.Join(scope, " OR ")+`)) x
		WHERE rn <= $2 ORDER BY id DESC`, args...)
	if err != nil {
		return nil, "", err
	}
	items, err := scanNotifications(rows)
	if err != nil {
		return nil, "", err
	}
	for _, n := range items {
		if g := byPage[n.PageID]; g != nil {
			g.Items = append(g.Items, n)
		}
	}
	return groups, next, nil
}

// DismissPageNotifications dismisses all of a user's notifications about a
// page (pageID zero: those about no page).
func (s *Store) DismissPageNotifications(ctx context.Context, userID, pageID int64) error {
	now := s.now().UTC()
	_, err := s.exec(ctx, s.db, `UPDATE notifications SET dismissed_at = $3, read_at = coalesce(read_at, $3)
		WHERE user_id = $1 AND coalesce(page_id, 0) = $2 AND dismissed_at IS NULL`, userID, pageID, now)
	return err
}

// resolveQuery resolves the alert notifications of n pages that are no
// longer true: those of an older generation than the page's, and all of
// them once the page is healthy. $1 is the time.
func resolveQuery(n int) string {
	return `UPDATE notifications SET resolved_at = $1
		WHERE resolved_at IS NULL AND generation IS NOT NULL AND page_id IN (` + placeholders(2, n) + `)
			AND (generation < (SELECT p.generation FROM pages p WHERE p.id = notifications.page_id)
				OR (SELECT p.state FROM pages p WHERE p.id = notifications.page_id) = 'healthy')`
}

// resolveNotifications resolves, in tx, the notifications of the pages
// that their fix made untrue (see resolveQuery).
func (s *Store) resolveNotifications(ctx context.Context, tx *sql.Tx, now time.Time, pageIDs []int64) error {
	if len(pageIDs) == 0 {
		return nil
	}
	if err := s.byIDs(ctx, tx, resolveQuery, []any{now}, pageIDs, nil); err != nil {
		return fmt.Errorf("store: resolving notifications: %w", err)
	}
	return nil
}
