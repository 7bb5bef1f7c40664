package web_test

import (
	"net"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/crypto/bcrypt"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/connect"
	"github.com/tokenwatch/tokenwatch/internal/connection"
	"github.com/tokenwatch/tokenwatch/internal/demo/demotest"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/publish"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/tokens"
	"github.com/tokenwatch/tokenwatch/internal/web"
)

// TestBrowserReconnect reconnects a page in the browser, from the login
// pop-up's red button through the sandbox network's consent screen and
// back, and checks that the page no longer needs reconnecting; then tries
// with the wrong network account and reads the explanation.
func TestBrowserReconnect(t *testing.T) {
	t.Parallel()
	w, e := reconnectWorld(t)

	li := w.Page(t, "li-riverside") // LinkedIn, 8 days left, connected by the manager
	b := e.newTab(t, false)
	b.signIn("manager@demo.test")
	badge := b.text("#nav-issues .count")
	button := `#login-popup form[action="/pages/` + itoa(li.ID) + `/reconnect"] button`
	if b.count(button) != 1 {
		t.Fatalf("no Reconnect button for %s in the pop-up", li.Name)
	}
	b.submit(chromedp.Click(chromedp.CSS(button)))
	if got := b.text("h1"); !strings.Contains(got, "LinkedIn") {
		t.Fatalf("not at LinkedIn's consent screen: %q", got)
	}
	b.screenshot("reconnect-consent")
	b.submit(chromedp.Click(chromedp.CSS(`button[value="` + li.ProviderUserID + `"]`)))
	// Back on the page where the pop-up was, saying what happened, the
	// pop-up gone (it was answered).
	if got := b.text("main h1"); got != "Overview" {
		t.Fatalf("after consent the page says %q", got)
	}
	if got := b.text(".notice"); !strings.Contains(got, "Demo Bakery Riverside (LinkedIn) is reconnected") {
		t.Errorf("the notice says %q", got)
	}
	if b.count("#login-popup") != 0 {
		t.Error("the pop-up is still over the page after the reconnect")
	}
	b.screenshot("reconnect-done")
	b.open("/calendar")
	if b.count("#login-popup") != 0 {
		t.Error("the pop-up comes back on the next page after the reconnect")
	}
	if after := w.Page(t, "li-riverside"); after.Generation != li.Generation+1 || after.State != tokenwatch.StateHealthy {
		t.Errorf("the page is %s, generation %d", after.State, after.Generation)
	}
	b.open("/issues")
	if got := b.text("#nav-issues .count"); got == badge {
		t.Errorf("the Issues badge still says %s after the reconnect", got)
	}

	// The owner tries the airport's Facebook page (connected by the manager)
	// with her own Facebook account: refused, with what to do.
	b.done()
	air := w.Page(t, "fb-airport")
	o := e.newTab(t, false)
	o.signInQuietly("owner@demo.test")
	o.open("/pages/" + itoa(air.ID) + "/reconnect")
	o.submit(chromedp.Click(chromedp.CSS(`main form[action$="/reconnect"] button`)))
	o.submit(chromedp.Click(chromedp.CSS(`button[value="demo-owner"]`)))
	msg := o.text(".flash")
	if !strings.Contains(msg, "Marco Manager") || !strings.Contains(msg, "Olivia Owner") || o.count(".advice li") == 0 {
		t.Errorf("refusal: %q, %d pieces of advice", msg, o.count(".advice li"))
	}
	o.screenshot("reconnect-wrong-account")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestBrowserReconnectKeepsTheDraft: reconnecting a page from the post form
// comes back to the form with everything typed, and the page can publish.
func TestBrowserReconnectKeepsTheDraft(t *testing.T) {
	t.Parallel()
	w, e := reconnectWorld(t)

	fb := w.Page(t, "fb-riverside") // expired: cannot publish
	b := e.newTab(t, false)
	b.signInQuietly("manager@demo.test")
	b.open("/posts/new?location=" + itoa(fb.LocationID) + "&page=" + itoa(fb.ID))
	b.set("text", "Sourdough masterclass on Saturday, book now!")
	b.set("link", "https://bakery.example/masterclass")
	reconnect := `section.blocked button[formaction="/pages/` + itoa(fb.ID) + `/reconnect"]`
	if b.count(reconnect) != 1 {
		t.Fatalf("no Reconnect button for %s in the post form", fb.Name)
	}
	b.submit(chromedp.Click(chromedp.CSS(reconnect)))
	b.submit(chromedp.Click(chromedp.CSS(`button[value="` + fb.ProviderUserID + `"]`)))
	if got := b.text("main h1"); got != "New post" {
		t.Fatalf("after the consent the page says %q, want the post form", got)
	}
	var draft struct{ Text, Link string }
	b.eval(`({text: document.getElementById('text').value, link: document.getElementById('link').value})`, &draft)
	if draft.Text != "Sourdough masterclass on Saturday, book now!" || draft.Link != "https://bakery.example/masterclass" {
		t.Errorf("the draft came back as %+v", draft)
	}
	if b.count(`input[name=page][value="`+itoa(fb.ID)+`"]:checked`) != 1 || b.count("section.blocked") != 0 {
		t.Error("the reconnected page is not chosen, or still blocked")
	}
	if got := b.text(".notice"); !strings.Contains(got, "is reconnected") {
		t.Errorf("the notice says %q", got)
	}
	b.screenshot("reconnect-draft")
}

// TestBrowserEachPageHasItsOwnStatus (issue 13, flow 3): a post to two
// pages, one of which cannot publish, is published on the other and held on
// it; the calendar says so page by page, the published page with the
// network's link to the post (or, for LinkedIn, that it gives none). Once
// the held page is reconnected in the browser and the post goes out, its
// chip links to the post on Facebook, in a new tab, and the link opens it.
func TestBrowserEachPageHasItsOwnStatus(t *testing.T) {
	t.Parallel()
	w, e := reconnectWorld(t)
	keeper := tokens.New(w.Store, tokens.Options{Providers: w.Providers, Policy: lifecycle.Default(), Now: w.Clock.Now})
	pub := publish.New(w.Store, keeper, publish.Options{Providers: w.Providers, Policy: lifecycle.Default(), Now: w.Clock.Now})
	round := func() publish.Report {
		t.Helper()
		r, err := pub.Round(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return r
	}

	// The Riverside hiring post goes to the expired Facebook page and the
	// LinkedIn page: published on LinkedIn, held on Facebook.
	fb, li := w.Page(t, "fb-riverside"), w.Page(t, "li-riverside")
	w.Clock.Advance(36 * time.Hour)
	round()
	posts, err := w.Store.ListPosts(t.Context(), store.PostFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var post *tokenwatch.Post
	for _, p := range posts {
		if strings.HasPrefix(p.Text, "We are hiring") {
			post = p
		}
	}
	if post == nil || post.Status != tokenwatch.PostHeld {
		t.Fatalf("the hiring post: %+v", post)
	}
	calendar := "/calendar?location=" + itoa(post.LocationID) + "&date=" + post.ScheduledAt.Format("2006-01-02")
	item := `li.post[data-post="` + itoa(post.ID) + `"]`
	chip := func(page *tokenwatch.Page) string { return item + ` li.chip[data-page="` + itoa(page.ID) + `"]` }

	b := e.newTab(t, false)
	b.signInQuietly("manager@demo.test")
	b.open(calendar)
	if got := b.text(chip(li)); !strings.Contains(got, "published") || !strings.Contains(got, "LinkedIn gives no link to the post") {
		t.Errorf("the LinkedIn chip says %q", got)
	}
	if got := b.text(chip(fb)); !strings.Contains(got, "held until the page is reconnected") || b.count(chip(fb)+" a.post-link") != 0 {
		t.Errorf("the Facebook chip says %q", got)
	}
	if b.count(item+".at-risk") != 1 {
		t.Error("the post is not marked while a page holds it")
	}
	b.screenshot("flow3-held")

	// Reconnect the Facebook page; the post goes out there.
	b.open("/pages/" + itoa(fb.ID) + "/reconnect")
	b.submit(chromedp.Click(chromedp.CSS(`main form[action$="/reconnect"] button`)))
	b.submit(chromedp.Click(chromedp.CSS(`button[value="` + fb.ProviderUserID + `"]`)))
	if r := round(); r.Published != 1 {
		t.Fatalf("after the reconnect: %v, want the held delivery published", r)
	}
	b.open(calendar)
	if got := b.text(chip(fb)); !strings.Contains(got, "published") || strings.Contains(got, "held") {
		t.Errorf("the Facebook chip says %q after the reconnect", got)
	}
	if b.count(item+".at-risk") != 0 || b.count(item+" li.chip.needs") != 0 {
		t.Error("a chip or the post stays red once published everywhere")
	}
	var link struct{ Href, Target, Rel, Text string }
	b.eval(`(a => a ? {href: a.href, target: a.target, rel: a.rel, text: a.innerText} : {})(document.querySelector(`+
		strconv.Quote(chip(fb)+" a.post-link")+`))`, &link)
	if strings.Join(strings.Fields(link.Text), " ") != "View on Facebook (opens in a new tab)" || link.Target != "_blank" || link.Rel != "noopener noreferrer" ||
		!strings.HasPrefix(link.Href, w.Sandbox.URL+"/facebook/") {
		t.Fatalf("the Facebook chip's link: %+v", link)
	}
	b.screenshot("flow3-published")
	phone := e.newTab(t, true)
	phone.signInQuietly("manager@demo.test")
	phone.open(calendar)
	if phone.count(chip(fb)+" a.post-link") != 1 {
		t.Error("no link to the post on a phone")
	}
	phone.screenshot("flow3-published")
	// The link opens the post on the (sandbox) network.
	if status := b.openURL(link.Href); status != 200 || !strings.Contains(b.text("article .text"), "We are hiring") {
		t.Errorf("the link %s answers %d: %q", link.Href, status, b.text("body"))
	}
	b.screenshot("flow3-post-on-facebook")
}

// reconnectWorld serves the demo's world with the reconnect flow wired, on
// a listener chosen before the world (its address is the flow's base URL).
func reconnectWorld(t *testing.T) (*demotest.World, *demoEnv) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	w := demotest.New(t, demotest.Options{BaseURL: base})
	conn := connection.New(w.Store, connection.Options{Providers: w.Providers, Policy: lifecycle.Default(), Now: w.Clock.Now})
	flow := connect.New(w.Store, connect.Options{Providers: w.Providers, Connection: conn, BaseURL: base, Now: w.Clock.Now})
	h, err := web.New(w.Store, web.Options{Policy: lifecycle.Default(), PasswordCost: bcrypt.MinCost, Now: w.Clock.Now, Flow: flow})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	e := &demoEnv{srv: srv, st: w.Store}
	return w, e
}
