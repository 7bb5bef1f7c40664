package web_test

import (
	"net"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"golang.org/x/crypto/bcrypt"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/connect"
	"github.com/tokenwatch/tokenwatch/internal/connection"
	"github.com/tokenwatch/tokenwatch/internal/demo/demotest"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/web"
)

// TestBrowserReconnect reconnects a page in the browser, from the login
// pop-up's red button through the sandbox network's consent screen and
// back, and checks that the page no longer needs reconnecting; then tries
// with the wrong network account and reads the explanation.
func TestBrowserReconnect(t *testing.T) {
	t.Parallel()
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
	air := w.Page(t, "fb-airport")
	o := e.newTab(t, false)
	o.signIn("owner@demo.test")
	o.closePopup()
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

	fb := w.Page(t, "fb-riverside") // expired: cannot publish
	b := e.newTab(t, false)
	b.signIn("manager@demo.test")
	b.closePopup()
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
