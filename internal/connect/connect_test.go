package connect_test

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/access"
	"github.com/tokenwatch/tokenwatch/internal/connect"
	"github.com/tokenwatch/tokenwatch/internal/connection"
	"github.com/tokenwatch/tokenwatch/internal/demo/demotest"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/sandbox"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

type env struct {
	*demotest.World
	flow    *connect.Flow
	renewed *renewals
}

// renewals records what the connection service told its renewers.
type renewals struct {
	mu  sync.Mutex
	ids []int64
}

func (r *renewals) Renewed(_ context.Context, p *tokenwatch.Page) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ids = append(r.ids, p.ID)
	return nil
}

func (r *renewals) list() []int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.ids)
}

func newEnv(t *testing.T) *env {
	e := &env{World: demotest.New(t, demotest.Options{}), renewed: &renewals{}}
	conn := connection.New(e.Store, connection.Options{Providers: e.Providers, Policy: lifecycle.Default(), Now: e.Clock.Now,
		Renewers: []connection.Renewer{e.renewed}})
	e.flow = connect.New(e.Store, connect.Options{Providers: e.Providers, Connection: conn, BaseURL: demotest.BaseURL, Now: e.Clock.Now})
	return e
}

func (e *env) begin(t *testing.T, email, page string) (string, error) {
	t.Helper()
	return e.flow.BeginReconnect(context.Background(), connect.User(e.Users[email]), e.Session(t, email), connect.Reconnect{PageID: e.Pages[page].ID})
}

// reconnect plays a reconnect: the user starts it, consents at the
// network as account, and the network calls back.
func (e *env) reconnect(t *testing.T, email, page, account string) (*connect.Result, error) {
	t.Helper()
	ctx := context.Background()
	session := e.Session(t, email)
	consent, err := e.flow.BeginReconnect(ctx, connect.User(e.Users[email]), session, connect.Reconnect{PageID: e.Pages[page].ID})
	if err != nil {
		return nil, err
	}
	q := demotest.Consent(t, consent, account)
	return e.flow.Callback(ctx, session, e.Pages[page].Provider, q)
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
	if len(res.Renewed) == 0 || res.Renewed[0].ID != before.ID {
		t.Fatalf("result %+v", res)
	}
	if after.Generation != before.Generation+1 || after.State != tokenwatch.StateHealthy || !after.AccessExpiresAt.After(before.AccessExpiresAt) ||
		after.ConnectedBy != e.Users["manager@demo.test"].ID {
		t.Errorf("after reconnecting: generation %d→%d, state %s, expiry %v→%v", before.Generation, after.Generation, after.State,
			before.AccessExpiresAt, after.AccessExpiresAt)
	}
	if got := e.renewed.list(); len(got) == 0 || got[0] != before.ID {
		t.Errorf("the renewers were told %v", got)
	}
}

