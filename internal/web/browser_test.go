package web_test

// The browser tests drive Debian's chromium through chromedp, over the demo
// data: one browser process for the whole test binary, one tab in a fresh
// browser context (its own cookies) per test, tests in parallel. They save
// screenshots into testoutput/ (ignored by git).

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/web"
)

// shared is the browser of the test binary, started by the first browser
// test and stopped by TestMain.
var shared struct {
	once   sync.Once
	ctx    context.Context
	cancel context.CancelFunc
	dir    string
	err    error
}

func TestMain(m *testing.M) {
	// The browser tests spend most of their time waiting for chromium to
	// load and draw pages, so more of them run at once than go test's
	// default (the number of CPUs), unless -parallel is given.
	flag.Parse()
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.parallel" })
	if !explicit {
		flag.Set("test.parallel", strconv.Itoa(max(4, runtime.GOMAXPROCS(0))))
	}
	code := m.Run()
	if testing.Verbose() && pool.created > 0 {
		fmt.Printf("the browser tests opened %d chromium tabs\n", pool.created)
	}
	if shared.cancel != nil {
		shared.cancel()
	}
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
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

func startBrowser(path string) {
	shared.dir, shared.err = os.MkdirTemp("", "tokenwatch-chromium-")
	if shared.err != nil {
		return
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(shared.dir),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(allocCtx)
	shared.ctx = ctx
	shared.cancel = func() { cancelBrowser(); cancelAlloc() }
	shared.err = chromedp.Do(ctx) // starts the browser
}

// tab is a browser tab of one test, signed in as nobody yet.
type tab struct {
	t    *testing.T
	ctx  context.Context
	st   *store.Store
	base string
	// phone says the viewport is 375 px wide.
	phone bool
	// released says the tab went back to the pool (done).
	released bool
}

const (
	desktopWidth = 1280
	phoneWidth   = 375
)

// newTab opens a tab on the demo server in a browser context of its own, at
// desktop or phone width. The tab comes from the pool when one is free, and
// goes back to it when the test ends or when the test calls done.
func (e *demoEnv) newTab(t *testing.T, phone bool) *tab {
	t.Helper()
	path := chromium(t)
	shared.once.Do(func() { startBrowser(path) })
	if shared.err != nil {
		t.Fatalf("starting chromium: %v", shared.err)
	}
	b := &tab{t: t, ctx: takeTab(t, phone), st: e.st, base: e.srv.URL, phone: phone}
	t.Cleanup(b.done)
	return b
}

// done gives the tab back to the pool, for a test that has finished with
// one of its tabs before its end; the tab must not be used afterwards.
func (b *tab) done() {
	if b.released {
		return
	}
	b.released = true
	putTab(b.t, b.ctx)
}

// pool keeps the tabs of finished tests for the next ones: a new tab in a
// browser context of its own costs far more than a page load (chromium
// starts a renderer process for it, about 1.5 s of its CPU), and the
// browser tests ask for about fifty. A tab goes back blank, its browser
// context's cookies cleared (cookies ignore the port, so the next test's
// server would get them); the tab of a failed test is closed instead. A
// tab taken from the pool is set to the width asked for, desktop or phone:
// the emulation is replaced as a whole, mobile and touch included.
var pool struct {
	sync.Mutex
	free []context.Context
	// created counts the tabs chromium opened, for TestMain's report.
	created int
}

// cancels holds each tab's cancel function, to close it.
var cancels sync.Map // context.Context → context.CancelFunc

func takeTab(t *testing.T, phone bool) context.Context {
	t.Helper()
	pool.Lock()
	var ctx context.Context
	if n := len(pool.free); n > 0 {
		ctx = pool.free[n-1]
		pool.free = pool.free[:n-1]
	}
	pool.Unlock()
	if ctx == nil {
		var cancel context.CancelFunc
		ctx, cancel = chromedp.NewContext(shared.ctx, chromedp.WithNewBrowserContext())
		cancels.Store(ctx, cancel)
		pool.Lock()
		pool.created++
		pool.Unlock()
	}
	w, h := int64(desktopWidth), int64(900)
	var opts []chromedp.EmulateViewportOption
	if phone {
		w, h = phoneWidth, 812
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulatePortrait)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, h, opts...)); err != nil {
		closeTab(ctx)
		t.Fatalf("opening a tab: %v", err)
	}
	return ctx
}

