package web_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/admin"
	"github.com/tokenwatch/tokenwatch/internal/connect"
	"github.com/tokenwatch/tokenwatch/internal/connection"
	"github.com/tokenwatch/tokenwatch/internal/demo"
	"github.com/tokenwatch/tokenwatch/internal/demo/demotest"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/mail"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/tokens"
	"github.com/tokenwatch/tokenwatch/internal/web"
	"github.com/tokenwatch/tokenwatch/internal/webhook"
)

// liveEnv is the demo with its sandbox network, health checks, the
// connect flow and the account's administration wired as tokenwatch runs
// them, e-mail going to the demo's outbox.
type liveEnv struct {
	*demoEnv
	w *demotest.World
}

func newLive(t *testing.T) *liveEnv {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	w := demotest.New(t, demotest.Options{BaseURL: base})
	keeper := tokens.New(w.Store, tokens.Options{Providers: w.Providers, Policy: lifecycle.Default(), Now: w.Clock.Now})
	conn := connection.New(w.Store, connection.Options{Providers: w.Providers, Policy: lifecycle.Default(), Now: w.Clock.Now})
	flow := connect.New(w.Store, connect.Options{Providers: w.Providers, Connection: conn, BaseURL: base, Now: w.Clock.Now})
	adm := admin.New(w.Store, admin.Options{Checker: keeper, Mail: mail.Outbox{Store: w.Store}, MailFrom: "tokenwatch@demo.test",
		BaseURL: base, PasswordCost: bcrypt.MinCost, Now: w.Clock.Now, WebhookTargets: webhook.AnyAddress})
	h, err := web.New(w.Store, web.Options{Policy: lifecycle.Default(), PasswordCost: bcrypt.MinCost, Now: w.Clock.Now, Flow: flow,
		Admin: adm, Demo: true, Outbox: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	e := &demoEnv{srv: srv, st: w.Store, pages: map[string]*tokenwatch.Page{}, locs: map[string]int64{}}
	for id, p := range w.Pages {
		e.pages[id] = p
	}
	locs, _ := w.Store.ListLocations(t.Context(), w.Users["owner@demo.test"].AccountID)
	for _, l := range locs {
		e.locs[l.Name] = l.ID
	}
	return &liveEnv{demoEnv: e, w: w}
}

// signIn signs a demo user in and returns their client and CSRF token.
func (e *liveEnv) signIn(t *testing.T, email string) (*http.Client, string) {
	t.Helper()
	c := (&env{}).browser(t)
	status, body, _ := post(t, c, e.srv.URL+"/login", url.Values{"email": {email}, "password": {demo.Password}})
	if status != http.StatusSeeOther {
		t.Fatalf("sign-in of %s: %d\n%s", email, status, body)
	}
	_, body, _ = get(t, c, e.srv.URL+"/notifications")
	return c, csrfOf(t, body)
}

// The page detail says what a page's deadline is made of and what
// happened to it, and offers each viewer what they may do: a manager
// checks the page now and reads the network's classified answer; a
// member sees the same page without buttons.
func TestPageDetail(t *testing.T) {
	t.Parallel()
	e := newLive(t)
	manager, csrf := e.signIn(t, "manager@demo.test")
	member, _ := e.signIn(t, "member@demo.test")
	fb := e.w.Page(t, "fb-downtown") // healthy
	detail := "/pages/" + itoa(fb.ID)

	_, body, _ := get(t, manager, e.srv.URL+detail)
	doc := parseHTML(t, body)
	if h1 := doc.One("h1").Text(); !strings.Contains(h1, fb.Name) || !strings.Contains(h1, "Connected") {
		t.Errorf("the title: %q", h1)
	}
	facts := doc.One("dl.facts").Text()
	for _, want := range []string{"Connection deadline", "Access token", "Page admin", "Permissions held", "Role needed"} {
		if !strings.Contains(facts, want) {
			t.Errorf("the facts lack %q:\n%s", want, facts)
		}
	}
	if doc.Maybe(`form[action="`+detail+`/check"] button`) == nil || doc.Maybe(`a[href="`+detail+`/disconnect"]`) == nil {
		t.Errorf("the manager has no Check now or Disconnect:\n%s", doc.One("section.page-actions").HTML())
	}
	_, body, _ = get(t, member, e.srv.URL+detail)
	mdoc := parseHTML(t, body)
	if mdoc.Maybe(`form[action="`+detail+`/check"]`) != nil || mdoc.Maybe(`a[href="`+detail+`/disconnect"]`) != nil || mdoc.Maybe("dl.facts") == nil {
		t.Errorf("the member's page detail:\n%s", mdoc.One("main").HTML())
	}
	if status, _, _ := post(t, member, e.srv.URL+detail+"/check", url.Values{"csrf": {csrfOf(t, body)}}); status != http.StatusForbidden {
		t.Errorf("a member pressing Check now by hand: %d, want 403", status)
	}

	// Check now while the grant is fine, then once Facebook revoked it.
	status, _, h := post(t, manager, e.srv.URL+detail+"/check", url.Values{"csrf": {csrf}})
	if status != http.StatusSeeOther || h.Get("Location") != detail {
		t.Fatalf("Check now: %d to %q", status, h.Get("Location"))
	}
	_, body, _ = get(t, manager, e.srv.URL+detail)
	doc = parseHTML(t, body)
	if n := doc.One(`main p.notice[role="status"]`).Text(); !strings.Contains(n, "Facebook accepts the token") {
		t.Errorf("after Check now: %q", n)
	}
	e.w.Sandbox.RevokeUser(tokenwatch.Facebook, fb.ProviderUserID)
	post(t, manager, e.srv.URL+detail+"/check", url.Values{"csrf": {csrf}})
	_, body, _ = get(t, manager, e.srv.URL+detail)
	doc = parseHTML(t, body)
	if n := doc.One(`main p.notice[role="status"]`).Text(); !strings.Contains(n, "the grant is dead: a person must reconnect") {
		t.Errorf("after Check now on a revoked grant: %q", n)
	}
	if h1 := doc.One("h1").Text(); !strings.Contains(h1, "Access revoked") {
		t.Errorf("the title after the revocation: %q", h1)
	}
	if doc.Maybe("section.steps ol li") == nil {
		t.Error("no manual steps on a page that needs a person")
	}
	history := texts(doc.All("ol.history li"))
	if len(history) < 3 || !strings.Contains(history[0], "Check failed") || strings.Count(history[0], "revoked access") != 1 {
		t.Errorf("the history, newest first: %q", history)
	}
	var sawFail, sawOK bool
	for _, h := range history {
		sawFail = sawFail || (strings.Contains(h, "Check failed") && strings.Contains(h, "the grant is dead"))
		sawOK = sawOK || strings.Contains(h, "Checked (Check now)")
	}
	if !sawFail || !sawOK {
		t.Errorf("the history lacks the two checks: %q", history)
	}
	// The audit log has both.
	es, err := e.st.QueryAudit(t.Context(), store.AuditQuery{AccountID: e.w.Users["owner@demo.test"].AccountID})
	if err != nil || len(es) != 2 || es[0].Action != "page.checked" || es[0].ActorName != "manager@demo.test" ||
		es[0].Detail != "refused (must_reconnect): The user has revoked access to the app" || es[1].Detail != "the network accepts the token" {
		t.Errorf("audit: %+v %v", es, err)
	}
}

// Disconnecting asks first, lists the posts it holds, then holds them: the
// page detail says so and the posts stay.
func TestDisconnectHoldsPosts(t *testing.T) {
	t.Parallel()
	e := newLive(t)
	manager, csrf := e.signIn(t, "manager@demo.test")
	p := e.w.Page(t, "fb-riverside") // expired, with two posts
	detail := "/pages/" + itoa(p.ID)
	_, body, _ := get(t, manager, e.srv.URL+detail+"/disconnect")
	doc := parseHTML(t, body)
	if n := len(doc.All("ul.held-posts li")); n != 2 || doc.Maybe(`form[action="`+detail+`/disconnect"] button.danger`) == nil {
		t.Fatalf("the confirmation lists %d posts:\n%s", n, doc.One("main").HTML())
	}
	status, _, h := post(t, manager, e.srv.URL+detail+"/disconnect", url.Values{"csrf": {csrf}})
	if status != http.StatusSeeOther || h.Get("Location") != detail {
		t.Fatalf("disconnect: %d to %q", status, h.Get("Location"))
	}
	_, body, _ = get(t, manager, e.srv.URL+detail)
	doc = parseHTML(t, body)
	if h1 := doc.One("h1").Text(); !strings.Contains(h1, "Disconnected") {
		t.Errorf("after disconnecting: %q", h1)
	}
	if got := texts(doc.All("table.posts tbody td[data-label='Status here']")); len(got) != 2 || got[0] != "Held" || got[1] != "Held" {
		t.Errorf("the page's posts after disconnecting: %q", got)
	}
	if doc.Maybe(`a[href="`+detail+`/disconnect"]`) != nil || doc.Maybe(`form[action="`+detail+`/reconnect"]`) == nil {
		t.Errorf("a disconnected page offers Disconnect or no Reconnect:\n%s", doc.One("section.page-actions").HTML())
	}
	if got := texts(doc.All("ol.history li strong")); len(got) == 0 || got[0] != "Disconnected" {
		t.Errorf("history: %q", got)
	}
	// A disconnected page is an issue: it is listed, and nobody is alerted.
	_, body, _ = get(t, manager, e.srv.URL+"/issues?state=disconnected")
	if got := attrs(parseHTML(t, body).All("tr.issue"), "data-page"); len(got) != 1 || got[0] != itoa(p.ID) {
		t.Errorf("/issues?state=disconnected lists %q", got)
	}
}

// inviteLink reads the invitation link of the latest e-mail to an address
// from the demo's outbox.
func (e *liveEnv) inviteLink(t *testing.T, to string) string {
	t.Helper()
	mails, err := e.st.ListOutboxMail(t.Context(), to, 0, 1)
	if err != nil || len(mails) != 1 {
		t.Fatalf("no e-mail to %s: %v", to, err)
	}
	i := strings.Index(mails[0].Text, e.srv.URL+"/invitations/")
	if i < 0 {
		t.Fatalf("no invitation link in:\n%s", mails[0].Text)
	}
	return strings.Fields(mails[0].Text[i:])[0]
}

// An owner adds a location, invites someone who accepts from the e-mail
// and signs in, changes their role, then removes them: their session ends.
// Each step is in the audit log.
func TestOwnerRunsPeople(t *testing.T) {
	t.Parallel()
	e := newLive(t)
	owner, csrf := e.signIn(t, "owner@demo.test")
	status, _, h := post(t, owner, e.srv.URL+"/locations", url.Values{"csrf": {csrf}, "name": {"Harbour"}, "time_zone": {"Mars/Olympus"}})
	if status != http.StatusBadRequest {
		t.Errorf("a location with a made-up time zone: %d %s", status, h.Get("Location"))
	}
	status, _, h = post(t, owner, e.srv.URL+"/locations", url.Values{"csrf": {csrf}, "name": {"Harbour"}, "time_zone": {"Europe/Lisbon"}})
	if status != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/locations/") {
		t.Fatalf("add a location: %d %s", status, h.Get("Location"))
	}
	loc := h.Get("Location")
	locID := strings.TrimPrefix(loc, "/locations/")
	status, _, _ = post(t, owner, e.srv.URL+"/people/invite", url.Values{"csrf": {csrf}, "email": {"new@example.com"}, "location": {locID}, "role": {"manager"}, "return_to": {loc}})
	if status != http.StatusSeeOther {
		t.Fatalf("invite: %d", status)
	}
	link := e.inviteLink(t, "new@example.com")
	fresh := (&env{}).browser(t)
	_, body, _ := get(t, fresh, link)
	if d := parseHTML(t, body); !strings.Contains(d.One("main").Text(), "manager at Harbour") {
		t.Fatalf("the invitation page:\n%s", body)
	}
	if status, _, _ := post(t, fresh, link, url.Values{"name": {"Nina New"}, "password": {"long enough!"}, "password2": {"not the same"}}); status != http.StatusBadRequest {
		t.Errorf("differing passwords: %d", status)
	}
	status, _, h = post(t, fresh, link, url.Values{"name": {"Nina New"}, "password": {"long enough!"}, "password2": {"long enough!"}})
	if status != http.StatusSeeOther || h.Get("Location") != "/" {
		t.Fatalf("accept: %d to %q", status, h.Get("Location"))
	}
	_, body, _ = get(t, fresh, e.srv.URL+loc)
	if d := parseHTML(t, body); d.One("h1").Text() != "Harbour" || d.Maybe(`form[action="/people/invite"]`) == nil {
		t.Errorf("the new manager's location page:\n%s", d.One("main").HTML())
	}
	if status, _, _ := get(t, (&env{}).browser(t), link); status != http.StatusNotFound {
		t.Errorf("the invitation link used again: %d, want 404", status)
	}

	// The owner makes her a member, then removes her.
	var ninaID string
	_, body, _ = get(t, owner, e.srv.URL+loc)
	for _, row := range parseHTML(t, body).All("table.participants tr[data-user]") {
		if row.One(`td[data-label="E-mail"]`).Text() == "new@example.com" {
			ninaID = row.Attr("data-user")
		}
	}
	if ninaID == "" {
		t.Fatal("Nina is not among Harbour's people")
	}
	if status, _, _ := post(t, owner, e.srv.URL+loc+"/roles", url.Values{"csrf": {csrf}, "user": {ninaID}, "role": {"member"}}); status != http.StatusSeeOther {
		t.Fatalf("change role: %d", status)
	}
	_, body, _ = get(t, fresh, e.srv.URL+loc)
	if d := parseHTML(t, body); d.Maybe(`form[action="/people/invite"]`) != nil || d.Maybe("dl.facts") == nil {
		t.Errorf("as a member, Nina still manages Harbour:\n%s", d.One("main").HTML())
	}
	if status, _, _ := post(t, owner, e.srv.URL+"/people/"+ninaID+"/remove", url.Values{"csrf": {csrf}}); status != http.StatusSeeOther {
		t.Fatalf("remove: %d", status)
	}
	if status, _, h := get(t, fresh, e.srv.URL+"/"); status != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/login") {
		t.Errorf("Nina's session after her removal: %d %s", status, h.Get("Location"))
	}
	_, body, _ = get(t, owner, e.srv.URL+"/audit")
	var got []string
	for _, row := range parseHTML(t, body).All("table.audit tbody tr") {
		got = append(got, row.One(`td[data-label="Who"]`).Text()+" "+row.Attr("data-action")+" "+row.One(`td[data-label="About"]`).Text())
	}
	want := []string{
		"owner@demo.test person.removed new@example.com",
		"owner@demo.test person.role_changed new@example.com",
		"new@example.com person.joined new@example.com",
		"owner@demo.test person.invited new@example.com",
		"owner@demo.test location.created Harbour",
	}
	if !slices.Equal(got, want) {
		t.Errorf("the audit log:\n%q\nwant\n%q", got, want)
	}
	// Members and managers do not read it.
	manager, _ := e.signIn(t, "manager@demo.test")
	if status, _, _ := get(t, manager, e.srv.URL+"/audit"); status != http.StatusForbidden {
		t.Errorf("a manager reading the audit log: %d", status)
	}
}

