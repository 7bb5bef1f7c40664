package storetest

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// testAPI: what the integration API keeps: key scopes, idempotent replies
// (sealed), the record of tokens handed out, single-use sessions, return
// URLs, and its lists a bounded page at a time.
func testAPI(t *testing.T, e Engine) {
	ctx := context.Background()
	clock := NewClock(t0)
	s := Open(t, e.NewDatabase(t), store.Options{Now: clock.Now})
	f := Seed(t, s)

	// Scopes: stored sorted and unique; read alone by default; unknown ones refused.
	k, secret, err := s.CreateAPIKey(ctx, f.Account.ID, "platform", "tokens", "read", "tokens")
	must(t, err)
	got, err := s.AuthenticateAPIKey(ctx, secret.Reveal())
	if err != nil || !slices.Equal(got.Scopes, []string{"read", "tokens"}) {
		t.Errorf("scopes: %+v %v", got, err)
	}
	if _, _, err := s.CreateAPIKey(ctx, f.Account.ID, "x", "admin"); tokenwatch.ErrorCode(err) != tokenwatch.CodeInvalid {
		t.Errorf("an unknown scope: %v", err)
	}
	d, _, _ := s.CreateAPIKey(ctx, f.Account.ID, "default")
	if keys, _ := s.ListAPIKeys(ctx, f.Account.ID); keys[0].ID != d.ID || !slices.Equal(keys[0].Scopes, []string{"read"}) {
		t.Errorf("a key without scopes: %+v", keys[0])
	}

	// Idempotency: claimed once; the reply stored sealed.
	first, err := s.BeginIdempotent(ctx, k.ID, "key-1")
	if err != nil || first != nil {
		t.Fatalf("a new key: %+v %v", first, err)
	}
	if in, _ := s.BeginIdempotent(ctx, k.ID, "key-1"); in == nil || in.Done {
		t.Errorf("a key being answered: %+v", in)
	}
	must(t, s.FinishIdempotent(ctx, k.ID, "key-1", "hash", 200, []byte(`{"access_token":"very-secret-token"}`)))
	in, err := s.BeginIdempotent(ctx, k.ID, "key-1")
	if err != nil || !in.Done || in.RequestHash != "hash" || in.Status != 200 || !bytes.Contains(in.Reply, []byte("very-secret-token")) {
		t.Errorf("a key answered: %+v %v", in, err)
	}
	var raw []byte
	must(t, s.DB().QueryRowContext(ctx, `SELECT reply FROM api_idempotency`).Scan(&raw))
	if bytes.Contains(raw, []byte("very-secret-token")) {
		t.Error("a stored reply holds a token in plaintext")
	}
	must(t, s.AbandonIdempotent(ctx, k.ID, "key-1"))
	if in, _ := s.BeginIdempotent(ctx, k.ID, "key-1"); in != nil {
		t.Errorf("an abandoned key: %+v", in)
	}

	// Token grants, newest first, by page.
	for range 3 {
		must(t, s.RecordTokenGrant(ctx, &store.TokenGrant{AccountID: f.Account.ID, APIKeyID: k.ID, PageID: f.DowntownPage.ID}))
	}
	must(t, s.RecordTokenGrant(ctx, &store.TokenGrant{AccountID: f.Account.ID, APIKeyID: k.ID, PageID: f.HarborPage.ID}))
	gs, _ := s.TokenGrants(ctx, f.Account.ID, 0, 0, 2)
	rest, _ := s.TokenGrants(ctx, f.Account.ID, 0, gs[1].ID, 10)
	if len(gs) != 2 || gs[0].PageID != f.HarborPage.ID || len(rest) != 2 || rest[0].ID >= gs[1].ID {
		t.Errorf("token grants: %+v then %+v", gs, rest)
	}
	if byPage, _ := s.TokenGrants(ctx, f.Account.ID, f.DowntownPage.ID, 0, 10); len(byPage) != 3 {
		t.Errorf("a page's grants: %d", len(byPage))
	}

	// Sessions: started once, before they expire.
	sess := &store.APISession{AccountID: f.Account.ID, APIKeyID: k.ID, Kind: "connect", LocationID: f.Downtown.ID, Provider: tokenwatch.Facebook,
		ProviderPageIDs: []string{"1", "2"}, ReturnURL: "https://platform.example/back", ExpiresAt: t0.Add(15 * time.Minute)}
	sec, err := s.CreateAPISession(ctx, sess)
	must(t, err)
	started, err := s.StartAPISession(ctx, sec.Reveal())
	if err != nil || started.ID != sess.ID || started.Status != "started" || !slices.Equal(started.ProviderPageIDs, []string{"1", "2"}) {
		t.Fatalf("start: %+v %v", started, err)
	}
	if _, err := s.StartAPISession(ctx, sec.Reveal()); err != store.ErrSessionUnknown {
		t.Errorf("started twice: %v", err)
	}
	must(t, s.FinishAPISession(ctx, sess.ID, true, "Connected 2 pages", []int64{7, 8}))
	if done, _ := s.GetAPISession(ctx, sess.ID); done.Status != "done" || !slices.Equal(done.ResultPageIDs, []int64{7, 8}) || done.DoneAt.IsZero() {
		t.Errorf("finished: %+v", done)
	}
	late := &store.APISession{AccountID: f.Account.ID, APIKeyID: k.ID, Kind: "reconnect", PageID: f.DowntownPage.ID, Provider: tokenwatch.Facebook,
		ReturnURL: "https://platform.example/", ExpiresAt: t0.Add(time.Minute)}
	sec, _ = s.CreateAPISession(ctx, late)
	clock.Advance(2 * time.Minute)
	if _, err := s.StartAPISession(ctx, sec.Reveal()); err != store.ErrSessionExpired {
		t.Errorf("an expired session: %v", err)
	}

	// Return URLs replace each other.
	must(t, s.SetReturnURLs(ctx, f.Account.ID, []string{"https://b.example/", "https://a.example/"}))
	must(t, s.SetReturnURLs(ctx, f.Account.ID, []string{"https://c.example/", "https://a.example/"}))
	if urls, _ := s.ReturnURLs(ctx, f.Account.ID); !slices.Equal(urls, []string{"https://a.example/", "https://c.example/"}) {
		t.Errorf("return URLs: %v", urls)
	}

	// Lists a page at a time.
	for i := range 5 {
		must(t, s.CreateLocation(ctx, &tokenwatch.Location{AccountID: f.Account.ID, Name: fmt.Sprint("Loc ", i), TimeZone: "UTC"}))
	}
	locs, _ := s.QueryLocations(ctx, f.Account.ID, 0, 4)
	more, _ := s.QueryLocations(ctx, f.Account.ID, locs[3].ID, 4)
	if len(locs) != 4 || len(more) != 3 || locs[0].ID != f.Downtown.ID {
		t.Errorf("locations: %d then %d", len(locs), len(more))
	}
	users, _ := s.QueryUsers(ctx, f.Account.ID, f.Owner.ID, 2)
	if len(users) != 2 || users[0].ID != f.Manager.ID {
		t.Errorf("users after the owner: %+v", users)
	}
	parts, _ := s.QueryParticipants(ctx, f.Downtown.ID, 0, 10)
	if len(parts) != 4 {
		t.Errorf("Downtown's participants: %d", len(parts))
	}
	for i := range 3 {
		_, err := s.CreateNotification(ctx, &tokenwatch.Notification{UserID: f.Owner.ID, Kind: "k", Title: fmt.Sprint("n", i)}, "")
		must(t, err)
	}
	ns, _ := s.QueryNotifications(ctx, f.Owner.ID, 0, 2)
	older, _ := s.QueryNotifications(ctx, f.Owner.ID, ns[1].ID, 2)
	if len(ns) != 2 || ns[0].Title != "n2" || len(older) != 1 || older[0].Title != "n0" {
		t.Errorf("notifications newest first: %+v then %+v", ns, older)
	}
	for i := range 3 {
		must(t, s.CreatePost(ctx, &tokenwatch.Post{LocationID: f.Downtown.ID, Text: fmt.Sprint("p", i), ScheduledAt: t0.Add(time.Duration(3-i) * time.Hour),
			PageIDs: []int64{f.DowntownPage.ID}}))
	}
	ps, _ := s.QueryPosts(ctx, store.PostQuery{AccountID: f.Account.ID, Limit: 2})
	if len(ps) != 2 || ps[0].Text != "p2" || len(ps[0].Targets) != 1 {
		t.Fatalf("posts by time: %+v", ps)
	}
	next, _ := s.QueryPosts(ctx, store.PostQuery{AccountID: f.Account.ID, AfterAt: ps[1].ScheduledAt, AfterID: ps[1].ID, Limit: 2,
		Statuses: []tokenwatch.PostStatus{tokenwatch.PostScheduled}})
	if len(next) != 1 || next[0].Text != "p0" {
		t.Errorf("the next posts: %+v", next)
	}
	must(t, s.CancelPost(ctx, next[0].ID))
	if _, err := s.GetPost(ctx, next[0].ID); !tokenwatch.IsNotFound(err) {
		t.Errorf("a cancelled post: %v", err)
	}
	must(t, s.SetPublishResult(ctx, ps[0].ID, f.DowntownPage.ID, store.PublishResult{Status: tokenwatch.PostPublished, ProviderPostID: "x"}))
	if err := s.CancelPost(ctx, ps[0].ID); tokenwatch.ErrorCode(err) != tokenwatch.CodeConflict {
		t.Errorf("cancelling a published post: %v", err)
	}

	// Locations: renamed, deleted once they have no pages.
	must(t, s.UpdateLocation(ctx, &tokenwatch.Location{ID: f.Harbor.ID, Name: "Port", TimeZone: "Europe/Lisbon"}))
	if err := s.UpdateLocation(ctx, &tokenwatch.Location{ID: f.Harbor.ID, Name: "Downtown", TimeZone: "UTC"}); tokenwatch.ErrorCode(err) != tokenwatch.CodeConflict {
		t.Errorf("renaming to a name taken: %v", err)
	}
	if err := s.DeleteLocation(ctx, f.Harbor.ID); tokenwatch.ErrorCode(err) != tokenwatch.CodeConflict {
		t.Errorf("deleting a location with pages: %v", err)
	}
	must(t, s.DeleteLocation(ctx, more[2].ID))
}