func TestReconnectUsesPKCEWhereTheNetworkHasIt(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for page, pkce := range map[string]bool{"x-downtown": true, "gbp-downtown": true, "fb-downtown": false} {
		u, _ := url.Parse(must(e.begin(t, "owner@demo.test", page)))
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
	if f := failure(t, err); !strings.Contains(f.Message, "has no role on") || !strings.Contains(f.Message, "full control") {
		t.Errorf("no role at all: %q", f.Message)
	}
}

func TestWhoMayReconnect(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, err := e.begin(t, "member@demo.test", "li-riverside")
	if tokenwatch.ErrorCode(err) != tokenwatch.CodeForbidden {
		t.Errorf("a member starting a reconnect: %v, want forbidden", err)
	}
	_, err = e.begin(t, "downtown@demo.test", "li-riverside")
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
	mgr, session := connect.User(e.Users["manager@demo.test"]), e.Session(t, "manager@demo.test")
	page := e.Pages["li-riverside"]
	start := func() url.Values {
		return demotest.Consent(t, must(e.flow.BeginReconnect(ctx, mgr, session, connect.Reconnect{PageID: page.ID})), page.ProviderUserID)
	}
	refused := func(name string, err error, want string) {
		t.Helper()
		if f := failure(t, err); !strings.Contains(f.Message, want) {
			t.Errorf("%s: %q", name, f.Message)
		}
	}

	q := start()
	if _, err := e.flow.Callback(ctx, session, tokenwatch.LinkedIn, q); err != nil {
		t.Fatal(err)
	}
	_, err := e.flow.Callback(ctx, session, tokenwatch.LinkedIn, q)
	refused("replayed", err, "used already")

	forged := start()
	forged.Set("state", "forged-"+forged.Get("state"))
	_, err = e.flow.Callback(ctx, session, tokenwatch.LinkedIn, forged)
	refused("forged", err, "not started here")

	_, err = e.flow.Callback(ctx, e.Session(t, "manager@demo.test"), tokenwatch.LinkedIn, start())
	refused("another browser session", err, "not started here")

	_, err = e.flow.Callback(ctx, session, tokenwatch.Facebook, start())
	refused("another network's callback", err, "not started here")

	late := start()
	e.Clock.Advance(10*time.Minute + time.Second)
	_, err = e.flow.Callback(ctx, session, tokenwatch.LinkedIn, late)
	refused("expired", err, "expired")

	u := demotest.Consent(t, must(e.flow.BeginReconnect(ctx, mgr, session, connect.Reconnect{PageID: page.ID})), "")
	_, err = e.flow.Callback(ctx, session, tokenwatch.LinkedIn, u)
	refused("cancelled", err, "You cancelled")
}

func TestConnectNewPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	owner, session := connect.User(e.Users["owner@demo.test"]), e.Session(t, "owner@demo.test")
	e.Sandbox.AddPage(tokenwatch.Facebook, sandbox.Page{ID: "fb-new", Name: "Demo Bakery Catering"})
	e.Sandbox.AddPage(tokenwatch.Facebook, sandbox.Page{ID: "fb-partial", Name: "Demo Bakery Fans"})
	e.Sandbox.SetRole(tokenwatch.Facebook, "fb-new", "demo-owner", "MANAGE")
	e.Sandbox.SetRole(tokenwatch.Facebook, "fb-partial", "demo-owner", "CREATE_CONTENT")
	downtown := e.Pages["fb-downtown"].LocationID

	consent, err := e.flow.BeginConnect(ctx, owner, session, tokenwatch.Facebook, downtown, "")
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.flow.Callback(ctx, session, tokenwatch.Facebook, demotest.Consent(t, consent, "demo-owner"))
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
	if _, err := e.flow.Choices(ctx, connect.User(e.Users["manager@demo.test"]), e.Session(t, "manager@demo.test"), res.PendingID); !tokenwatch.IsNotFound(err) {
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
	if _, err := e.flow.BeginConnect(ctx, connect.User(e.Users["member@demo.test"]), e.Session(t, "member@demo.test"), tokenwatch.Facebook, downtown, ""); tokenwatch.ErrorCode(err) != tokenwatch.CodeForbidden {
		t.Errorf("a member connecting: %v", err)
	}
}

// A person without an account answers a reconnect link: the same flow as a
// participant's, run by the request, bound to their browser's flow cookie.
// The link renews its one page once; it is spent afterwards; it knows no
// other page.
func TestReconnectThroughALink(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	li := e.Page(t, "li-riverside")
	req := &store.ReconnectRequest{AccountID: li.AccountID, PageID: li.ID, RequestedBy: e.Users["member@demo.test"].ID,
		Recipient: "franchisee@example.com", ExpiresAt: e.Clock.Now().Add(7 * 24 * time.Hour)}
	if _, err := e.Store.CreateReconnectRequest(ctx, req); err != nil {
		t.Fatal(err)
	}
	actor := connect.Actor{Kind: access.KindRequest, ID: req.ID}
	const browser = "flow-cookie-of-the-franchisee-0123456789"
	if _, err := e.flow.BeginReconnect(ctx, actor, browser, connect.Reconnect{PageID: e.Pages["li-airport"].ID}); !tokenwatch.IsNotFound(err) {
		t.Errorf("the link reconnecting another page: %v, want not found", err)
	}
	consent, err := e.flow.BeginReconnect(ctx, actor, browser, connect.Reconnect{PageID: li.ID})
	if err != nil {
		t.Fatal(err)
	}
	q := demotest.Consent(t, consent, li.ProviderUserID)
	if _, err := e.flow.Callback(ctx, "another-browser-0123456789", tokenwatch.LinkedIn, q); err == nil {
		t.Fatal("the answer was taken in another browser")
	}
	consent, _ = e.flow.BeginReconnect(ctx, actor, browser, connect.Reconnect{PageID: li.ID})
	res, err := e.flow.Callback(ctx, browser, tokenwatch.LinkedIn, demotest.Consent(t, consent, li.ProviderUserID))
	if err != nil {
		t.Fatal(err)
	}
	after := e.Page(t, "li-riverside")
	if len(res.Renewed) != 1 || after.Generation != li.Generation+1 || after.State != tokenwatch.StateHealthy || after.ConnectedBy != li.ConnectedBy {
		t.Errorf("renewed %+v; page generation %d→%d, state %s, page admin %d→%d", res.Renewed, li.Generation, after.Generation, after.State,
			li.ConnectedBy, after.ConnectedBy)
	}
	// The audit log says who reconnected it: the link's recipient.
	if es, err := e.Store.QueryAudit(ctx, store.AuditQuery{AccountID: li.AccountID, Action: "page.reconnected"}); err != nil || len(es) != 1 ||
		es[0].ActorKind != "request" || es[0].ActorName != "franchisee@example.com, through a reconnect link" || es[0].PageID != li.ID {
		t.Errorf("audit after the reconnect: %+v %v", es, err)
	}
	got, _ := e.Store.GetReconnectRequest(ctx, req.ID)
	if got.UsedAt.IsZero() || got.Outcome != "Renewed 1 page" {
		t.Errorf("request after use: %+v", got)
	}
	if _, err := e.flow.BeginReconnect(ctx, actor, browser, connect.Reconnect{PageID: li.ID}); tokenwatch.ErrorCode(err) != tokenwatch.CodeForbidden ||
		!strings.Contains(tokenwatch.ErrorMessage(err), "has been used") {
		t.Errorf("the link opened again: %v", err)
	}
}

// A link whose requester allowed any network account: another account is
// accepted only with the role the page needs, and one without it is told
// which role.
func TestReconnectLinkNeedsTheRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	li := e.Page(t, "li-airport")
	req := &store.ReconnectRequest{AccountID: li.AccountID, PageID: li.ID, Recipient: "it@example.com", AnyAccount: true,
		ExpiresAt: e.Clock.Now().Add(7 * 24 * time.Hour)}
	if _, err := e.Store.CreateReconnectRequest(ctx, req); err != nil {
		t.Fatal(err)
	}
	actor := connect.Actor{Kind: access.KindRequest, ID: req.ID}
	consent, err := e.flow.BeginReconnect(ctx, actor, "browser-0123456789", connect.Reconnect{PageID: li.ID})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.flow.Callback(ctx, "browser-0123456789", tokenwatch.LinkedIn, demotest.Consent(t, consent, "demo-member"))
	if f := failure(t, err); !strings.Contains(f.Message, "has no role") || !strings.Contains(f.Message, "Super Admin") {
		t.Errorf("a consent without the role: %q", f.Message)
	}
	if got, _ := e.Store.GetReconnectRequest(ctx, req.ID); !got.UsedAt.IsZero() || !strings.Contains(got.Outcome, "Super Admin") {
		t.Errorf("a refused consent spent the link or left no outcome: %+v", got)
	}
	e.Sandbox.SetRole(tokenwatch.LinkedIn, "li-airport", "demo-member", "ADMINISTRATOR")
	consent, _ = e.flow.BeginReconnect(ctx, actor, "browser-0123456789", connect.Reconnect{PageID: li.ID})
	res, err := e.flow.Callback(ctx, "browser-0123456789", tokenwatch.LinkedIn, demotest.Consent(t, consent, "demo-member"))
	if err != nil {
		t.Fatal(err)
	}
	if after := e.Page(t, "li-airport"); len(res.Renewed) != 1 || after.ProviderUserID != "demo-member" || after.State != tokenwatch.StateHealthy {
		t.Errorf("after a consent by another Super Admin: %+v", after)
	}
}

