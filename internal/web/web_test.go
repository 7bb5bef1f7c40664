package web_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/password"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/store/storetest"
	"github.com/tokenwatch/tokenwatch/internal/web"
)

type env struct {
	srv     *httptest.Server
	fixture *storetest.Fixture
	st      *store.Store
}

func newEnv(t *testing.T) *env { t.Helper(); return newEnvOn(t, nil, nil) }

// newEnvAt is newEnv on a clock: the store's and the web server's (nil:
// time.Now).
func newEnvAt(t *testing.T, now func() time.Time) *env { t.Helper(); return newEnvOn(t, now, nil) }

// newEnvWith is newEnv with the web server's options adjusted.
func newEnvWith(t *testing.T, adjust func(*web.Options)) *env {
	t.Helper()
	return newEnvOn(t, nil, adjust)
}

// newEnvOn is newEnv on a clock (nil: time.Now), with the web server's
// options adjusted.
func newEnvOn(t *testing.T, now func() time.Time, adjust func(*web.Options)) *env {
	t.Helper()
	st := storetest.Open(t, filepath.Join(t.TempDir(), "tw.db"), store.Options{Now: now})
	f := storetest.Seed(t, st)
	hash, _ := password.Hash("right password", bcrypt.MinCost)
	for _, u := range []int64{f.Owner.ID, f.Manager.ID, f.Member.ID, f.DowntownOnly.ID} {
		if err := st.SetPassword(t.Context(), u, hash); err != nil {
			t.Fatal(err)
		}
	}
	opts := web.Options{Policy: lifecycle.Default(), PasswordCost: bcrypt.MinCost, Now: now}
	if adjust != nil {
		adjust(&opts)
	}
	w, err := web.New(st, opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(w)
	t.Cleanup(srv.Close)
	return &env{srv: srv, fixture: f, st: st}
}

// browser is a client with cookies that does not follow redirects.
func (e *env) browser(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func get(t *testing.T, c *http.Client, u string) (int, string, http.Header) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func post(t *testing.T, c *http.Client, u string, form url.Values) (int, string, http.Header) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func (e *env) signIn(t *testing.T, email string) *http.Client {
	t.Helper()
	c := e.browser(t)
	status, body, h := post(t, c, e.srv.URL+"/login", url.Values{"email": {email}, "password": {"right password"}})
	if status != http.StatusSeeOther || h.Get("Location") != "/" {
		t.Fatalf("sign-in of %s: %d %s\n%s", email, status, h.Get("Location"), body)
	}
	return c
}

// csrfOf returns the CSRF token of the signed-in user's session, from the
// sign-out form every page has.
func csrfOf(t *testing.T, body string) string {
	t.Helper()
	token := parseHTML(t, body).One(`header form.signout[method="post"][action="/logout"] input[type="hidden"][name="csrf"]`).Attr("value")
	if token == "" {
		t.Fatal("the sign-out form has no CSRF token")
	}
	return token
}

func TestHealth(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, p := range []string{"/healthz", "/readyz"} {
		if status, _, _ := get(t, http.DefaultClient, e.srv.URL+p); status != http.StatusOK {
			t.Errorf("%s = %d", p, status)
		}
	}
}

func TestSignInShowsOnlyOwnLocations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	status, _, h := get(t, e.browser(t), e.srv.URL+"/")
	if status != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/login") {
		t.Fatalf("anonymous home: %d %s, want a redirect to /login", status, h.Get("Location"))
	}
	// Each location the user takes part in is a row of /locations with
	// their role there.
	locations := func(body string) []string {
		var out []string
		for _, row := range parseHTML(t, body).All("table.locations tr.location-row") {
			out = append(out, row.One(`td[data-label="Location"] strong`).Text()+" ("+row.One(`td[data-label="Your role"]`).Text()+")")
		}
		slices.Sort(out)
		return out
	}
	_, body, _ := get(t, e.signIn(t, "downtown@demo.test"), e.srv.URL+"/locations")
	if got, want := locations(body), []string{"Downtown (member)"}; !slices.Equal(got, want) || strings.Contains(body, "Harbor") {
		t.Errorf("downtown@ sees %q, want %q and no word of Harbor", got, want)
	}
	_, body, _ = get(t, e.signIn(t, "MEMBER@demo.test"), e.srv.URL+"/locations")
	if got, want := locations(body), []string{"Downtown (member)", "Harbor (member)"}; !slices.Equal(got, want) {
		t.Errorf("member@ sees %q, want %q", got, want)
	}
}

func TestWrongPasswordAndRateLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.browser(t)
	for i := range 5 {
		status, body, _ := post(t, c, e.srv.URL+"/login", url.Values{"email": {"member@demo.test"}, "password": {"guess"}})
		if status != http.StatusUnauthorized || loginAlert(t, body) != "The e-mail address or the password is wrong." {
			t.Fatalf("attempt %d: %d\n%s", i, status, body)
		}
		// The form keeps the address and forgets the password.
		form := parseHTML(t, body).One(`form[action="/login"]`)
		if form.One("input#email").Attr("value") != "member@demo.test" || form.One("input#password").Has("value") || strings.Contains(body, "guess") {
			t.Fatalf("attempt %d: the form does not keep the address, or echoes the password:\n%s", i, form.HTML())
		}
	}
	status, body, _ := post(t, c, e.srv.URL+"/login", url.Values{"email": {"member@demo.test"}, "password": {"right password"}})
	if status != http.StatusTooManyRequests || !strings.HasPrefix(loginAlert(t, body), "Too many failed attempts") {
		t.Errorf("sixth attempt, with the right password: %d, want 429\n%s", status, body)
	}
	// Another address from the same client still gets its chance.
	e.signIn(t, "owner@demo.test")
	// An unknown address fails like a wrong password.
	status, body, _ = post(t, c, e.srv.URL+"/login", url.Values{"email": {"nobody@demo.test"}, "password": {"x"}})
	if status != http.StatusUnauthorized || loginAlert(t, body) != "The e-mail address or the password is wrong." {
		t.Errorf("unknown address: %d", status)
	}
}

// loginAlert returns what the sign-in page announces as an alert.
func loginAlert(t *testing.T, body string) string {
	t.Helper()
	return parseHTML(t, body).One(`main p.flash[role="alert"]`).Text()
}

func TestSignOutNeedsTheFormToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.signIn(t, "manager@demo.test")
	_, body, _ := get(t, c, e.srv.URL+"/")
	csrf := csrfOf(t, body)
	if status, _, _ := post(t, c, e.srv.URL+"/logout", url.Values{"csrf": {"forged"}}); status != http.StatusForbidden {
		t.Errorf("sign-out with a forged token: %d, want 403", status)
	}
	if status, _, _ := get(t, c, e.srv.URL+"/"); status != http.StatusOK {
		t.Fatal("the forged sign-out signed out")
	}
	if status, _, _ := post(t, c, e.srv.URL+"/logout", url.Values{"csrf": {csrf}}); status != http.StatusSeeOther {
		t.Errorf("sign-out: %d", status)
	}
	if status, _, _ := get(t, c, e.srv.URL+"/"); status != http.StatusSeeOther {
		t.Error("still signed in after signing out")
	}
}

func TestCrossSiteFormsAreRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	req, _ := http.NewRequest("POST", e.srv.URL+"/login", strings.NewReader("email=member%40demo.test&password=right+password"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site sign-in: %d, want 403", resp.StatusCode)
	}
}

func TestNextStaysOnSite(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for next, want := range map[string]string{
		"/calendar": "/calendar", "/issues?location=2": "/issues?location=2", "//evil.example": "/", "https://evil.example": "/",
		"/\\evil": "/", "/\t/evil.example": "/", "/%09/evil.example": "/%09/evil.example", "/\n/evil": "/", "javascript:alert(1)": "/"} {
		c := e.browser(t)
		_, _, h := post(t, c, e.srv.URL+"/login", url.Values{"email": {"owner@demo.test"}, "password": {"right password"}, "next": {next}})
		if got := h.Get("Location"); got != want {
			t.Errorf("next=%q redirects to %q, want %q", next, got, want)
		}
	}
}

func TestSessionCookieIsProtected(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.browser(t)
	resp, err := c.PostForm(e.srv.URL+"/login", url.Values{"email": {"owner@demo.test"}, "password": {"right password"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var found bool
	for _, ck := range resp.Cookies() {
		if ck.Name == "tw_session" {
			found = true
			if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.MaxAge <= 0 || ck.MaxAge > int((24*time.Hour).Seconds()) {
				t.Errorf("session cookie %+v", ck)
			}
		}
	}
	if !found {
		t.Error("no session cookie")
	}
}

// TestLockOutNeedsTheSameClient: five wrong passwords from one client do
// not lock the person out from their own; behind a trusted proxy the client
// is the one X-Forwarded-For names.
func TestLockOutNeedsTheSameClient(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t, filepath.Join(t.TempDir(), "tw.db"), store.Options{})
	f := storetest.Seed(t, st)
	hash, _ := password.Hash("right password", bcrypt.MinCost)
	if err := st.SetPassword(t.Context(), f.Member.ID, hash); err != nil {
		t.Fatal(err)
	}
	w, err := web.New(st, web.Options{Policy: lifecycle.Default(), PasswordCost: bcrypt.MinCost,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(w)
	t.Cleanup(srv.Close)
	try := func(client, pw string) int {
		req, _ := http.NewRequest("POST", srv.URL+"/login", strings.NewReader(url.Values{"email": {"member@demo.test"}, "password": {pw}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", "203.0.113.9, "+client)
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for range 5 {
		try("198.51.100.66", "guess")
	}
	if got := try("198.51.100.66", "right password"); got != http.StatusTooManyRequests {
		t.Errorf("the guessing client: %d, want 429", got)
	}
	if got := try("198.51.100.20", "right password"); got != http.StatusSeeOther {
		t.Errorf("the person from their own client: %d, want a sign-in", got)
	}
}