// testIssuePages: IssuePages pages through the issues in exactly the order
// of QueryPages worst first, whatever the page size and filters.
func testIssuePages(t *testing.T, e Engine) {
	ctx := context.Background()
	s := Open(t, e.NewDatabase(t), store.Options{Now: func() time.Time { return t0 }})
	f := Seed(t, s)
	var created []*tokenwatch.Page
	for i := range 60 {
		loc := f.Downtown.ID
		if i%3 == 0 {
			loc = f.Harbor.ID
		}
		p := NewPage(loc, []tokenwatch.Provider{tokenwatch.Facebook, tokenwatch.X}[i%2], fmt.Sprintf("p-%02d", i), fmt.Sprintf("Page %02d", i))
		p.State = tokenwatch.States[i%len(tokenwatch.States)]
		if i%5 != 0 {
			p.DataAccessExpiresAt = t0.Add(time.Duration(i%7) * 24 * time.Hour) // ties on purpose
		}
		must(t, s.CreatePage(ctx, p, Creds(fmt.Sprint("a", i), "")))
		created = append(created, p)
	}
	// Posts on some of them: one, two, and one published on one of its
	// pages (not at risk there).
	for i, p := range created[:12] {
		post := &tokenwatch.Post{LocationID: p.LocationID, Text: fmt.Sprint("post ", i), ScheduledAt: t0.Add(time.Duration(i+1) * time.Hour), PageIDs: []int64{p.ID}}
		if i%3 == 1 { // the next is at Downtown too
			post.PageIDs = append(post.PageIDs, created[i+1].ID)
		}
		must(t, s.CreatePost(ctx, post))
		if i == 7 {
			must(t, s.SetPublishResult(ctx, post.ID, p.ID, store.PublishResult{Status: tokenwatch.PostPublished, ProviderPostID: "x"}))
		}
	}
	all := func(q store.PageQuery, page func(store.PageQuery) ([]*tokenwatch.Page, string, error)) []int64 {
		var ids []int64
		for range 100 {
			ps, next, err := page(q)
			must(t, err)
			for _, p := range ps {
				ids = append(ids, p.ID)
			}
			if next == "" {
				return ids
			}
			q.After = next
		}
		t.Fatal("no end")
		return nil
	}
	for _, q := range []store.PageQuery{
		{AccountID: f.Account.ID},
		{AccountID: f.Account.ID, LocationID: f.Harbor.ID},
		{AccountID: f.Account.ID, Provider: tokenwatch.X},
		{AccountID: f.Account.ID, States: []tokenwatch.State{tokenwatch.StateExpiring, tokenwatch.StateRevoked}},
		{UserID: f.DowntownOnly.ID},
	} {
		want := q
		want.Issues, want.Order, want.Limit = true, store.WorstFirst, store.MaxListLimit
		expected := all(want, func(q store.PageQuery) ([]*tokenwatch.Page, string, error) { return s.QueryPages(ctx, q) })
		for _, size := range []int{1, 3, 7, 50} {
			q.Limit = size
			if got := all(q, func(q store.PageQuery) ([]*tokenwatch.Page, string, error) {
				return s.IssuePages(ctx, q)
			}); !slices.Equal(got, expected) {
				t.Errorf("%+v in pages of %d: %v, want %v", q, size, got, expected)
			}
			// The API's list: the same pages, each as GetPage reads it
			// (but for what the API does not show) with the posts
			// PostsAtRisk counts.
			if got := all(q, func(q store.PageQuery) ([]*tokenwatch.Page, string, error) {
				issues, next, err := s.IssueList(ctx, q)
				if err != nil {
					return nil, "", err
				}
				var ps []*tokenwatch.Page
				for _, is := range issues {
					ps = append(ps, is.Page)
					checkIssue(t, s, is)
				}
				return ps, next, nil
			}); !slices.Equal(got, expected) {
				t.Errorf("IssueList %+v in pages of %d: %v, want %v", q, size, got, expected)
			}
		}
	}
}

