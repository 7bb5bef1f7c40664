package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/demo"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/password"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/store/storetest"
	"github.com/tokenwatch/tokenwatch/internal/web"
)

// demoNow is the moment the demo tests live in: a Wednesday afternoon.
var demoNow = time.Date(2026, 3, 11, 14, 0, 0, 0, time.UTC)

// demoEnv is the web server over the demo data of `tokenwatch demo`, on
// its own database, with the clock stopped at demoNow.
type demoEnv struct {
	srv   *httptest.Server
	st    *store.Store
	pages map[string]*tokenwatch.Page // by provider page id
	locs  map[string]int64            // location ids by name
}

// The demo's pages that need reconnecting, worst first, and the share of
// downtown@demo.test (a member of Downtown only).
var (
	demoIssues         = []string{"gbp-downtown", "fb-riverside", "pin-riverside", "ig-downtown", "li-airport", "li-riverside", "fb-airport"}
	demoDowntownIssues = []string{"gbp-downtown", "ig-downtown"}
)

func newDemo(t testing.TB) *demoEnv { t.Helper(); return newDemoWith(t, nil) }

// newDemoWith is newDemo with the web server's options adjusted.
func newDemoWith(t testing.TB, adjust func(*web.Options)) *demoEnv {
	t.Helper()
	clock := func() time.Time { return demoNow }
	st := storetest.Open(t, filepath.Join(t.TempDir(), "demo.db"), store.Options{Now: clock})
	hash, err := password.Hash(demo.Password, bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.Seed(t.Context(), st, demo.Options{Now: demoNow, PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	var logins []web.DemoLogin
	for _, u := range demo.Users {
		logins = append(logins, web.DemoLogin{Email: u.Email, Password: demo.Password, Description: u.Description})
	}
	opts := web.Options{Policy: lifecycle.Default(), PasswordCost: bcrypt.MinCost, Now: clock, Demo: true, DemoLogins: logins}
	if adjust != nil {
		adjust(&opts)
	}
	w, err := web.New(st, opts)
	if err != nil {
		t.Fatal(err)
	}
	e := &demoEnv{srv: httptest.NewServer(w), st: st, pages: map[string]*tokenwatch.Page{}, locs: map[string]int64{}}
	t.Cleanup(e.srv.Close)
	pages, err := st.ListPages(t.Context(), store.PageFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pages {
		e.pages[p.ProviderPageID] = p
	}
	accts, _ := st.ListAccounts(t.Context())
	locs, _ := st.ListLocations(t.Context(), accts[0].ID)
	for _, l := range locs {
		e.locs[l.Name] = l.ID
	}
	return e
}

// pageID returns the id of a demo page, as a string for URLs and forms.
func (e *demoEnv) pageID(providerID string) string {
	return strconv.FormatInt(e.pages[providerID].ID, 10)
}

func (e *demoEnv) locID(name string) string { return strconv.FormatInt(e.locs[name], 10) }

// signIn signs a demo user in through the sign-in form and returns the
// client (which does not follow redirects) and the CSRF token of its session.
func (e *demoEnv) signIn(t *testing.T, email string) (*http.Client, string) {
	t.Helper()
	c := (&env{}).browser(t)
	status, body, h := post(t, c, e.srv.URL+"/login", url.Values{"email": {email}, "password": {demo.Password}})
	if status != http.StatusSeeOther {
		t.Fatalf("sign-in of %s: %d\n%s", email, status, body)
	}
	_, body, _ = get(t, c, e.srv.URL+h.Get("Location"))
	return c, csrfOf(t, body)
}