// One consent renews every page it can: reconnecting the expired Riverside
// Facebook page as the manager's Facebook account also renews the expiring
// Airport page that account connected, and leaves the healthy Downtown one
// alone.
func TestOneConsentRenewsTheAccountsOtherPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	before := map[string]*tokenwatch.Page{}
	for _, id := range []string{"fb-riverside", "fb-airport", "fb-downtown"} {
		before[id] = e.Page(t, id)
	}
	res, err := e.reconnect(t, "manager@demo.test", "fb-riverside", before["fb-riverside"].ProviderUserID)
	if err != nil {
		t.Fatal(err)
	}
	var renewed []string
	for _, p := range res.Renewed {
		renewed = append(renewed, p.ProviderPageID)
	}
	if !slices.Equal(renewed, []string{"fb-riverside", "fb-airport"}) || len(res.NotFixed) != 0 {
		t.Errorf("renewed %v, not fixed %+v; want fb-riverside then fb-airport", renewed, res.NotFixed)
	}
	for id, want := range map[string]int64{"fb-riverside": 1, "fb-airport": 1, "fb-downtown": 0} {
		after := e.Page(t, id)
		if after.Generation != before[id].Generation+want || (want == 1 && after.State != tokenwatch.StateHealthy) {
			t.Errorf("%s: generation %d→%d, state %s", id, before[id].Generation, after.Generation, after.State)
		}
	}
	if got := e.renewed.list(); len(got) != 2 {
		t.Errorf("renewers told of %v, want both pages", got)
	}
	if es, _ := e.Store.QueryAudit(context.Background(), store.AuditQuery{AccountID: before["fb-riverside"].AccountID, Action: "page.reconnected"}); len(es) != 2 ||
		es[0].ActorName != "manager@demo.test" || es[0].ActorKind != "user" {
		t.Errorf("the audit log has %+v, want both reconnects by the manager", es)
	}
}