func storeAuditOf(accountID int64) store.AuditQuery { return store.AuditQuery{AccountID: accountID} }

// A person changes their name and password at /me; the password change
// ends their other sessions, not this one; a wrong current password is
// refused and changes nothing.
func TestMe(t *testing.T) {
	t.Parallel()
	e := newDemo(t)
	laptop, csrf := e.signIn(t, "member@demo.test")
	phone, _ := e.signIn(t, "member@demo.test")
	_, body, _ := get(t, laptop, e.srv.URL+"/me")
	if got := parseHTML(t, body).One(`section[aria-labelledby="sessions-title"] p`).Text(); got != "You are signed in in 2 places, this one included." {
		t.Errorf("sessions: %q", got)
	}
	if parseHTML(t, body).Maybe(`a[href="/me/notifications"]`) == nil {
		t.Error("/me does not lead to the notification settings")
	}
	if status, _, _ := post(t, laptop, e.srv.URL+"/me/name", url.Values{"csrf": {csrf}, "name": {"  "}}); status != http.StatusBadRequest {
		t.Errorf("an empty name: %d", status)
	}
	post(t, laptop, e.srv.URL+"/me/name", url.Values{"csrf": {csrf}, "name": {"Mia Member"}})
	status, body, _ := post(t, laptop, e.srv.URL+"/me/password", url.Values{"csrf": {csrf}, "current": {"wrong"}, "password": {"a new password"}, "password2": {"a new password"}})
	if status != http.StatusBadRequest || parseHTML(t, body).One("#pw-error").Text() != "Your current password is not that." {
		t.Errorf("a wrong current password: %d", status)
	}
	if status, _, _ := get(t, phone, e.srv.URL+"/"); status != http.StatusOK {
		t.Fatal("the phone was signed out by a refused change")
	}
	status, _, _ = post(t, laptop, e.srv.URL+"/me/password", url.Values{"csrf": {csrf}, "current": {demo.Password}, "password": {"a new password"}, "password2": {"a new password"}})
	if status != http.StatusSeeOther {
		t.Fatalf("change password: %d", status)
	}
	if status, _, _ := get(t, phone, e.srv.URL+"/"); status != http.StatusSeeOther {
		t.Error("the phone is still signed in after the password change")
	}
	_, body, _ = get(t, laptop, e.srv.URL+"/me")
	if doc := parseHTML(t, body); doc.One("#me-name").Attr("value") != "Mia Member" || doc.One("header .who").Text() != "Mia Member" {
		t.Errorf("the name after the change: %q", doc.One("#me-name").Attr("value"))
	}
	c := (&env{}).browser(t)
	if status, _, _ := post(t, c, e.srv.URL+"/login", url.Values{"email": {"member@demo.test"}, "password": {"a new password"}}); status != http.StatusSeeOther {
		t.Errorf("signing in with the new password: %d", status)
	}
}