func putTab(t *testing.T, ctx context.Context) {
	if t.Failed() {
		closeTab(ctx)
		return
	}
	reset, stop := context.WithTimeout(ctx, 10*time.Second)
	defer stop()
	err := chromedp.Do(reset, chromedp.Navigate("about:blank"))
	if err == nil {
		_, err = chromedp.Call(reset, network.ClearBrowserCookies, cdp.Empty{})
	}
	if err != nil {
		closeTab(ctx)
		return
	}
	pool.Lock()
	defer pool.Unlock()
	pool.free = append(pool.free, ctx)
}

func closeTab(ctx context.Context) {
	if cancel, ok := cancels.LoadAndDelete(ctx); ok {
		cancel.(context.CancelFunc)()
	}
}

// step returns the context of one step (a page load, a click, a script):
// a step that takes longer than 30 seconds fails the test, however long the
// test itself runs.
func (b *tab) step() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.ctx, 30*time.Second)
}

func (b *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatal(err)
	}
}

// open loads a path and returns the HTTP status of the page.
func (b *tab) open(path string) int64 {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(b.base+path))
	if err != nil {
		b.t.Fatalf("opening %s: %v", path, err)
	}
	return resp.Status
}

// openURL loads a full URL (another site: a network's link) and returns
// the HTTP status of the page.
func (b *tab) openURL(u string) int64 {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(u))
	if err != nil {
		b.t.Fatalf("opening %s: %v", u, err)
	}
	return resp.Status
}

// submit runs actions that load another page (a click on a submit button,
// a key that submits) and waits for it.
func (b *tab) submit(actions ...chromedp.Action[chromedp.Void]) int64 {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, actions...)
	if err != nil {
		b.t.Fatal(err)
	}
	return resp.Status
}

// signIn signs in through the sign-in form.
func (b *tab) signIn(email string) {
	b.t.Helper()
	b.open("/login")
	b.set("email", email)
	b.set("password", "demo")
	b.submit(chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)))
}

// signInQuietly signs in as the user without the form and with the login
// pop-up already closed (a session made in the store, its cookie set in the
// browser), then opens the overview: three page loads fewer than signIn and
// closePopup, for the tests about what comes after. The form and the
// pop-up have tests of their own (TestBrowserLoginPopup).
func (b *tab) signInQuietly(email string) {
	b.t.Helper()
	b.signInBySession(email, true)
}

// signInBySession signs in as the user as the form would, with a session
// made in the store and its cookie set in the browser, the login pop-up
// closed or not, then opens the overview.
func (b *tab) signInBySession(email string, closePopup bool) {
	b.t.Helper()
	u, _, err := b.st.UserLogin(b.t.Context(), email)
	if err != nil {
		b.t.Fatalf("signing in as %s: %v", email, err)
	}
	token, err := b.st.CreateSession(b.t.Context(), u.ID, time.Hour)
	if err != nil {
		b.t.Fatal(err)
	}
	if closePopup {
		if err := b.st.ClosePopup(b.t.Context(), token.Reveal()); err != nil {
			b.t.Fatal(err)
		}
	}
	ctx, cancel := b.step()
	defer cancel()
	if _, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{
		Name: "tw_session", Value: token.Reveal(), URL: b.base, HTTPOnly: new(true), SameSite: network.CookieSameSiteLax}); err != nil {
		b.t.Fatal(err)
	}
	b.open("/")
	if b.count(`form.signout`) != 1 {
		b.t.Fatalf("%s is not signed in after setting the session cookie", email)
	}
}

// eval runs JavaScript in the page and decodes its JSON-able result into out.
func (b *tab) eval(js string, out any) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](js))
	if err != nil {
		b.t.Fatalf("%s: %v", js, err)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		b.t.Fatalf("%s: %s: %v", js, raw, err)
	}
}

// set sets the value of the field with the id, as typing would (with its
// input and change events).
func (b *tab) set(id, value string) {
	b.t.Helper()
	var ok bool
	b.eval(fmt.Sprintf(`(f => { f.value = %q; f.dispatchEvent(new Event('input', {bubbles: true})); return f.value === %q; })(document.getElementById(%q))`,
		value, value, id), &ok)
	if !ok {
		b.t.Fatalf("could not set #%s to %q", id, value)
	}
}

