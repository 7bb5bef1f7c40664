package publish_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/demo"
	"github.com/tokenwatch/tokenwatch/internal/demo/demotest"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/oauthx"
	"github.com/tokenwatch/tokenwatch/internal/publish"
	"github.com/tokenwatch/tokenwatch/internal/sandbox"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/tokens"
)

const day = 24 * time.Hour

type env struct {
	*demotest.World
	pub *publish.Publisher
}

func newEnv(t *testing.T) *env {
	w := demotest.New(t, demotest.Options{})
	k := tokens.New(w.Store, tokens.Options{Providers: w.Providers, Policy: lifecycle.Default(), Now: w.Clock.Now})
	return &env{World: w, pub: publish.New(w.Store, k, publish.Options{Providers: w.Providers, Policy: lifecycle.Default(), Now: w.Clock.Now})}
}

func (e *env) round(t *testing.T) publish.Report {
	t.Helper()
	r, err := e.pub.Round(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// post finds a demo post by the start of its text.
func (e *env) post(t *testing.T, text string) *tokenwatch.Post {
	t.Helper()
	posts, err := e.Store.ListPosts(context.Background(), store.PostFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range posts {
		if strings.HasPrefix(p.Text, text) {
			return p
		}
	}
	t.Fatalf("no post %q", text)
	return nil
}

// The demo's clock starts at demotest.Start (01:00 in New York): the
// croissants (Facebook and Instagram, Downtown) are due 31 hours later, the
// Riverside hiring post (expired Facebook page and LinkedIn) after 34, the
// Airport coffee (Threads, Instagram and Facebook) after 33, and the Google profile's
// opening hours (revoked) after 56.
func TestPublishesWhatIsDueAndHoldsWhatCannotGo(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if r := e.round(t); r != (publish.Report{}) {
		t.Fatalf("published before anything was due: %v", r)
	}
	e.Clock.Advance(36 * time.Hour)
	if r := e.round(t); r.Published != 6 || r.Held != 1 {
		t.Fatalf("round: %v; want 6 published and the expired Facebook page's delivery held", r)
	}
	for text, want := range map[string]tokenwatch.PostStatus{"Croissants": tokenwatch.PostPublished, "Grab a coffee": tokenwatch.PostPublished,
		"We are hiring": tokenwatch.PostHeld, "New opening hours": tokenwatch.PostScheduled} {
		if got := e.post(t, text).Status; got != want {
			t.Errorf("%q is %s, want %s", text, got, want)
		}
	}
	if posts := e.Sandbox.Posts(tokenwatch.InstagramFacebook); len(posts) != 1 {
		t.Errorf("Instagram received %d posts", len(posts))
	}
	e.Clock.Advance(21 * time.Hour)
	if r := e.round(t); r.Held != 1 || r.Published != 0 {
		t.Fatalf("second round: %v, want the revoked Google profile's post held", r)
	}
	if r := e.round(t); r != (publish.Report{}) {
		t.Errorf("a held post was tried again: %v", r)
	}

	// The page is reconnected (a new grant): the held post goes out.
	gbp := e.Page(t, "gbp-downtown")
	issued, err := e.Sandbox.IssueGrant(tokenwatch.GoogleBusiness, sandbox.GrantRequest{ClientID: demo.ClientID, UserID: gbp.ProviderUserID,
		Scopes: e.Providers[tokenwatch.GoogleBusiness].Info().Scopes})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Store.SaveGrant(context.Background(), gbp.ID, store.Grant{NewGeneration: true, AutoRefresh: true, AccessExpiresAt: issued.AccessExpiresAt,
		Credentials: tokenwatch.Credentials{AccessToken: tokenwatch.NewSecret(issued.AccessToken), RefreshToken: tokenwatch.NewSecret(issued.RefreshToken)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.pub.Release(context.Background(), gbp.ID); err != nil {
		t.Fatal(err)
	}
	if r := e.round(t); r.Published != 1 {
		t.Errorf("after the reconnect: %v", r)
	}
	if got := e.post(t, "New opening hours").Status; got != tokenwatch.PostPublished {
		t.Errorf("the released post is %s", got)
	}
}

func TestRevocationFoundWhilePublishingHoldsThePost(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fb := e.Page(t, "fb-downtown")
	c, _ := e.Store.PageCredentials(context.Background(), fb.ID)
	if err := e.Sandbox.Revoke(c.AccessToken.Reveal()); err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(32 * time.Hour)
	e.round(t)
	p := e.Page(t, "fb-downtown")
	if p.State != tokenwatch.StateRevoked || !p.NextDueAt.Equal(e.Clock.Now()) {
		t.Errorf("the page is %s, due %v; want revoked and due now for its alert", p.State, p.NextDueAt)
	}
	ds, _ := e.Store.PostDeliveries(context.Background(), e.post(t, "Croissants").ID)
	for _, d := range ds {
		if d.PageID == fb.ID && d.Status != tokenwatch.PostHeld {
			t.Errorf("the Facebook delivery is %s, want held", d.Status)
		}
	}
}

func TestTransientFailuresRetryAndMissAfterGrace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.Sandbox.Fail(sandbox.Fault{Provider: tokenwatch.Facebook, Status: 503})
	e.Clock.Advance(32 * time.Hour)
	if r := e.round(t); r.Retried != 1 {
		t.Fatalf("round during the outage: %v", r)
	}
	if p := e.Page(t, "fb-downtown"); p.State != tokenwatch.StateHealthy {
		t.Errorf("a 503 while publishing made the page %s", p.State)
	}
	e.Sandbox.ClearFaults()
	e.Clock.Advance(time.Minute)
	if r := e.round(t); r.Published != 1 {
		t.Errorf("after the outage: %v", r)
	}

	// The post to the revoked Google profile waits 72 hours, then is missed,
	// and its author and the page admin are told.
	e.Clock.Advance(day)
	e.round(t)
	e.Clock.Advance(73 * time.Hour)
	if r := e.round(t); r.Missed < 1 {
		t.Fatalf("after the grace window: %v", r)
	}
	if got := e.post(t, "New opening hours").Status; got != tokenwatch.PostMissed {
		t.Errorf("the held post is %s, want missed", got)
	}
	for _, email := range []string{"manager@demo.test", "owner@demo.test"} {
		ns, _ := e.Store.ListNotifications(context.Background(), e.Users[email].ID, 20)
		found := false
		for _, n := range ns {
			found = found || n.Kind == "post_missed" && strings.Contains(n.Title, "Demo Bakery – Downtown")
		}
		if !found {
			t.Errorf("%s was not told about the missed post", email)
		}
	}
}

func TestRejectedPostFails(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.Sandbox.Fail(sandbox.Fault{Provider: tokenwatch.Facebook, Status: 400, Path: "/feed",
		Body: `{"error":{"message":"Duplicate status message","type":"OAuthException","code":506}}`})
	e.Clock.Advance(32 * time.Hour)
	if r := e.round(t); r.Failed != 1 {
		t.Fatalf("round: %v, want the duplicate to fail", r)
	}
	if p := e.Page(t, "fb-downtown"); p.State != tokenwatch.StateHealthy {
		t.Errorf("a rejected post made the page %s", p.State)
	}
}

// TestFailedRefreshHoldsThePost: the X token expired and its grant was
// revoked; the refresh before publishing fails, the page is flagged and the
// post held (the publisher must not fall over).
func TestFailedRefreshHoldsThePost(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	x := e.Page(t, "x-downtown")
	if n := e.Sandbox.RevokeUser(tokenwatch.X, x.ProviderUserID); n == 0 {
		t.Fatal("nothing revoked")
	}
	e.Clock.Advance(7 * day) // the cake tasting (X and Facebook) is due after 6 days 16 hours
	e.round(t)
	if p := e.Page(t, "x-downtown"); p.State != tokenwatch.StateRevoked {
		t.Errorf("the X page is %s, want revoked", p.State)
	}
	ds, _ := e.Store.PostDeliveries(context.Background(), e.post(t, "Weekend cake").ID)
	for _, d := range ds {
		want := tokenwatch.PostPublished
		if d.PageID == x.ID {
			want = tokenwatch.PostHeld
		}
		if d.Status != want {
			t.Errorf("delivery to page %d is %s, want %s", d.PageID, d.Status, want)
		}
	}
}

// TestRecoveredPageReleasesItsPosts: a blocked account fixed at the network
// makes the page publishable again without a reconnect; its held post goes
// out at the next round.
func TestRecoveredPageReleasesItsPosts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	k := tokens.New(e.Store, tokens.Options{Providers: e.Providers, Policy: lifecycle.Default(), Now: e.Clock.Now})
	fb := e.Page(t, "fb-downtown")
	e.Sandbox.Block(tokenwatch.Facebook, fb.ProviderUserID, 459)
	_ = k.Check(ctx, fb.ID)
	if p := e.Page(t, "fb-downtown"); p.State != tokenwatch.StateAccountBlocked {
		t.Fatalf("the page is %s, want account_blocked", p.State)
	}
	e.Clock.Advance(32 * time.Hour)
	e.round(t)
	if got := e.post(t, "Croissants").Status; got != tokenwatch.PostHeld {
		t.Fatalf("croissants are %s, want held", got)
	}
	e.Sandbox.Unblock(tokenwatch.Facebook, fb.ProviderUserID)
	if err := k.Check(ctx, fb.ID); err != nil {
		t.Fatal(err)
	}
	if r := e.round(t); r.Published != 1 {
		t.Errorf("after the account was fixed: %v", r)
	}
	if got := e.post(t, "Croissants").Status; got != tokenwatch.PostPublished {
		t.Errorf("croissants are %s", got)
	}
}

// Each page of a published post keeps the network's link to the post,
// which opens it; a network that gives none (LinkedIn) leaves it empty.
func TestPublishedPagesKeepTheLinkToThePost(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.Clock.Advance(36 * time.Hour)
	e.round(t)
	links := map[tokenwatch.Provider]string{}
	for _, text := range []string{"Croissants", "Grab a coffee", "We are hiring"} {
		p := e.post(t, text)
		for _, target := range p.Targets {
			pg, err := e.Store.GetPage(context.Background(), target.PageID)
			if err != nil {
				t.Fatal(err)
			}
			if target.Status == tokenwatch.PostPublished {
				links[pg.Provider] = target.URL
			} else if target.URL != "" {
				t.Errorf("%q on %s is %s with a link %q", text, pg.Provider, target.Status, target.URL)
			}
		}
	}
	for _, p := range []tokenwatch.Provider{tokenwatch.Facebook, tokenwatch.InstagramFacebook, tokenwatch.Threads} {
		link := links[p]
		if !strings.HasPrefix(link, e.Sandbox.URL+sandbox.Prefix(p)+"/") {
			t.Errorf("the post on %s has the link %q", p, link)
			continue
		}
		resp, err := http.Get(link)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "<article") {
			t.Errorf("%s's link %s answers %d: %s", p, link, resp.StatusCode, body)
		}
	}
	if link, ok := links[tokenwatch.LinkedIn]; !ok || link != "" {
		t.Errorf("the LinkedIn post: published %v, link %q; want published without a link", ok, link)
	}
}

// linking is a network whose answer carries a link that cannot be shown.
type linking struct {
	provider.Provider
	link string
}

func (l linking) Publish(ctx context.Context, page *tokenwatch.Page, creds tokenwatch.Credentials, post provider.Post) (provider.Published, error) {
	pub, err := l.Provider.Publish(ctx, page, creds, post)
	pub.URL = l.link
	return pub, err
}

// A link from a network's answer that is not http(s) is dropped: the post
// is published, without a link, never marked failed or tried again.
func TestAnUnsafeLinkIsDropped(t *testing.T) {
	t.Parallel()
	w := demotest.New(t, demotest.Options{})
	providers := provider.Registry{}
	for name, p := range w.Providers {
		providers[name] = linking{Provider: p, link: "javascript:alert(document.cookie)"}
	}
	k := tokens.New(w.Store, tokens.Options{Providers: providers, Policy: lifecycle.Default(), Now: w.Clock.Now})
	pub := publish.New(w.Store, k, publish.Options{Providers: providers, Policy: lifecycle.Default(), Now: w.Clock.Now})
	w.Clock.Advance(36 * time.Hour)
	r, err := pub.Round(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if r.Published != 6 || r.Failed != 0 || r.Retried != 0 {
		t.Fatalf("round: %v; want the 6 deliveries published", r)
	}
	e := &env{World: w}
	for _, target := range e.post(t, "Croissants").Targets {
		if target.Status != tokenwatch.PostPublished || target.URL != "" {
			t.Errorf("a page of the croissants post: %+v", target)
		}
	}
}

// slowNetwork is a network whose publish calls take time on the test
// clock, and lets a test act while a publish is under way.
type slowNetwork struct {
	provider.Provider
	calls  int
	during func(call int)
}

func (s *slowNetwork) Publish(ctx context.Context, page *tokenwatch.Page, creds tokenwatch.Credentials, post provider.Post) (provider.Published, error) {
	s.calls++
	s.during(s.calls)
	return s.Provider.Publish(ctx, page, creds, post)
}

// TestALongRoundLeasesEachDeliveryFromItsClaim: a round that has run
// longer than the lease (a slow upload) still holds each delivery it
// claims for a whole lease from the moment it claims it, so another
// replica's publisher does not take the delivery being published and
// publish it a second time.
func TestALongRoundLeasesEachDeliveryFromItsClaim(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	x := e.Page(t, "x-downtown")
	for _, text := range []string{"Fresh bread", "Warm croissants"} {
		if err := e.Store.CreatePost(ctx, &tokenwatch.Post{LocationID: x.LocationID, Text: text, ScheduledAt: e.Clock.Now(), PageIDs: []int64{x.ID}}); err != nil {
			t.Fatal(err)
		}
	}
	const lease = 5 * time.Minute
	newPublisher := func(providers provider.Registry) *publish.Publisher {
		k := tokens.New(e.Store, tokens.Options{Providers: providers, Policy: lifecycle.Default(), Now: e.Clock.Now})
		return publish.New(e.Store, k, publish.Options{Providers: providers, Policy: lifecycle.Default(), Now: e.Clock.Now, Lease: lease})
	}
	other := newPublisher(e.Providers)
	var otherRound publish.Report
	slow := &slowNetwork{Provider: e.Providers[tokenwatch.X], during: func(call int) {
		switch call {
		case 1:
			// The first post's upload takes longer than the lease.
			e.Clock.Advance(lease + time.Minute)
		case 2:
			// Another replica's round while the second post goes out.
			var err error
			if otherRound, err = other.Round(ctx); err != nil {
				t.Error(err)
			}
		}
	}}
	providers := provider.Registry{}
	for name, p := range e.Providers {
		providers[name] = p
	}
	providers[tokenwatch.X] = slow
	r, err := newPublisher(providers).Round(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r.Published != 2 || otherRound != (publish.Report{}) {
		t.Errorf("the long round: %v; the other replica's: %v; want both posts published by the long round", r, otherRound)
	}
	if n := e.Sandbox.Calls(tokenwatch.X, sandbox.OpPublish); n != 2 {
		t.Errorf("%d publish calls to X for two posts", n)
	}
}

// deadlineNetwork records the deadline of each publish call's context.
type deadlineNetwork struct {
	provider.Provider
	deadlines []time.Time
}

func (d *deadlineNetwork) Publish(ctx context.Context, page *tokenwatch.Page, creds tokenwatch.Credentials, post provider.Post) (provider.Published, error) {
	dl, _ := ctx.Deadline()
	d.deadlines = append(d.deadlines, dl)
	return d.Provider.Publish(ctx, page, creds, post)
}

// TestAnAttemptEndsBeforeItsLease: a publish call runs under a deadline
// inside the lease (nine tenths of it), so a stuck upload is cut off while
// the delivery is still this publisher's, instead of going on after
// another replica has claimed it and published the post again; and the
// default lease outlasts the longest upload (oauthx.MediaTimeout).
func TestAnAttemptEndsBeforeItsLease(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	x := e.Page(t, "x-downtown")
	for _, tc := range []struct {
		lease, min, max time.Duration
	}{
		{0, oauthx.MediaTimeout, 20 * time.Minute}, // the default
		{10 * time.Minute, 8 * time.Minute, 10 * time.Minute},
	} {
		net := &deadlineNetwork{Provider: e.Providers[tokenwatch.X]}
		providers := provider.Registry{}
		for name, p := range e.Providers {
			providers[name] = p
		}
		providers[tokenwatch.X] = net
		k := tokens.New(e.Store, tokens.Options{Providers: providers, Policy: lifecycle.Default(), Now: e.Clock.Now})
		pub := publish.New(e.Store, k, publish.Options{Providers: providers, Policy: lifecycle.Default(), Now: e.Clock.Now, Lease: tc.lease})
		if err := e.Store.CreatePost(ctx, &tokenwatch.Post{LocationID: x.LocationID, Text: "Batch " + tc.lease.String(), ScheduledAt: e.Clock.Now(), PageIDs: []int64{x.ID}}); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if _, err := pub.Round(ctx); err != nil {
			t.Fatal(err)
		}
		if len(net.deadlines) == 0 {
			t.Fatalf("lease %v: no publish call", tc.lease)
		}
		for _, dl := range net.deadlines {
			if left := dl.Sub(start); dl.IsZero() || left <= tc.min || left > tc.max {
				t.Errorf("lease %v: a publish call's deadline %v after the round began, want between %v and %v", tc.lease, left, tc.min, tc.max)
			}
		}
	}
}
