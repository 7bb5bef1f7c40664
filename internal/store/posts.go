package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
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
	// A page twice in the list is refused as a page of another location
	// would be (it counts once among the location's pages).
	ids := slices.Clone(p.PageIDs)
	slices.Sort(ids)
	if ids = slices.Compact(ids); len(ids) != len(p.PageIDs) {
		return errOtherLocation
	}
	if err := s.prepare(ctx, append(s.idListQueries(locationPagesQuery), s.rowQueries(postPageRows.query, postPageRows.types, 0)...)...); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		// Counted list by list: a post may go to more pages than a
		// statement takes bind variables.
		n := 0
		err := s.byIDs(ctx, tx, locationPagesQuery, []any{p.LocationID}, ids, func(r *sql.Rows) error {
			var c int
			err := r.Scan(&c)
			n += c
			return err
		})
		if err != nil {
			return err
		}
		if n != len(ids) {
			return errOtherLocation
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
		rows := make([][]any, len(p.PageIDs))
		for i, id := range p.PageIDs {
			rows[i] = []any{p.ID, id, p.Status}
		}
		return s.insertAll(ctx, tx, postPageRows, rows, nil)
	})
}

var errOtherLocation = tokenwatch.Errorf(tokenwatch.CodeInvalid, "A post can only go to pages of its own location.")

var postPageRows = bulk{`INSERT INTO post_pages (post_id, page_id, status)`, []string{"bigint", "bigint", "text"}, ""}

// locationPagesQuery counts which of n pages are at the location $1.
//
// The pages are found by their ids, then their location checked: the
// unary plus keeps SQLite from walking the location's index instead, which
// read all of a location's pages for every list (a post to 40,500 pages of
// one location: 160 lists of 40,500 rows, 3.6 s of its 5.9 s test).
func locationPagesQuery(n int) string {
	return `SELECT count(*) FROM pages WHERE +location_id = $1 AND id IN (` + placeholders(2, n) + `)`
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
	ids := make([]int64, len(posts))
	for i, p := range posts {
		ids[i] = p.ID
	}
	// A post's pages all come with the list that holds the post, in order.
	return s.byIDs(ctx, s.rdb, postPagesQuery, nil, ids, func(rows *sql.Rows) error {
		var postID int64
		var t tokenwatch.PostTarget
		if err := scan(rows, &postID, &t.PageID, &t.Status, &t.ProviderPostID, &t.URL, &t.Note, &t.PublishedAt); err != nil {
			return err
		}
		byID[postID].PageIDs = append(byID[postID].PageIDs, t.PageID)
		byID[postID].Targets = append(byID[postID].Targets, t)
		return nil
	})
}

// postPagesQuery reads the pages of n posts, by page.
func postPagesQuery(n int) string {
	return `SELECT post_id, page_id, status, provider_post_id, post_url, error, published_at
		FROM post_pages WHERE post_id IN (` + placeholders(1, n) + `) ORDER BY post_id, page_id`
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
	err := s.byIDs(ctx, s.rdb, postsAtRiskQuery, []any{tokenwatch.PostScheduled, tokenwatch.PostHeld}, pageIDs, func(rows *sql.Rows) error {
		var (
			id int64
			r  Risk
		)
		if err := scan(rows, &id, &r.Posts, &r.Earliest); err != nil {
			return err
		}
		out[id] = r
		return nil
	})
	return out, err
}

// postsAtRiskQuery counts the posts not yet published on each of n pages
// ($1 and $2 are the statuses of such posts).
func postsAtRiskQuery(n int) string {
	// Each post's time is looked up by its id for the rows found: with a
	// join, PostgreSQL hashed every post to join the few rows (a scan of
	// all posts for each list of issues).
	return `SELECT pp.page_id, count(*), min((SELECT po.scheduled_at FROM posts po WHERE po.id = pp.post_id))
		FROM post_pages pp
		WHERE pp.status IN ($1, $2) AND pp.page_id IN (` + placeholders(3, n) + `)
		GROUP BY pp.page_id`
}

// PendingPostsOf returns up to limit posts not yet published on a page
// (scheduled or held there), soonest first.
func (s *Store) PendingPostsOf(ctx context.Context, pageID int64, limit int) ([]*tokenwatch.Post, error) {
	return s.posts(ctx, `SELECT `+postColumns+` FROM posts po JOIN post_pages pp ON pp.post_id = po.id
		WHERE pp.page_id = $1 AND pp.status IN ($2, $3) ORDER BY po.scheduled_at, po.id LIMIT $4`,
		pageID, tokenwatch.PostScheduled, tokenwatch.PostHeld, limit)
}
