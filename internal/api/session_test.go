package api_test

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/api/apiclient"
	"github.com/tokenwatch/tokenwatch/internal/demo/demotest"
	"github.com/tokenwatch/tokenwatch/internal/sandbox"
)

// platform is the platform's own site, where sessions return: it notes
// the queries it was sent back with.
func platform(t *testing.T) (*httptest.Server, chan url.Values) {
	back := make(chan url.Values, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		back <- r.URL.Query()
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<h1>Back at the platform: " + r.URL.Query().Get("outcome") + "</h1>"))
	}))
	t.Cleanup(srv.Close)
	return srv, back
}

// allowReturn lets the account's sessions return to the platform.
func (e *env) allowReturn(t *testing.T, base string) {
	t.Helper()
	res, err := e.c["all"].UpdateSettingsWithResponse(context.Background(), apiclient.SettingsPatch{ReturnUrls: &[]string{base + "/tokenwatch"}})
	if err != nil || res.JSON200 == nil {
		t.Fatalf("return URLs: %v %s", err, res.Body)
	}
}

// follow plays a browser through a session's URL with a cookie jar, up to
// the network's consent screen; consent as account; then back through
// tokenwatch's callback: it returns where tokenwatch sent the browser.
func follow(t *testing.T, sessionURL, account string) *url.URL {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	b := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := b.Get(sessionURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	consent, err := resp.Location()
	if resp.StatusCode != http.StatusSeeOther || err != nil {
		t.Fatalf("the session's URL answered %d %v", resp.StatusCode, err)
	}
	q := demotest.Consent(t, consent.String(), account)
	redirect, _ := url.Parse(consent.Query().Get("redirect_uri"))
	redirect.RawQuery = q.Encode()
	resp, err = b.Get(redirect.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, err := resp.Location()
	if resp.StatusCode != http.StatusSeeOther || err != nil {
		t.Fatalf("the callback answered %d %v", resp.StatusCode, err)
	}
	return back
}

// TestReconnectSessionHTTP runs a reconnect session as a browser would
// (cookie jar, the sandbox's consent screen): the page is renewed, the
// browser lands on the platform's return URL with the outcome, the session
// says the same, and its URL works once.
func TestReconnectSessionHTTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	plat, _ := platform(t)
	e.allowReturn(t, plat.URL)
	li := e.w.Pages["li-riverside"] // expiring in 8 days
	s, err := e.c["write"].CreateReconnectSessionWithResponse(ctx, li.ID, nil, apiclient.ReconnectSessionInput{ReturnUrl: plat.URL + "/tokenwatch/done?user=7"})
	if err != nil || s.JSON201 == nil || s.JSON201.Url == nil || s.JSON201.Status != apiclient.SessionStatusOpen {
		t.Fatalf("session: %v %s", err, s.Body)
	}
	back := follow(t, *s.JSON201.Url, li.ProviderUserID)
	q := back.Query()
	if !strings.HasPrefix(back.String(), plat.URL+"/tokenwatch/done?") || q.Get("user") != "7" || q.Get("outcome") != "done" ||
		q.Get("pages") != itoa(li.ID) || q.Get("tokenwatch_session") != itoa(s.JSON201.Id) {
		t.Fatalf("back at %s", back)
	}
	if p := e.w.Page(t, "li-riverside"); p.Generation != li.Generation+1 || p.State != tokenwatch.StateHealthy {
		t.Errorf("the page is %s, generation %d", p.State, p.Generation)
	}
	got, _ := e.c["read"].GetSessionWithResponse(ctx, s.JSON201.Id)
	if got.JSON200 == nil || got.JSON200.Status != apiclient.SessionStatusDone || got.JSON200.PageIds == nil || (*got.JSON200.PageIds)[0] != li.ID ||
		got.JSON200.Url != nil {
		t.Errorf("the session afterwards: %s", got.Body)
	}
	// Single use: the URL is spent.
	again, _ := e.noRedirect.StartSessionWithResponse(ctx, strings.TrimPrefix(*s.JSON201.Url, e.url+"/api/v1/session-start/"))
	if again.StatusCode() != http.StatusNotFound {
		t.Errorf("the session's URL a second time: %d %s", again.StatusCode(), again.Body)
	}

	// The wrong network account is refused, and the platform told.
	air := e.w.Pages["fb-airport"] // connected by the manager's Facebook account
	s2, _ := e.c["write"].CreateReconnectSessionWithResponse(ctx, air.ID, nil, apiclient.ReconnectSessionInput{ReturnUrl: plat.URL + "/tokenwatch"})
	back = follow(t, *s2.JSON201.Url, "demo-owner")
	if back.Query().Get("outcome") != "failed" || !strings.Contains(back.Query().Get("message"), "Marco Manager") {
		t.Errorf("the wrong account: back at %s", back)
	}
	if p := e.w.Page(t, "fb-airport"); p.Generation != air.Generation {
		t.Error("the wrong account renewed the page")
	}

	// An expired session's URL sends the browser back saying so.
	s3, _ := e.c["write"].CreateReconnectSessionWithResponse(ctx, air.ID, nil, apiclient.ReconnectSessionInput{ReturnUrl: plat.URL + "/tokenwatch"})
	e.w.Clock.Advance(16 * time.Minute)
	exp, _ := e.noRedirect.StartSessionWithResponse(ctx, strings.TrimPrefix(*s3.JSON201.Url, e.url+"/api/v1/session-start/"))
	if loc := exp.HTTPResponse.Header.Get("Location"); exp.StatusCode() != http.StatusSeeOther || !strings.Contains(loc, "outcome=expired") {
		t.Errorf("an expired session: %d %s", exp.StatusCode(), loc)
	}
}

// TestConnectSessionHTTP connects a new page to a location through a
// connect session: the eligible page named is connected, the browser goes
// back with its id.
func TestConnectSessionHTTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	plat, _ := platform(t)
	e.allowReturn(t, plat.URL)
	e.w.Sandbox.AddPage(tokenwatch.Facebook, sandbox.Page{ID: "fb-new", Name: "Demo Bakery Catering"})
	e.w.Sandbox.SetRole(tokenwatch.Facebook, "fb-new", "demo-owner", "MANAGE")
	downtown := e.w.Pages["fb-downtown"].LocationID
	s, err := e.c["write"].CreateConnectSessionWithResponse(ctx, downtown, nil, apiclient.ConnectSessionInput{Network: apiclient.Facebook,
		ReturnUrl: plat.URL + "/tokenwatch/connected", ProviderPageIds: &[]string{"fb-new"}})
	if err != nil || s.JSON201 == nil {
		t.Fatalf("session: %v %s", err, s.Body)
	}
	back := follow(t, *s.JSON201.Url, "demo-owner")
	if back.Query().Get("outcome") != "done" || back.Query().Get("pages") == "" {
		t.Fatalf("back at %s", back)
	}
	pages, _ := e.c["read"].ListPagesWithResponse(ctx, &apiclient.ListPagesParams{Location: &downtown, Network: ptr(apiclient.Facebook)})
	found := false
	for _, p := range pages.JSON200.Items {
		if p.ProviderPageId == "fb-new" && itoa(p.Id) == back.Query().Get("pages") && p.State == apiclient.StateHealthy {
			found = true
		}
	}
	if !found {
		t.Errorf("the new page is not at Downtown: %s", pages.Body)
	}
}

