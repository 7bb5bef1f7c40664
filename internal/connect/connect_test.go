package connect_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/connect"
	"github.com/tokenwatch/tokenwatch/internal/demo/demotest"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/sandbox"
)

type env struct {
	*demotest.World
	flow        *connect.Flow
	mu          sync.Mutex
	reconnected []int64
}

func newEnv(t *testing.T) *env {
	e := &env{World: demotest.New(t, demotest.Options{})}
	e.flow = connect.New(e.Store, connect.Options{Providers: e.Providers, Policy: lifecycle.Default(), BaseURL: demotest.BaseURL, Now: e.Clock.Now,
		OnReconnect: func(_ context.Context, p *tokenwatch.Page) {
			e.mu.Lock()
			e.reconnected = append(e.reconnected, p.ID)
			e.mu.Unlock()
		}})
	return e
}

// reconnect plays a reconnect: the user starts it, consents at the
// network as account, and the network calls back.
func (e *env) reconnect(t *testing.T, email, page, account string) (*connect.Result, error) {
	t.Helper()
	ctx := context.Background()
	u, session := e.Users[email], e.Session(t, email)
	consent, err := e.flow.BeginReconnect(ctx, u, session, e.Pages[page].ID)
	if err != nil {
		return nil, err
	}
	q := demotest.Consent(t, consent, account)
	return e.flow.Callback(ctx, u, session, e.Pages[page].Provider, q)
}

func failure(t *testing.T, err error) *connect.Failure {
	t.Helper()
	var f *connect.Failure
	if !errors.As(err, &f) {
		t.Fatalf("want a *connect.Failure, got %v", err)
	}
	return f
}

func TestReconnect(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	before := e.Page(t, "li-riverside") // LinkedIn, 8 days left, connected by the manager
	res, err := e.reconnect(t, "manager@demo.test", "li-riverside", before.ProviderUserID)
	if err != nil {
		t.Fatal(err)
	}
	after := e.Page(t, "li-riverside")
	if res.Reconnected == nil || res.Reconnected.ID != before.ID {
		t.Fatalf("result %+v", res)
	}
	if after.Generation != before.Generation+1 || after.State != tokenwatch.StateHealthy || !after.AccessExpiresAt.After(before.AccessExpiresAt) ||
		after.ConnectedBy != e.Users["manager@demo.test"].ID {
		t.Errorf("after reconnecting: generation %d→%d, state %s, expiry %v→%v", before.Generation, after.Generation, after.State,
			before.AccessExpiresAt, after.AccessExpiresAt)
	}
	if len(e.reconnected) != 1 || e.reconnected[0] != before.ID {
		t.Errorf("OnReconnect was told %v", e.reconnected)
	}
}

func TestReconnectUsesPKCEWhereTheNetworkHasIt(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	for page, pkce := range map[string]bool{"x-downtown": true, "gbp-downtown": true, "fb-downtown": false} {
		u, _ := url.Parse(must(e.flow.BeginReconnect(ctx, e.Users["owner@demo.test"], e.Session(t, "owner@demo.test"), e.Pages[page].ID)))
		q := u.Query()
		if got := q.Get("code_challenge_method") == "S256" && q.Get("code_challenge") != ""; got != pkce {
			t.Errorf("%s: PKCE S256 %v, want %v", page, got, pkce)
		}
		if !strings.HasSuffix(q.Get("redirect_uri"), "/oauth/"+string(e.Pages[page].Provider)+"/callback") || q.Get("state") == "" {
			t.Errorf("%s: redirect_uri %q, state %q", page, q.Get("redirect_uri"), q.Get("state"))
		}
	}
}

func must(s string, err error) string {
	if err != nil {
		panic(err)
	}
	return s
}

func TestReconnectWithAnotherAccountIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	before := e.Page(t, "li-riverside")
	// The owner of the location starts it, but signs in to LinkedIn as herself.
	_, err := e.reconnect(t, "owner@demo.test", "li-riverside", "demo-owner")
	f := failure(t, err)
	for _, want := range []string{`"Marco Manager"`, `"Olivia Owner"`, "Sign in to LinkedIn as"} {
		if !strings.Contains(f.Message, want) {
			t.Errorf("message %q does not say %s", f.Message, want)
		}
	}
	if after := e.Page(t, "li-riverside"); after.Generation != before.Generation || after.ConnectedBy != before.ConnectedBy {
		t.Error("a refused reconnect changed the page")
	}
}

func TestReconnectWithTooSmallARoleIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	li := e.Page(t, "li-riverside")
	e.Sandbox.SetRole(tokenwatch.LinkedIn, "li-riverside", li.ProviderUserID, "CONTENT_ADMINISTRATOR")
	_, err := e.reconnect(t, "manager@demo.test", "li-riverside", li.ProviderUserID)
	f := failure(t, err)
	if !strings.Contains(f.Message, "Super Admin") || len(f.Troubleshooting) == 0 || f.PageID != li.ID {
		t.Errorf("failure %+v", f)
	}
	fb := e.Page(t, "fb-downtown")
	e.Sandbox.SetRole(tokenwatch.Facebook, "fb-downtown", fb.ProviderUserID, "CREATE_CONTENT")
	_, err = e.reconnect(t, "manager@demo.test", "fb-downtown", fb.ProviderUserID)
	if f := failure(t, err); !strings.Contains(f.Message, "full control") {
		t.Errorf("Facebook refusal %q", f.Message)
	}
	e.Sandbox.SetRole(tokenwatch.Facebook, "fb-downtown", fb.ProviderUserID, "")
	_, err = e.reconnect(t, "manager@demo.test", "fb-downtown", fb.ProviderUserID)
	if f := failure(t, err); !strings.Contains(f.Message, "no longer has a role") {
		t.Errorf("no role at all: %q", f.Message)
	}
}

func TestWhoMayReconnect(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	_, err := e.flow.BeginReconnect(ctx, e.Users["member@demo.test"], e.Session(t, "member@demo.test"), e.Pages["li-riverside"].ID)
	if tokenwatch.ErrorCode(err) != tokenwatch.CodeForbidden {
		t.Errorf("a member starting a reconnect: %v, want forbidden", err)
	}
	_, err = e.flow.BeginReconnect(ctx, e.Users["downtown@demo.test"], e.Session(t, "downtown@demo.test"), e.Pages["li-riverside"].ID)
	if !tokenwatch.IsNotFound(err) {
		t.Errorf("someone of another location: %v, want not found", err)
	}
}

// TestState: the state is single-use, bound to the browser session and to
// the network's callback, and expires after 10 minutes.
func TestState(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	mgr, session := e.Users["manager@demo.test"], e.Session(t, "manager@demo.test")
	page := e.Pages["li-riverside"]
	start := func() url.Values {
		return demotest.Consent(t, must(e.flow.BeginReconnect(ctx, mgr, session, page.ID)), page.ProviderUserID)
	}
	refused := func(name string, err error, want string) {
		t.Helper()
		if f := failure(t, err); !strings.Contains(f.Message, want) {
			t.Errorf("%s: %q", name, f.Message)
		}
	}

	q := start()
	if _, err := e.flow.Callback(ctx, mgr, session, tokenwatch.LinkedIn, q); err != nil {
		t.Fatal(err)
	}
	_, err := e.flow.Callback(ctx, mgr, session, tokenwatch.LinkedIn, q)
	refused("replayed", err, "used already")

	forged := start()
	forged.Set("state", "forged-"+forged.Get("state"))
	_, err = e.flow.Callback(ctx, mgr, session, tokenwatch.LinkedIn, forged)
	refused("forged", err, "not started here")

	_, err = e.flow.Callback(ctx, mgr, e.Session(t, "manager@demo.test"), tokenwatch.LinkedIn, start())
	refused("another browser session", err, "not started here")

	_, err = e.flow.Callback(ctx, mgr, session, tokenwatch.Facebook, start())
	refused("another network's callback", err, "not started here")

	late := start()
	e.Clock.Advance(10*time.Minute + time.Second)
	_, err = e.flow.Callback(ctx, mgr, session, tokenwatch.LinkedIn, late)
	refused("expired", err, "expired")

	u := demotest.Consent(t, must(e.flow.BeginReconnect(ctx, mgr, session, page.ID)), "")
	_, err = e.flow.Callback(ctx, mgr, session, tokenwatch.LinkedIn, u)
	refused("cancelled", err, "You cancelled")
}

func TestConnectNewPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	owner, session := e.Users["owner@demo.test"], e.Session(t, "owner@demo.test")
	e.Sandbox.AddPage(tokenwatch.Facebook, sandbox.Page{ID: "fb-new", Name: "Demo Bakery Catering"})
	e.Sandbox.AddPage(tokenwatch.Facebook, sandbox.Page{ID: "fb-partial", Name: "Demo Bakery Fans"})
	e.Sandbox.SetRole(tokenwatch.Facebook, "fb-new", "demo-owner", "MANAGE")
	e.Sandbox.SetRole(tokenwatch.Facebook, "fb-partial", "demo-owner", "CREATE_CONTENT")
	downtown := e.Pages["fb-downtown"].LocationID

	consent, err := e.flow.BeginConnect(ctx, owner, session, tokenwatch.Facebook, downtown)
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.flow.Callback(ctx, owner, session, tokenwatch.Facebook, demotest.Consent(t, consent, "demo-owner"))
	if err != nil || res.PendingID == "" {
		t.Fatalf("callback: %+v, %v", res, err)
	}
	ch, err := e.flow.Choices(ctx, owner, session, res.PendingID)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]connect.Choice{}
	for _, c := range ch.Pages {
		byID[c.ID] = c
	}
	if !byID["fb-new"].Eligible || byID["fb-partial"].Eligible || !strings.Contains(byID["fb-partial"].Refusal, "full control") {
		t.Errorf("choices %+v", ch.Pages)
	}
	if _, err := e.flow.Finish(ctx, owner, session, res.PendingID, []string{"fb-partial"}); tokenwatch.ErrorCode(err) != tokenwatch.CodeForbidden {
		t.Errorf("connecting a page without full control: %v", err)
	}
	if _, err := e.flow.Choices(ctx, e.Users["manager@demo.test"], e.Session(t, "manager@demo.test"), res.PendingID); !tokenwatch.IsNotFound(err) {
		t.Errorf("another user reading the pending grant: %v", err)
	}
	pages, err := e.flow.Finish(ctx, owner, session, res.PendingID, []string{"fb-new"})
	if err != nil || len(pages) != 1 {
		t.Fatalf("Finish: %v, %v", pages, err)
	}
	p, err := e.Store.GetPage(ctx, pages[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "Demo Bakery Catering" || p.LocationID != downtown || p.ProviderUserID != "demo-owner" || p.ConnectedBy != owner.ID ||
		!p.AutoRefresh || !p.RefreshBeforeExpiry || p.DataAccessExpiresAt.IsZero() || p.State != tokenwatch.StateHealthy {
		t.Errorf("connected page %+v", p)
	}
	c, err := e.Store.PageCredentials(ctx, p.ID)
	if err != nil || c.AccessToken.IsZero() {
		t.Errorf("credentials: %v", err)
	}
	if _, err := e.flow.BeginConnect(ctx, e.Users["member@demo.test"], e.Session(t, "member@demo.test"), tokenwatch.Facebook, downtown); tokenwatch.ErrorCode(err) != tokenwatch.CodeForbidden {
		t.Errorf("a member connecting: %v", err)
	}
}