// checkIssue compares an issue of IssueList with the page and posts at
// risk read apart.
func checkIssue(t *testing.T, s *store.Store, is store.Issue) {
	t.Helper()
	ctx := context.Background()
	p, err := s.GetPage(ctx, is.Page.ID)
	must(t, err)
	// What the API's list does not read.
	p.ConnectedBy, p.NextDueAt, p.DeliveryError, p.CreatedAt, p.UpdatedAt = 0, time.Time{}, "", time.Time{}, time.Time{}
	if !reflect.DeepEqual(is.Page, p) {
		t.Errorf("IssueList's page %d:\n%+v\nGetPage:\n%+v", p.ID, is.Page, p)
	}
	risks, err := s.PostsAtRisk(ctx, []int64{p.ID})
	must(t, err)
	if is.Risk != risks[p.ID] {
		t.Errorf("IssueList's posts at risk of page %d: %+v, PostsAtRisk: %+v", p.ID, is.Risk, risks[p.ID])
	}
}

// testCreatedPagesKeepDeadline: pages stored many at once (an import) keep
// their connection deadline like pages stored one by one, so that lists
// sort them by it and the chart counts them.
func testCreatedPagesKeepDeadline(t *testing.T, e Engine) {
	ctx := context.Background()
	s := Open(t, e.NewDatabase(t), store.Options{Now: func() time.Time { return t0 }})
	f := Seed(t, s)
	var batch []store.NewPage
	for i := range 5 {
		p := NewPage(f.Harbor.ID, tokenwatch.Facebook, fmt.Sprintf("fb-%d", i), fmt.Sprintf("Page %d", i))
		p.State = tokenwatch.StateExpiring
		p.DataAccessExpiresAt = t0.Add(time.Duration(5-i) * 24 * time.Hour)
		batch = append(batch, store.NewPage{Page: p, Credentials: Creds(fmt.Sprint("a", i), "")})
	}
	if n, err := s.CreatePages(ctx, batch); err != nil || n != 5 {
		t.Fatalf("CreatePages: %d %v", n, err)
	}
	ps, _, err := s.IssuePages(ctx, store.PageQuery{AccountID: f.Account.ID, LocationID: f.Harbor.ID})
	must(t, err)
	var names []string
	for _, p := range ps {
		names = append(names, p.Name)
	}
	if !slices.Equal(names, []string{"Page 4", "Page 3", "Page 2", "Page 1", "Page 0"}) {
		t.Errorf("pages stored at once, nearest deadline first: %v", names)
	}
	days, err := s.DeadlinesPerDay(ctx, store.PageQuery{AccountID: f.Account.ID, LocationID: f.Harbor.ID}, t0, 30)
	must(t, err)
	n := 0
	for _, d := range days {
		n += d.N
	}
	if n != 5 {
		t.Errorf("the chart counts %d deadlines of pages stored at once, want 5", n)
	}
}
