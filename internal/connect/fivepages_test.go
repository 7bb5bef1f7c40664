package connect_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/connect"
	"github.com/tokenwatch/tokenwatch/internal/connection"
	"github.com/tokenwatch/tokenwatch/internal/demo/demotest"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/publish"
	"github.com/tokenwatch/tokenwatch/internal/sandbox"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/store/storetest"
	"github.com/tokenwatch/tokenwatch/internal/tokens"
)

// TestOneMetaConsentFixesFivePages: one Facebook consent (Meta: one user
// token yields every Page token) renews the page it was for and the four
// other pages of the account that the same Facebook identity connected and
// that need a person; the posts each of them held go out, once each.
func TestOneMetaConsentFixesFivePages(t *testing.T) {
	t.Parallel()
	w := demotest.New(t, demotest.Options{})
	ctx := context.Background()
	keeper := tokens.New(w.Store, tokens.Options{Providers: w.Providers, Policy: lifecycle.Default(), Now: w.Clock.Now})
	pub := publish.New(w.Store, keeper, publish.Options{Providers: w.Providers, Policy: lifecycle.Default(), Now: w.Clock.Now, Grace: 24 * time.Hour})
	conn := connection.New(w.Store, connection.Options{Providers: w.Providers, Policy: lifecycle.Default(), Now: w.Clock.Now,
		Renewers: []connection.Renewer{pub}})
	flow := connect.New(w.Store, connect.Options{Providers: w.Providers, Connection: conn, BaseURL: demotest.BaseURL, Now: w.Clock.Now})

	fb := w.Page(t, "fb-riverside") // expired
	air := w.Page(t, "fb-airport")  // expiring, same Facebook account
	if air.ProviderUserID != fb.ProviderUserID {
		t.Fatalf("the demo's Facebook pages changed: %s and %s", fb.ProviderUserID, air.ProviderUserID)
	}
	// The same Facebook account revoked at Airport, and three more of its
	// Pages: two expired, one revoked.
	ok(t, w.Store.SetPageStatus(ctx, air.ID, store.PageStatus{Problem: tokenwatch.ProblemRevoked, State: tokenwatch.StateRevoked, NextDueAt: w.Clock.Now()}))
	ids := []int64{fb.ID, air.ID}
	for i := range 3 {
		id := fmt.Sprintf("%s-extra-%d", fb.ProviderPageID, i)
		w.Sandbox.AddPage(tokenwatch.Facebook, sandbox.Page{ID: id, Name: fmt.Sprintf("Demo Bakery Pop-up %d", i)})
		w.Sandbox.SetRole(tokenwatch.Facebook, id, fb.ProviderUserID, "MANAGE")
		p := storetest.NewPage(fb.LocationID, tokenwatch.Facebook, id, fmt.Sprintf("Demo Bakery Pop-up %d", i))
		p.AccountID, p.ProviderUserID, p.ProviderUserName, p.ConnectedBy, p.Scopes = fb.AccountID, fb.ProviderUserID, fb.ProviderUserName, fb.ConnectedBy, fb.Scopes
		p.DataAccessExpiresAt = w.Clock.Now().Add(-time.Hour)
		p.State = tokenwatch.StateExpired
		if i == 2 {
			p.Problem, p.State = tokenwatch.ProblemRevoked, tokenwatch.StateRevoked
		}
		ok(t, w.Store.CreatePage(ctx, p, storetest.Creds(fmt.Sprintf("stale-%d", i), "")))
		ids = append(ids, p.ID)
	}
	// Each of the five holds a post that fell due a minute ago.
	for i, id := range ids {
		post := &tokenwatch.Post{LocationID: fb.LocationID, Text: fmt.Sprintf("Held post %d", i), ScheduledAt: w.Clock.Now().Add(-time.Minute), PageIDs: []int64{id}}
		if id == air.ID {
			post.LocationID = air.LocationID
		}
		ok(t, w.Store.CreatePost(ctx, post))
	}
	rep, err := pub.Round(ctx)
	ok(t, err)
	if rep.Held != 5 || rep.Published != 0 {
		t.Fatalf("before the consent: %s, want 5 held", rep)
	}

	session := w.Session(t, "manager@demo.test")
	consent, err := flow.BeginReconnect(ctx, connect.User(w.Users["manager@demo.test"]), session, connect.Reconnect{PageID: fb.ID})
	ok(t, err)
	res, err := flow.Callback(ctx, session, tokenwatch.Facebook, demotest.Consent(t, consent, fb.ProviderUserID))
	ok(t, err)
	if len(res.Renewed) != 5 || len(res.NotFixed) != 0 {
		t.Fatalf("one consent renewed %d pages (not fixed: %+v), want 5", len(res.Renewed), res.NotFixed)
	}
	for _, id := range ids {
		p, err := w.Store.GetPage(ctx, id)
		ok(t, err)
		if p.State != tokenwatch.StateHealthy {
			t.Errorf("%s after the consent: %s", p.Name, p.State)
		}
	}
	for range 2 {
		_, err := pub.Round(ctx)
		ok(t, err)
	}
	sent := map[string]int{}
	for _, p := range w.Sandbox.Posts(tokenwatch.Facebook) {
		sent[p.Text]++
	}
	for i := range ids {
		if n := sent[fmt.Sprintf("Held post %d", i)]; n != 1 {
			t.Errorf("held post %d went out %d times, want once", i, n)
		}
	}
}

func ok(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