// An owner sets the alert thresholds (a bad list is refused, saying why,
// and kept in the form), adds a webhook endpoint whose secret is shown
// once and sends it a signed test event, and creates and revokes an API
// key shown once.
func TestSettings(t *testing.T) {
	t.Parallel()
	e := newLive(t)
	owner, csrf := e.signIn(t, "owner@demo.test")
	status, body, _ := post(t, owner, e.srv.URL+"/settings/thresholds", url.Values{"csrf": {csrf}, "thresholds": {"10x, 3d"}})
	if doc := parseHTML(t, body); status != http.StatusBadRequest || doc.One("#thresholds").Attr("value") != "10x, 3d" ||
		!strings.Contains(doc.One("#thresholds-error").Text(), "10x") {
		t.Errorf("a bad threshold: %d", status)
	}
	if status, _, _ := post(t, owner, e.srv.URL+"/settings/thresholds", url.Values{"csrf": {csrf}, "thresholds": {"2d 14d"}}); status != http.StatusSeeOther {
		t.Fatalf("thresholds: %d", status)
	}
	acct, _ := e.st.GetAccount(t.Context(), e.w.Users["owner@demo.test"].AccountID)
	if got := admin.FormatThresholds(acct.AlertThresholds); got != "14d, 2d" {
		t.Errorf("stored thresholds %q, want 14d, 2d", got)
	}

	var (
		received = make(chan http.Header, 1)
		bodies   = make(chan []byte, 1)
	)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		received <- r.Header.Clone()
		bodies <- b
	}))
	t.Cleanup(receiver.Close)
	status, body, h := post(t, owner, e.srv.URL+"/settings/webhooks", url.Values{"csrf": {csrf}, "url": {receiver.URL + "/hook"}})
	doc := parseHTML(t, body)
	secret := doc.One("code.secret-value").Text()
	if status != http.StatusOK || !strings.HasPrefix(secret, "whsec_") || h.Get("Cache-Control") != "no-store" {
		t.Fatalf("add webhook: %d, secret %q, cache %q", status, secret, h.Get("Cache-Control"))
	}
	_, body, _ = get(t, owner, e.srv.URL+"/settings")
	if strings.Contains(body, secret) {
		t.Error("the signing secret is shown again")
	}
	epID := parseHTML(t, body).One("div.endpoint").Attr("data-endpoint")
	if status, _, _ := post(t, owner, e.srv.URL+"/settings/webhooks/"+epID+"/test", url.Values{"csrf": {csrf}}); status != http.StatusSeeOther {
		t.Fatalf("test event: %d", status)
	}
	hdr, b := <-received, <-bodies
	if hdr.Get("Tokenwatch-Event") != "ping" || webhook.Verify(tokenwatch.NewSecret(secret), hdr, b, time.Now(), 5*time.Minute) != nil {
		t.Errorf("the test event: %v %s", hdr, b)
	}
	_, body, _ = get(t, owner, e.srv.URL+"/settings")
	if n := parseHTML(t, body).One(`main p.notice`).Text(); n != "The test event was delivered." {
		t.Errorf("after the test event: %q", n)
	}

	status, body, _ = post(t, owner, e.srv.URL+"/settings/keys", url.Values{"csrf": {csrf}, "name": {"Publisher"}, "scope": {"read", "tokens"}})
	key := parseHTML(t, body).One("code.secret-value").Text()
	if status != http.StatusOK || key == "" {
		t.Fatalf("create key: %d", status)
	}
	if k, err := e.st.AuthenticateAPIKey(t.Context(), key); err != nil || k.Name != "Publisher" || strings.Join(k.Scopes, " ") != "read tokens" {
		t.Fatalf("the new key does not authenticate: %v", err)
	}
	_, body, _ = get(t, owner, e.srv.URL+"/settings")
	row := parseHTML(t, body).One("table.keys tr[data-key]")
	if status, _, _ := post(t, owner, e.srv.URL+"/settings/keys/"+row.Attr("data-key")+"/revoke", url.Values{"csrf": {csrf}}); status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", status)
	}
	if _, err := e.st.AuthenticateAPIKey(t.Context(), key); err == nil {
		t.Error("the revoked key still authenticates")
	}
	// Return URLs: a plain-http one elsewhere than loopback is refused and
	// kept in the form; https ones are saved.
	status, body, _ = post(t, owner, e.srv.URL+"/settings/return-urls", url.Values{"csrf": {csrf}, "return_urls": {"https://platform.example/tw\nftp://nope.example/"}})
	if doc := parseHTML(t, body); status != http.StatusBadRequest || !strings.Contains(doc.One("#return-error").Text(), "ftp://nope.example/") {
		t.Errorf("a bad return URL: %d", status)
	}
	if status, _, _ := post(t, owner, e.srv.URL+"/settings/return-urls", url.Values{"csrf": {csrf}, "return_urls": {"https://platform.example/tw\n"}}); status != http.StatusSeeOther {
		t.Errorf("return URLs: %d", status)
	}
	if urls, _ := e.st.ReturnURLs(t.Context(), acct.ID); len(urls) != 1 || urls[0] != "https://platform.example/tw" {
		t.Errorf("stored return URLs: %q", urls)
	}
	es, _ := e.st.QueryAudit(t.Context(), store.AuditQuery{AccountID: acct.ID, Action: "settings."})
	var got []string
	for _, en := range es {
		got = append(got, en.Action)
		if strings.Contains(en.Detail, key) || strings.Contains(en.Detail, secret) || strings.Contains(en.Subject, secret) {
			t.Errorf("the audit log holds a secret: %+v", en)
		}
	}
	if want := []string{"settings.return_urls", "settings.api_key_revoked", "settings.api_key_created", "settings.webhook_tested", "settings.webhook_added", "settings.thresholds"}; !slices.Equal(got, want) {
		t.Errorf("audit %q, want %q", got, want)
	}
}
