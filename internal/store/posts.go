package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/tokenwatch/tokenwatch"
)

// CreatePost inserts a scheduled post for pages of its location and sets
// its ID, Status (scheduled unless set), CreatedAt and UpdatedAt.
func (s *Store) CreatePost(ctx context.Context, p *tokenwatch.Post) error {
	// What a post may be is package posts' to say; the store only keeps
	// its rows consistent: pages, all of the post's location.
	if len(p.PageIDs) == 0 {
		return tokenwatch.Errorf(tokenwatch.CodeInvalid, "Choose at least one page to post to.")
	}
	if p.Status == "" {
		p.Status = tokenwatch.PostScheduled
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	p.CreatedAt, p.UpdatedAt = now, now
	p.ScheduledAt = p.ScheduledAt.UTC().Truncate(time.Millisecond)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		args := []any{p.LocationID}
		for _, id := range p.PageIDs {
			args = append(args, id)
		}
		err := s.queryRow(ctx, tx, fmt.Sprintf(`SELECT count(*) FROM pages WHERE location_id = $1 AND id IN (%s)`,
			placeholders(2, len(p.PageIDs))), args...).Scan(&n)
		if err != nil {
			return err
		}
		if n != len(p.PageIDs) {
			return tokenwatch.Errorf(tokenwatch.CodeInvalid, "A post can only go to pages of its own location.")
		}
		var authorID any
		if p.AuthorID != 0 {
			authorID = p.AuthorID
		}
		err = s.queryRow(ctx, tx, `INSERT INTO posts (location_id, author_id, text, link, media_url, scheduled_at, status, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`,
			p.LocationID, authorID, p.Text, p.Link, p.MediaURL, p.ScheduledAt, p.Status, now).Scan(&p.ID)
		if err != nil {
			return err
		}
		for _, pageID := range p.PageIDs {
			if _, err := s.exec(ctx, tx, `INSERT INTO post_pages (post_id, page_id, status) VALUES ($1, $2, $3)`,
				p.ID, pageID, p.Status); err != nil {
				return err
			}
		}
		return nil
	})
}

// PostFilter selects posts. Zero fields do not filter.
type PostFilter struct {
	LocationIDs []int64
	// UserID keeps the posts of the locations where the user participates.
	UserID   int64
	From, To time.Time // scheduled in [From, To)
	Statuses []tokenwatch.PostStatus
	// Limit keeps the first posts only (0: all the filter selects).
	Limit int
}

