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
	if got := b.text("main h1"); got != "Reconnected" {
		t.Fatalf("after consent the page says %q", got)
	}
	b.screenshot("reconnect-done")
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