// failedCalls records what the flow told the service monitor.
type failedCalls struct {
	mu   sync.Mutex
	errs []error
}

func (f *failedCalls) Failed(_ context.Context, _ tokenwatch.Provider, _ string, err error) {
	f.mu.Lock()
	f.errs = append(f.errs, err)
	f.mu.Unlock()
}
func (f *failedCalls) Succeeded(context.Context, tokenwatch.Provider, string) {}

// LinkedIn refusing tokenwatch's app at its consent screen (the app lacks
// the product of a scope) is a service problem: the person is told it is
// not their doing, and the monitor hears of it.
func TestConsentScreenRefusingTheApp(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	monitor := &failedCalls{}
	conn := connection.New(e.Store, connection.Options{Providers: e.Providers, Policy: lifecycle.Default(), Now: e.Clock.Now})
	flow := connect.New(e.Store, connect.Options{Providers: e.Providers, Connection: conn, BaseURL: demotest.BaseURL, Now: e.Clock.Now, Status: monitor})
	ctx := context.Background()
	session := e.Session(t, "manager@demo.test")
	consent, err := flow.BeginReconnect(ctx, connect.User(e.Users["manager@demo.test"]), session, connect.Reconnect{PageID: e.Pages["li-riverside"].ID})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(consent)
	q := url.Values{"state": {u.Query().Get("state")}, "error": {"unauthorized_scope_error"},
		"error_description": {"Scope \"rw_organization_admin\" is not authorized for your application"}}
	_, err = flow.Callback(ctx, session, tokenwatch.LinkedIn, q)
	if f := failure(t, err); !strings.Contains(f.Message, "not a problem of your page") {
		t.Errorf("message %q", f.Message)
	}
	monitor.mu.Lock()
	defer monitor.mu.Unlock()
	if len(monitor.errs) != 1 || provider.ClassOf(monitor.errs[0]) != tokenwatch.ClassService {
		t.Errorf("the monitor heard %v", monitor.errs)
	}
}
