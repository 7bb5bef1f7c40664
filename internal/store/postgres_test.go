package store_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/keyring"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/store/pgtest"
	"github.com/tokenwatch/tokenwatch/internal/store/storetest"
)

func TestPostgres(t *testing.T) {
	t.Parallel()
	storetest.Run(t, storetest.Engine{NewDatabase: func(t *testing.T) string { return pgtest.NewDatabase(t) }})
}

// TestPostgresSearchPathSelectsSchema checks that the tables land in the
// schema the URL names, and that a schema which does not exist is reported
// as such.
func TestPostgresSearchPathSelectsSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := pgtest.NewDatabase(t)
	s := storetest.Open(t, dbURL, store.Options{})
	if s.Engine() != "postgres" || s.PgxPool() == nil {
		t.Fatalf("engine %s, pool %v: want postgres with a pgx pool", s.Engine(), s.PgxPool())
	}
	u, _ := url.Parse(dbURL)
	schema := u.Query().Get("search_path")
	var n int
	err := s.PgxPool().QueryRow(ctx, `SELECT count(*) FROM information_schema.tables
		WHERE table_schema = $1 AND table_name IN ('pages', 'schema_migrations')`, schema).Scan(&n)
	if err != nil || n != 2 {
		t.Errorf("tables in schema %s: %d, %v; want pages and schema_migrations", schema, n, err)
	}

	q := u.Query()
	q.Set("search_path", schema+"_missing")
	u.RawQuery = q.Encode()
	keys, _ := keyring.New(keyring.Generate())
	_, err = store.Open(ctx, u.String(), store.Options{Keys: keys})
	if err == nil || !strings.Contains(err.Error(), "CREATE SCHEMA") {
		t.Errorf("Open with a missing schema: %v; want an error saying to create it", err)
	}
}

// TestPostgresClaimSkipsDeliveryDoneMeanwhile: on PostgreSQL (READ
// COMMITTED) a claim's statement reads the deliveries as they were when it
// began, then waits for the row of the one it picked while another
// publisher holds it. If that publisher claims the delivery, publishes it
// and records the result meanwhile, the waiting claim must not take it:
// it would publish the post a second time. The other publisher's claim,
// publish and result are one transaction here, so that the claim is
// certain to wait for all three; with three transactions it happens only
// when the waiting claim is slow (a loaded machine). SQLite has no such
// race: its one writer connection reads the database once it holds the
// write lock.
func TestPostgresClaimSkipsDeliveryDoneMeanwhile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	s := storetest.Open(t, pgtest.NewDatabase(t), store.Options{Now: func() time.Time { return now }})
	f := storetest.Seed(t, s)
	post := &tokenwatch.Post{LocationID: f.Downtown.ID, Text: "Fresh bread", ScheduledAt: now.Add(-time.Minute), PageIDs: []int64{f.DowntownPage.ID}}
	if err := s.CreatePost(ctx, post); err != nil {
		t.Fatal(err)
	}

	other, err := s.PgxPool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Rollback(ctx)
	var otherPID int
	if err := other.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&otherPID); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`UPDATE post_pages SET claimed_until = $3 WHERE post_id = $1 AND page_id = $2`,
		`UPDATE post_pages SET status = 'published', provider_post_id = 'net-1', claimed_until = NULL, attempts = attempts + 1
			WHERE post_id = $1 AND page_id = $2 AND $3::timestamptz IS NOT NULL`,
	} {
		if _, err := other.Exec(ctx, q, post.ID, f.DowntownPage.ID, now.Add(5*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}

	type claimed struct {
		ds  []store.DuePost
		err error
	}
	done := make(chan claimed, 1)
	go func() {
		ds, err := s.ClaimDuePosts(ctx, now, 5*time.Minute, 10)
		done <- claimed{ds, err}
	}()
	// Commit only once the claim waits for the other publisher's row.
	for waiting := 0; waiting == 0; {
		select {
		case c := <-done:
			t.Fatalf("the claim did not wait for the other publisher: %+v, %v", c.ds, c.err)
		default:
		}
		if err := s.PgxPool().QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))`,
			otherPID).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := other.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	c := <-done
	if c.err != nil {
		t.Fatal(c.err)
	}
	for _, d := range c.ds {
		t.Errorf("claimed post %d on page %d (attempts %d), already published by the other publisher", d.Post.ID, d.PageID, d.Attempts)
	}
	ds, err := s.PostDeliveries(ctx, post.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].Status != tokenwatch.PostPublished || ds[0].ProviderPostID != "net-1" {
		t.Errorf("the delivery after the claim: %+v, want published as net-1", ds)
	}
}