// TestReconnectSessionInBrowser: the platform's user follows a reconnect
// session's URL in a real browser (Debian's chromium), consents at the
// sandbox's screen, and lands on the platform's page with the outcome.
func TestReconnectSessionInBrowser(t *testing.T) {
	t.Parallel()
	path := chromium(t)
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	plat, back := platform(t)
	e.allowReturn(t, plat.URL)
	li := e.w.Pages["li-riverside"]
	s, err := e.c["write"].CreateReconnectSessionWithResponse(ctx, li.ID, nil, apiclient.ReconnectSessionInput{ReturnUrl: plat.URL + "/tokenwatch/done"})
	if err != nil || s.JSON201 == nil {
		t.Fatalf("session: %v %s", err, s.Body)
	}
	dir := t.TempDir()
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.UserDataDir(dir),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true))...)
	defer cancelAlloc()
	bctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	bctx, cancelTimeout := context.WithTimeout(bctx, 60*time.Second)
	defer cancelTimeout()

	if _, err := chromedp.Run(bctx, chromedp.NavigateResponse(*s.JSON201.Url)); err != nil {
		t.Fatalf("opening the session's URL: %v", err)
	}
	title, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.querySelector("h1").innerText`))
	if err != nil || !strings.Contains(title, "LinkedIn") {
		t.Fatalf("not at LinkedIn's consent screen: %q %v", title, err)
	}
	if _, err := chromedp.RunResponse(bctx, chromedp.Click(chromedp.CSS(`button[value="`+li.ProviderUserID+`"]`))); err != nil {
		t.Fatalf("consenting: %v", err)
	}
	got, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.querySelector("h1").innerText`))
	if err != nil || !strings.Contains(got, "Back at the platform: done") {
		t.Fatalf("after consent the browser shows %q (%v)", got, err)
	}
	select {
	case q := <-back:
		if q.Get("pages") != itoa(li.ID) || q.Get("tokenwatch_session") != itoa(s.JSON201.Id) {
			t.Errorf("the platform was told %v", q)
		}
	default:
		t.Error("the platform's return URL was not reached")
	}
	if p := e.w.Page(t, "li-riverside"); p.Generation != li.Generation+1 || p.State != tokenwatch.StateHealthy {
		t.Errorf("the page is %s, generation %d", p.State, p.Generation)
	}
}

// chromium returns the browser's path; without one, the test is skipped,
// unless TOKENWATCH_TEST_BROWSER=1 (as in CI) makes it fail.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "/usr/bin/chromium"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("TOKENWATCH_TEST_BROWSER") == "1" {
		t.Fatal("chromium is not installed, and TOKENWATCH_TEST_BROWSER=1 requires the browser tests (apt-get install -y chromium)")
	}
	t.Skip("chromium is not installed: skipping the browser test (apt-get install -y chromium to run it)")
	return ""
}
