package replicas_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/demo/demotest"
	"github.com/tokenwatch/tokenwatch/internal/keyring"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/publish"
	"github.com/tokenwatch/tokenwatch/internal/sandbox"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/store/pgtest"
	"github.com/tokenwatch/tokenwatch/internal/store/storetest"
	"github.com/tokenwatch/tokenwatch/internal/tokens"
)

// TestReplicasRefreshAndPublishOnce: three replicas, each with its own
// connection pool, keeper and publisher, on one PostgreSQL schema, publish
// and check at the same moment the demo's X account and YouTube channel,
// whose access tokens are about to expire or have expired: each token is
// refreshed once (X's refresh tokens are single-use: a second refresh with
// the spent one would have killed the grant), and each post goes out once
// on each page.
func TestReplicasRefreshAndPublishOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := pgtest.NewDatabase(t)
	keys, err := keyring.New(keyring.Generate())
	must(t, err)
	w := demotest.New(t, demotest.Options{DatabaseURL: dbURL, Keys: keys})
	// X's 90-minute access token expires within the minute, YouTube's
	// 50-minute one has expired; none of the demo's own posts is due yet.
	w.Clock.Advance(90*time.Minute - 30*time.Second)
	x, youtube := w.Page(t, "x-downtown"), w.Page(t, "yt-airport")
	// Ten uploads need more than YouTube's default daily quota (1,600
	// units an upload of 10,000 a day): this app has a larger one.
	w.Sandbox.Configure(tokenwatch.YouTube, func(o *sandbox.Options) { o.DailyQuota = 100_000 })
	const posts = 10
	for i := range posts {
		must(t, w.Store.CreatePost(ctx, &tokenwatch.Post{LocationID: x.LocationID, Text: fmt.Sprintf("Fresh bread, batch %d", i),
			ScheduledAt: w.Clock.Now().Add(-time.Minute), PageIDs: []int64{x.ID}}))
		must(t, w.Store.CreatePost(ctx, &tokenwatch.Post{LocationID: youtube.LocationID, Text: fmt.Sprintf("Laminating, take %d", i),
			MediaURL: w.Sandbox.URL + "/_sandbox/media/laminating.mp4", ScheduledAt: w.Clock.Now().Add(-time.Minute), PageIDs: []int64{youtube.ID}}))
	}

	type replica struct {
		keeper    *tokens.Keeper
		publisher *publish.Publisher
	}
	var replicas []replica
	for range 3 {
		st := storetest.Open(t, dbURL, store.Options{Keys: keys, Now: w.Clock.Now})
		k := tokens.New(st, tokens.Options{Providers: w.Providers, Policy: lifecycle.Default(), Now: w.Clock.Now})
		replicas = append(replicas, replica{keeper: k, publisher: publish.New(st, k, publish.Options{Providers: w.Providers,
			Policy: lifecycle.Default(), Now: w.Clock.Now})})
	}
	var (
		mu        sync.Mutex
		published int
		wg        sync.WaitGroup
	)
	for _, r := range replicas {
		wg.Go(func() {
			rep, err := r.publisher.Round(ctx)
			if err != nil {
				t.Errorf("publishing: %v", err)
			}
			mu.Lock()
			published += rep.Published
			mu.Unlock()
		})
		for _, id := range []int64{x.ID, youtube.ID} {
			wg.Go(func() {
				if err := r.keeper.Check(ctx, id); err != nil {
					t.Errorf("checking page %d: %v", id, err)
				}
			})
		}
	}
	wg.Wait()

	for _, p := range []tokenwatch.Provider{tokenwatch.X, tokenwatch.YouTube} {
		if n := w.Sandbox.Calls(p, sandbox.OpRefresh); n != 1 {
			t.Errorf("%s: %d refresh calls from three replicas, want 1", p, n)
		}
		seen := map[string]int{}
		for _, post := range w.Sandbox.Posts(p) {
			seen[post.Text]++
		}
		for text, n := range seen {
			if n != 1 {
				t.Errorf("%s: %q published %d times", p, text, n)
			}
		}
		if len(seen) != posts {
			t.Errorf("%s: %d of %d posts published", p, len(seen), posts)
		}
	}
	if published != 2*posts {
		t.Errorf("the replicas report %d posts published, want %d", published, 2*posts)
	}
	for _, id := range []string{"x-downtown", "yt-airport"} {
		if p := w.Page(t, id); p.State != tokenwatch.StateHealthy || p.Problem != "" || !p.AccessExpiresAt.After(w.Clock.Now()) {
			t.Errorf("%s after the replicas' work: %s (%s), access token until %v", id, p.State, p.Problem, p.AccessExpiresAt)
		}
	}
}
