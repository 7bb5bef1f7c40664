package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// manyPages is more pages than one statement takes bind variables on
// SQLite (32,766); with moreIDs ids of pages that do not exist, the lists
// pass PostgreSQL's 65,535.
const manyPages, moreIDs = 40_500, 30_000

// testManyPages posts to, and asks what is at risk on, more pages than a
// statement could name one by one: each query is cut into bounded lists.
func testManyPages(t *testing.T, e Engine) {
	ctx := context.Background()
	s := Open(t, e.NewDatabase(t), store.Options{Now: func() time.Time { return t0 }})
	f := Seed(t, s)
	batch := make([]store.NewPage, manyPages)
	for i := range batch {
		batch[i] = store.NewPage{Page: NewPage(f.Downtown.ID, tokenwatch.X, fmt.Sprintf("x-%d", i), fmt.Sprintf("X %d", i)),
			Credentials: Creds("a", "")}
	}
	created, err := s.CreatePages(ctx, batch)
	must(t, err)
	if created != manyPages {
		t.Fatalf("created %d pages, want %d", created, manyPages)
	}
	all := make([]int64, manyPages)
	var odd []int64
	for i, np := range batch {
		all[i] = np.Page.ID
		if i%2 == 1 {
			odd = append(odd, np.Page.ID)
		}
	}
	missing := make([]int64, moreIDs)
	for i := range missing {
		missing[i] = all[manyPages-1] + 1 + int64(i)
	}

	// A post to every page, and an earlier one to every other page.
	everywhere := &tokenwatch.Post{LocationID: f.Downtown.ID, Text: "Everywhere", ScheduledAt: t0.Add(48 * time.Hour), PageIDs: all}
	must(t, s.CreatePost(ctx, everywhere))
	half := &tokenwatch.Post{LocationID: f.Downtown.ID, Text: "Half", ScheduledAt: t0.Add(24 * time.Hour), PageIDs: odd}
	must(t, s.CreatePost(ctx, half))
	got, err := s.GetPost(ctx, everywhere.ID)
	must(t, err)
	if len(got.PageIDs) != manyPages || got.PageIDs[0] != all[0] || got.PageIDs[manyPages-1] != all[manyPages-1] {
		t.Errorf("the post to every page has %d pages, want %d", len(got.PageIDs), manyPages)
	}
	posts, err := s.ListPosts(ctx, store.PostFilter{LocationIDs: []int64{f.Downtown.ID}})
	must(t, err)
	if len(posts) != 2 || posts[0].ID != half.ID || len(posts[0].PageIDs) != len(odd) || len(posts[1].PageIDs) != manyPages {
		t.Errorf("ListPosts: %d posts", len(posts))
	}

	// One page of another location among them all refuses the post, and
	// so do pages that do not exist, and a page named twice.
	bad := &tokenwatch.Post{LocationID: f.Downtown.ID, Text: "x", ScheduledAt: t0, PageIDs: append(all[:manyPages-1:manyPages-1], f.HarborPage.ID)}
	if err := s.CreatePost(ctx, bad); tokenwatch.ErrorCode(err) != tokenwatch.CodeInvalid {
		t.Errorf("a post to %d pages, one of another location: %v, want invalid", manyPages, err)
	}
	lost := &tokenwatch.Post{LocationID: f.Downtown.ID, Text: "x", ScheduledAt: t0, PageIDs: append(all[:manyPages:manyPages], missing...)}
	if err := s.CreatePost(ctx, lost); tokenwatch.ErrorCode(err) != tokenwatch.CodeInvalid {
		t.Errorf("a post to %d pages, %d of them missing: %v, want invalid", len(lost.PageIDs), moreIDs, err)
	}
	twice := &tokenwatch.Post{LocationID: f.Downtown.ID, Text: "x", ScheduledAt: t0, PageIDs: append(all[:manyPages:manyPages], all[0])}
	if err := s.CreatePost(ctx, twice); tokenwatch.ErrorCode(err) != tokenwatch.CodeInvalid {
		t.Errorf("a post to %d pages, one twice: %v, want invalid", manyPages, err)
	}

	risk, err := s.PostsAtRisk(ctx, append(append(all[:manyPages:manyPages], missing...), f.DowntownPage.ID, f.HarborPage.ID))
	must(t, err)
	if len(risk) != manyPages {
		t.Errorf("%d pages at risk, want %d", len(risk), manyPages)
	}
	for i, id := range all {
		want := store.Risk{Posts: 1, Earliest: everywhere.ScheduledAt}
		if i%2 == 1 {
			want = store.Risk{Posts: 2, Earliest: half.ScheduledAt}
		}
		if r := risk[id]; r.Posts != want.Posts || !r.Earliest.Equal(want.Earliest) {
			t.Fatalf("risk of page %d = %+v, want %+v", i, r, want)
		}
	}
	if _, ok := risk[f.HarborPage.ID]; ok {
		t.Error("a page without posts is at risk")
	}
}