func (b *tab) text(selector string) string {
	var s string
	b.eval(fmt.Sprintf(`(document.querySelector(%q) || {innerText: ""}).innerText`, selector), &s)
	return s
}

func (b *tab) count(selector string) int {
	var n int
	b.eval(fmt.Sprintf(`document.querySelectorAll(%q).length`, selector), &n)
	return n
}

// texts returns the visible text of every element the selector finds.
func (b *tab) texts(selector string) []string {
	var out []string
	b.eval(fmt.Sprintf(`Array.from(document.querySelectorAll(%q), e => e.innerText.trim())`, selector), &out)
	return out
}

// screenshot saves the whole page (the screen when the pop-up is open) as
// testoutput/<name>-<desktop|phone>.png, after checking that nothing sticks
// out sideways.
func (b *tab) screenshot(name string) {
	b.t.Helper()
	var width int
	b.eval(`document.documentElement.scrollWidth`, &width)
	if screen := map[bool]int{false: desktopWidth, true: phoneWidth}[b.phone]; width > screen {
		b.t.Errorf("%s is %d px wide, wider than the %s screen (%d px)", name, width, b.size(), screen)
	}
	shot := chromedp.FullScreenshot(100)
	if b.count("#login-popup") > 0 {
		shot = chromedp.CaptureScreenshot() // the pop-up covers the screen, not the page
	}
	ctx, cancel := b.step()
	defer cancel()
	png, err := chromedp.Run(ctx, shot)
	if err != nil {
		b.t.Fatal(err)
	}
	if err := os.MkdirAll("testoutput", 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("testoutput", name+"-"+b.size()+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

func (b *tab) size() string {
	if b.phone {
		return "phone"
	}
	return "desktop"
}

// pageNames maps the demo's provider page ids to the names in the list.
func pageNames(e *demoEnv, ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = e.pages[id].Name
	}
	return out
}

type popupItem struct {
	Name    string `json:"name"`
	Button  bool   `json:"button"`
	Contact string `json:"contact"`
}

const popupItemsJS = `Array.from(document.querySelectorAll('#login-popup li.issue'), li => ({
	name: li.querySelector('strong').innerText,
	button: !!li.querySelector('button.danger') && li.querySelector('button.danger').checkVisibility(),
	contact: (li.querySelector('.contact') || {innerText: ''}).innerText}))`

func TestBrowserLoginPopup(t *testing.T) {
	t.Parallel()
	e := newDemo(t)
	tests := []struct {
		email   string
		pages   []string
		contact map[string]string // page → whom to contact; nil: Reconnect buttons
	}{
		{"owner@demo.test", demoIssues, nil},
		{"manager@demo.test", demoIssues, nil},
		{"member@demo.test", demoIssues, map[string]string{
			"gbp-downtown": "Contact Olivia Owner at owner@demo.test to reconnect it.",
			"fb-riverside": "Contact Marco Manager at manager@demo.test to reconnect it."}},
		{"downtown@demo.test", demoDowntownIssues, map[string]string{
			"gbp-downtown": "Contact Olivia Owner at owner@demo.test to reconnect it.",
			"ig-downtown":  "Contact Marco Manager at manager@demo.test to reconnect it."}},
	}
	for _, tt := range tests {
		for _, phone := range []bool{false, true} {
			if phone && (tt.email == "manager@demo.test" || tt.email == "downtown@demo.test") {
				continue // the owner's and the member's pop-ups show both kinds on a phone
			}
			t.Run(tt.email+map[bool]string{false: "/desktop", true: "/phone"}[phone], func(t *testing.T) {
				t.Parallel()
				b := e.newTab(t, phone)
				// The owner at a desk signs in with the form; the others
				// get the same session as the form gives, without it.
				full := !phone && tt.email == "owner@demo.test"
				if full {
					b.signIn(tt.email)
				} else {
					b.signInBySession(tt.email, false)
				}

				var modal, focusInside bool
				b.eval(`document.getElementById('login-popup').matches(':modal')`, &modal)
				b.eval(`document.getElementById('login-popup').contains(document.activeElement)`, &focusInside)
				if !modal || !focusInside {
					t.Errorf("the pop-up is modal %v, has the focus %v", modal, focusInside)
				}
				var items []popupItem
				b.eval(popupItemsJS, &items)
				var names []string
				for _, it := range items {
					names = append(names, it.Name)
				}
				if !slices.Equal(names, pageNames(e, tt.pages)) {
					t.Errorf("the pop-up lists %q, want %q", names, pageNames(e, tt.pages))
				}
				for i, it := range items[:min(len(items), len(tt.pages))] {
					if tt.contact == nil && (!it.Button || it.Contact != "") {
						t.Errorf("%s: button %v, contact %q; want a Reconnect button", it.Name, it.Button, it.Contact)
					}
					if tt.contact != nil && (it.Button || !strings.HasPrefix(it.Contact, "Contact ")) {
						t.Errorf("%s: button %v, contact %q; want a contact line", it.Name, it.Button, it.Contact)
					}
					if want, ok := tt.contact[tt.pages[i]]; ok && it.Contact != want {
						t.Errorf("%s: contact %q, want %q", it.Name, it.Contact, want)
					}
				}
				if got, want := b.text("#nav-issues .count"), fmt.Sprint(len(tt.pages)); got != want {
					t.Errorf("the Issues badge says %q, want %q", got, want)
				}
				b.screenshot("popup-" + strings.TrimSuffix(tt.email, "@demo.test"))

				// Tab moves a visible focus within the pop-up; Escape closes it.
				b.do(chromedp.KeyEvent(kb.Tab))
				var outline string
				b.eval(`document.getElementById('login-popup').contains(document.activeElement) && getComputedStyle(document.activeElement).outlineStyle`, &outline)
				if outline != "solid" {
					t.Errorf("the focused element in the pop-up has outline %q", outline)
				}
				b.submit(chromedp.KeyEvent(kb.Escape))
				if n := b.count("#login-popup"); n != 0 {
					t.Fatal("Escape did not close the pop-up")
				}
				if !full {
					// What follows is the same for everyone; TestLoginPopup
					// checks it for each kind of user over HTTP.
					return
				}
				b.open("/issues")
				if n := b.count("#login-popup"); n != 0 {
					t.Error("the closed pop-up came back within the session")
				}
				// Signing out and in again brings it back.
				b.submit(chromedp.Click(chromedp.CSS(`form.signout button`)))
				b.signIn(tt.email)
				if n := b.count("#login-popup li.issue"); n != len(tt.pages) {
					t.Errorf("after signing in again the pop-up lists %d pages, want %d", n, len(tt.pages))
				}
				// Its Close button closes it too, for this session.
				b.submit(chromedp.Click(chromedp.ID("popup-close")))
				if n := b.count("#login-popup"); n != 0 || b.open("/calendar") != 200 || b.count("#login-popup") != 0 {
					t.Error("the Close button did not close the pop-up for the session")
				}
			})
		}
	}
}

// onScreens runs a parallel subtest at desktop and at phone width, signed
// in as the user, the login pop-up closed.
func (e *demoEnv) onScreens(t *testing.T, email string, test func(t *testing.T, b *tab)) {
	for _, phone := range []bool{false, true} {
		t.Run(map[bool]string{false: "desktop", true: "phone"}[phone], func(t *testing.T) {
			t.Parallel()
			b := e.newTab(t, phone)
			b.signInQuietly(email)
			test(t, b)
		})
	}
}

func TestBrowserIssuesList(t *testing.T) {
	t.Parallel()
	e := newDemo(t)
	for _, email := range []string{"owner@demo.test", "member@demo.test"} {
		for _, phone := range []bool{false, true} {
			if phone && email == "member@demo.test" {
				continue // the same page as the owner's, with contact lines
			}
			t.Run(email+map[bool]string{false: "/desktop", true: "/phone"}[phone], func(t *testing.T) {
				t.Parallel()
				b := e.newTab(t, phone)
				b.signInQuietly(email)
				b.open("/issues")
				if got := b.texts("table.issues tbody tr td[data-label=Page] strong"); !slices.Equal(got, pageNames(e, demoIssues)) {
					t.Errorf("the list %q, want worst first %q", got, pageNames(e, demoIssues))
				}
				buttons, contacts := b.count("table.issues button.danger"), b.count("table.issues .contact")
				if email == "owner@demo.test" && (buttons != 7 || contacts != 0) || email == "member@demo.test" && (buttons != 0 || contacts != 7) {
					t.Errorf("%d Reconnect buttons, %d contact lines", buttons, contacts)
				}
				revoked := b.text(`tr[data-page="` + e.pageID("gbp-downtown") + `"]`)
				// A revoked page says what is wrong and since when, not when
				// its connection would have ended.
				for _, want := range []string{"Google Business Profile", "Demo Bakery – Downtown", "Downtown", "Access revoked", "access revoked since", "1 post, Fri 13 Mar 09:00"} {
					if !strings.Contains(revoked, want) {
						t.Errorf("the revoked page's row %q lacks %q", revoked, want)
					}
				}
				// The chart: a described image with a mark per deadline, and a
				// text alternative.
				var chart struct {
					Label  string  `json:"label"`
					Marks  int     `json:"marks"`
					Height float64 `json:"height"`
				}
				b.eval(`(() => { const s = document.querySelector('figure.timeline svg');
					return {label: s.getAttribute('role') + ': ' + s.querySelector('title').textContent + ' / ' + s.querySelector('desc').textContent,
						marks: s.querySelectorAll('g.point').length, height: s.getBoundingClientRect().height}; })()`, &chart)
				// The sentence counts what the marks and the list count.
				if chart.Label != "img: Connection deadlines over the next 30 days / 4 connections end in the next 30 days, 4 of them need reconnecting now; 1 has ended already." ||
					chart.Marks != 5 || chart.Height < 60 {
					t.Errorf("the chart: %+v", chart)
				}
				if !strings.Contains(b.text("figure.timeline figcaption"), "4 connections end in the next 30 days") {
					t.Error("the chart has no text alternative")
				}
				if email == "owner@demo.test" {
					b.screenshot("issues-owner")
				} else {
					b.screenshot("issues-member")
				}

				// Filtering by network and location, with the form.
				b.set("f-network", "linkedin")
				b.submit(chromedp.Click(chromedp.CSS(`form.filters button[type=submit]`)))
				if got := b.texts("table.issues td[data-label=Location]"); !slices.Equal(got, []string{"Airport", "Riverside"}) {
					t.Errorf("LinkedIn issues are at %q", got)
				}
				b.set("f-location", e.locID("Riverside"))
				b.submit(chromedp.Click(chromedp.CSS(`form.filters button[type=submit]`)))
				if got := b.texts("table.issues td[data-label=Page] strong"); !slices.Equal(got, []string{"Demo Bakery Riverside"}) {
					t.Errorf("LinkedIn issues at Riverside: %q", got)
				}
			})
		}
	}
}

func TestBrowserCalendar(t *testing.T) {
	t.Parallel()
	e := newDemo(t)
	e.onScreens(t, "member@demo.test", func(t *testing.T, b *tab) {
		b.open("/calendar")
		// This week (9–15 March): six posts, each on a page that needs
		// reconnecting: red where a page cannot publish now, amber where it
		// is only expiring.
		red := `.calendar li.post svg.mark[role=img][aria-label="Page needs reconnecting"]`
		amber := `.calendar li.post svg.mark.amber[role=img]`
		if posts, reds, ambers := b.count(".calendar li.post"), b.count(red), b.count(amber); posts != 6 || reds != 3 || ambers != 3 {
			t.Errorf("this week: %d posts, %d red and %d amber marks; want 6, 3 and 3", posts, reds, ambers)
		}
		var clickable int
		b.eval(`Array.from(document.querySelectorAll('.calendar svg.mark')).filter(m => m.closest('a, button, input, select, textarea, [tabindex]:not(main)')).length`, &clickable)
		if clickable != 0 {
			t.Errorf("%d red marks are clickable", clickable)
		}
		// Friday: the Airport post at 07:00 before the Downtown one at
		// 09:00, each at its location's time, both marked.
		if got := b.texts(`li.day[data-date="2026-03-13"] li.post .post-head`); !slices.Equal(got, []string{"07:00\nAirport", "09:00\nDowntown"}) {
			t.Errorf("Friday's posts: %q", got)
		}
		b.screenshot("calendar-week")

		b.submit(chromedp.Click(chromedp.ID("cal-next")))
		if posts, marks := b.count(".calendar li.post"), b.count(".calendar li.post svg.mark"); posts != 4 || marks != 1 {
			t.Errorf("next week: %d posts, %d red marks; want 4 and 1", posts, marks)
		}
		b.submit(chromedp.Click(chromedp.ID("cal-month")))
		if got := b.text("#cal-title"); got != "March 2026" {
			t.Errorf("month title %q", got)
		}
		if posts, marks := b.count(".calendar li.post"), b.count(".calendar li.post svg.mark"); posts != 11 || marks != 8 {
			t.Errorf("March: %d posts, %d red marks; want 11 and 8", posts, marks)
		}
		b.screenshot("calendar-month")

		// One location, in its time zone, chosen with the form.
		b.set("c-location", e.locID("Downtown"))
		b.submit(chromedp.Click(chromedp.CSS(`form.filters button[type=submit]`)))
		if posts := b.count(".calendar li.post"); posts != 4 || !strings.Contains(b.text("main"), "Times are Downtown time (America/New_York).") {
			t.Errorf("Downtown in March: %d posts", posts)
		}
	})
}

func TestBrowserPostForm(t *testing.T) {
	t.Parallel()
	e := newDemo(t)
	e.onScreens(t, "manager@demo.test", func(t *testing.T, b *tab) {
		b.open("/posts/new")
		b.do(chromedp.SendKeys(chromedp.ID("text"), "Sourdough is back"))
		// Choosing Riverside re-renders the form with its pages, keeping
		// the text; ticking the expired Facebook page brings the red
		// Reconnect button to the top.
		b.submit(chromedp.Evaluate[chromedp.Void](`(s => { s.value = '` + e.locID("Riverside") + `'; s.dispatchEvent(new Event('change', {bubbles: true})); })(document.getElementById('location'))`))
		if got := b.text("#pages legend"); got != "Pages of Riverside" {
			t.Fatalf("after choosing Riverside the form shows %q", got)
		}
		if n := b.count(".blocked button.danger"); n != 0 {
			t.Errorf("%d Reconnect buttons before choosing a page", n)
		}
		b.submit(chromedp.Click(chromedp.CSS(`input[name=page][value="` + e.pageID("fb-riverside") + `"]`)))
		var top struct {
			Button, Form float64
			Label        string
		}
		b.eval(`({Button: document.querySelector('.blocked button.danger').getBoundingClientRect().top,
			Form: document.querySelector('form.post-form').getBoundingClientRect().top,
			Label: document.querySelector('.blocked button.danger').getAttribute('aria-label')})`, &top)
		if top.Button == 0 || top.Button > top.Form || top.Label != "Reconnect Demo Bakery Riverside on Facebook" {
			t.Errorf("the Reconnect button: %+v", top)
		}
		var checked bool
		b.eval(`document.querySelector('input[name=page][value="`+e.pageID("fb-riverside")+`"]').checked`, &checked)
		var text string
		b.eval(`document.getElementById('text').value`, &text)
		if !checked || text != "Sourdough is back" {
			t.Errorf("the form lost what was chosen or typed: page ticked %v, text %q", checked, text)
		}
		b.screenshot("post-form-reconnect")

		// A time in the past: a clear error, nothing lost.
		b.set("at", "2026-03-01T09:00")
		b.set("link", "not a link")
		if status := b.submit(chromedp.Click(chromedp.CSS(`button[value=schedule]`))); status != 400 {
			t.Errorf("the bad form got %d", status)
		}
		if got := b.texts(".problems li"); !slices.Equal(got, []string{"The link must be a full web address, starting with https://.",
			"That time has passed; choose a time to come."}) {
			t.Errorf("problems %q", got)
		}
		b.eval(`document.getElementById('text').value`, &text)
		if text != "Sourdough is back" || b.count(".blocked button.danger") != 1 {
			t.Errorf("after the error the text is %q", text)
		}
		b.screenshot("post-form-errors")

		b.set("at", "2026-03-25T08:15")
		b.set("link", "")
		b.submit(chromedp.Click(chromedp.CSS(`button[value=schedule]`)))
		if got := b.text(".notice"); got != "Your post is scheduled for Wednesday 25 March at 08:15." {
			t.Errorf("after scheduling: %q", got)
		}
		if n := b.count(".calendar li.post.highlight svg.mark"); n != 1 {
			t.Error("the new post is not in the calendar with its red mark")
		}
	})
}

func TestBrowserLocations(t *testing.T) {
	t.Parallel()
	e := newDemo(t)
	e.onScreens(t, "owner@demo.test", func(t *testing.T, b *tab) {
		b.submit(chromedp.Click(chromedp.ID("nav-locations")))
		names := b.texts("table.locations td[data-label=Location] strong")
		counts := b.texts("table.locations .issues-count")
		if !slices.Equal(names, []string{"Riverside", "Downtown", "Airport"}) || !slices.Equal(counts, []string{"3", "2", "2"}) {
			t.Errorf("locations %q with %q issues, want worst first", names, counts)
		}
		b.screenshot("locations")
	})
}

// TestBrowserDowntownMemberStaysDowntown shows the sign-in form, and what
// a member of one location sees: its issues, and a page of another
// location typed into the address bar. Every page and typed address is
// checked for other locations over HTTP, in
// TestDowntownMemberNeverSeesOtherLocations.
func TestBrowserDowntownMemberStaysDowntown(t *testing.T) {
	t.Parallel()
	e := newDemo(t)
	b := e.newTab(t, false)
	b.open("/login")
	if got := b.texts("label"); !slices.Equal(got, []string{"E-mail address", "Password"}) {
		t.Errorf("the sign-in form's labels: %q", got)
	}
	b.screenshot("login")
	b.signInQuietly("downtown@demo.test")
	b.open("/issues")
	if got := b.texts("table.issues td[data-label=Page] strong"); !slices.Equal(got, pageNames(e, demoDowntownIssues)) {
		t.Errorf("downtown@'s issues: %q", got)
	}
	if got := b.texts("#f-location option"); len(got) == 0 || !slices.Contains(got, "Downtown") || slices.Contains(got, "Riverside") || slices.Contains(got, "Airport") {
		t.Errorf("downtown@'s locations to filter by: %q", got)
	}
	b.screenshot("downtown-issues")
	path := "/issues?location=" + e.locID("Riverside")
	if status := b.open(path); status != 404 {
		t.Errorf("%s: %d, want 404", path, status)
	}
	if main := b.text("main"); !strings.Contains(main, "There is no such") || strings.Contains(main, "Riverside") {
		t.Errorf("%s says %q", path, main)
	}
	b.screenshot("downtown-not-found")
}

// TestBrowserServiceStatus: an owner sees the banner of a service problem
// on every page and its detail at /status.
func TestBrowserServiceStatus(t *testing.T) {
	t.Parallel()
	sp := store.ServiceProblem{Provider: tokenwatch.LinkedIn, Scope: "api", Severity: "error", Code: "NONEXISTENT_VERSION",
		Message: "Requested version 202511 is not active", Action: "Set TOKENWATCH_LINKEDIN_API_VERSION to a supported version.",
		Occurrences: 12, OpenedAt: demoNow.Add(-3 * time.Hour), LastSeenAt: demoNow.Add(-time.Minute)}
	e := newDemoWith(t, func(o *web.Options) { o.Status = fakeStatus{open: []store.ServiceProblem{sp}} })
	e.onScreens(t, "owner@demo.test", func(t *testing.T, b *tab) {
		if banner := b.text(".banner.error"); !strings.Contains(banner, "LinkedIn") || !strings.Contains(banner, "not a problem of your pages") {
			t.Errorf("banner %q", banner)
		}
		b.submit(chromedp.Click(chromedp.CSS(".banner.error a")))
		if h := b.text("#problem-linkedin-api h3"); !strings.Contains(h, "LinkedIn: calls are refused") {
			t.Errorf("/status shows %q", h)
		}
		b.screenshot("status")
	})
}

// url returns the address of the page shown.
func (b *tab) url() string {
	b.t.Helper()
	var u string
	b.eval(`location.href`, &u)
	return u
}