// ListPosts returns the posts the filter selects, by scheduled time.
func (s *Store) ListPosts(ctx context.Context, f PostFilter) ([]*tokenwatch.Post, error) {
	var (
		where []string
		args  []any
	)
	add := func(cond string, vs ...any) {
		where = append(where, fmt.Sprintf(cond, placeholders(len(args)+1, len(vs))))
		args = append(args, vs...)
	}
	if f.LocationIDs != nil {
		if len(f.LocationIDs) == 0 {
			return nil, nil
		}
		ids := make([]any, len(f.LocationIDs))
		for i, id := range f.LocationIDs {
			ids[i] = id
		}
		add("po.location_id IN (%s)", ids...)
	}
	if f.UserID != 0 {
		add("po.location_id IN (SELECT location_id FROM memberships WHERE user_id = %s)", f.UserID)
	}
	if !f.From.IsZero() {
		add("po.scheduled_at >= %s", f.From)
	}
	if !f.To.IsZero() {
		add("po.scheduled_at < %s", f.To)
	}
	if len(f.Statuses) > 0 {
		sts := make([]any, len(f.Statuses))
		for i, st := range f.Statuses {
			sts[i] = st
		}
		add("po.status IN (%s)", sts...)
	}
	q := `SELECT ` + postColumns + ` FROM posts po`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY po.scheduled_at, po.id`
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	return s.posts(ctx, q, args...)
}

// posts reads the posts a query selects (postColumns of posts po) with
// their pages.
func (s *Store) posts(ctx context.Context, q string, args ...any) ([]*tokenwatch.Post, error) {
	rows, err := s.query(ctx, s.rdb, q, args...)
	if err != nil {
		return nil, err
	}
	var (
		out  []*tokenwatch.Post
		byID = map[int64]*tokenwatch.Post{}
	)
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

func (s *Store) attachPostPages(ctx context.Context, posts []*tokenwatch.Post, byID map[int64]*tokenwatch.Post) error {
	ids := make([]any, len(posts))
	for i, p := range posts {
		ids[i] = p.ID
	}
	rows, err := s.query(ctx, s.rdb, fmt.Sprintf(`SELECT post_id, page_id, status, provider_post_id, post_url, error, published_at
		FROM post_pages WHERE post_id IN (%s) ORDER BY page_id`, placeholders(1, len(ids))), ids...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var postID int64
		var t tokenwatch.PostTarget
		if err := scan(rows, &postID, &t.PageID, &t.Status, &t.ProviderPostID, &t.URL, &t.Note, &t.PublishedAt); err != nil {
			return err
		}
		byID[postID].PageIDs = append(byID[postID].PageIDs, t.PageID)
		byID[postID].Targets = append(byID[postID].Targets, t)
	}
	return rows.Err()
}

const postColumns = `po.id, po.location_id, coalesce(po.author_id, 0), po.text, po.link, po.media_url, po.scheduled_at, po.status,
	po.created_at, po.updated_at`

func scanPost(sc scanner) (*tokenwatch.Post, error) {
	var p tokenwatch.Post
	err := scan(sc, &p.ID, &p.LocationID, &p.AuthorID, &p.Text, &p.Link, &p.MediaURL, &p.ScheduledAt, &p.Status, &p.CreatedAt, &p.UpdatedAt)
	return &p, err
}

// GetPost returns the post with the given id.
func (s *Store) GetPost(ctx context.Context, id int64) (*tokenwatch.Post, error) {
	p, err := scanPost(s.queryRow(ctx, s.rdb, `SELECT `+postColumns+` FROM posts po WHERE po.id = $1`, id))
	if err != nil {
		return nil, notFound(err, "post")
	}
	return p, s.attachPostPages(ctx, []*tokenwatch.Post{p}, map[int64]*tokenwatch.Post{p.ID: p})
}

// Risk is what a page's problem puts at risk: its scheduled posts not yet
// published.
type Risk struct {
	Posts    int
	Earliest time.Time // the first of them
}

// PostsAtRisk returns, for each of the pages, its posts that are scheduled
// or held and not yet published on it. Pages without any are left out.
func (s *Store) PostsAtRisk(ctx context.Context, pageIDs []int64) (map[int64]Risk, error) {
	out := map[int64]Risk{}
	if len(pageIDs) == 0 {
		return out, nil
	}
	args := []any{tokenwatch.PostScheduled, tokenwatch.PostHeld}
	for _, id := range pageIDs {
		args = append(args, id)
	}
	rows, err := s.query(ctx, s.rdb, fmt.Sprintf(`SELECT pp.page_id, count(*), min(po.scheduled_at)
		FROM post_pages pp JOIN posts po ON po.id = pp.post_id
		WHERE pp.status IN ($1, $2) AND pp.page_id IN (%s)
		GROUP BY pp.page_id`, placeholders(3, len(pageIDs))), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id int64
			r  Risk
		)
		if err := scan(rows, &id, &r.Posts, &r.Earliest); err != nil {
			return nil, err
		}
		out[id] = r
	}
	return out, rows.Err()
}

// PendingPostsOf returns up to limit posts not yet published on a page
// (scheduled or held there), soonest first.
func (s *Store) PendingPostsOf(ctx context.Context, pageID int64, limit int) ([]*tokenwatch.Post, error) {
	return s.posts(ctx, `SELECT `+postColumns+` FROM posts po JOIN post_pages pp ON pp.post_id = po.id
		WHERE pp.page_id = $1 AND pp.status IN ($2, $3) ORDER BY po.scheduled_at, po.id LIMIT $4`,
		pageID, tokenwatch.PostScheduled, tokenwatch.PostHeld, limit)
}
