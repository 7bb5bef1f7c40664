package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/tokenwatch/tokenwatch/internal/connect"
	"github.com/tokenwatch/tokenwatch/internal/connection"
	"github.com/tokenwatch/tokenwatch/internal/demo/demotest"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/web"
)

// FuzzOAuthCallback plays a network's answer to a reconnect at
// /oauth/{provider}/callback with whatever the fuzzer makes of it: the
// network's name in the path, the state (the one issued, a changed one, or
// none of it), the code (a real one from the sandbox's consent screen, or
// made up), error and error_description, any other query, and which
// browser brings it (the one that started the flow, another person's, one
// with only a flow cookie, none). The callback never panics nor answers
// 5xx, and the state checks hold: the page is renewed if and only if the
// state issued comes back, to the network it was issued for, in the
// browser that started the flow, with a real code and no error.
func FuzzOAuthCallback(f *testing.F) {
	w := demotest.New(f, demotest.Options{})
	conn := connection.New(w.Store, connection.Options{Providers: w.Providers, Policy: lifecycle.Default(), Now: w.Clock.Now})
	flow := connect.New(w.Store, connect.Options{Providers: w.Providers, Connection: conn, BaseURL: demotest.BaseURL, Now: w.Clock.Now})
	h, err := web.New(w.Store, web.Options{Policy: lifecycle.Default(), PasswordCost: bcrypt.MinCost, Now: w.Clock.Now, Flow: flow})
	if err != nil {
		f.Fatal(err)
	}
	manager, member := w.Session(f, "manager@demo.test"), w.Session(f, "member@demo.test")
	li := w.Page(f, "li-riverside") // LinkedIn, connected by the manager

	const (
		stateIssued   = 0 // the state as issued
		stateSuffixed = 1 // the state issued, with more after it
		stateOther    = 2 // only the fuzzer's
		stateHalf     = 3 // half the state issued, then the fuzzer's
		realCode      = 4 // a code from the sandbox's consent screen
		rightNetwork  = 8 // the path names the page's network
	)
	for _, seed := range []struct {
		provider          string
		mode, browser     uint8
		state, code, e, d string
		query             string
	}{
		{"", stateIssued | realCode | rightNetwork, 0, "", "", "", "", ""}, // the real thing
		{"", stateIssued | realCode | rightNetwork, 1, "", "", "", "", ""}, // another person's browser
		{"", stateIssued | realCode | rightNetwork, 2, "flow", "", "", "", ""},
		{"", stateIssued | realCode | rightNetwork, 3, "", "", "", "", ""},
		{"x", stateIssued | realCode, 0, "", "", "", "", ""}, // another network's callback (mix-up)
		{"", stateSuffixed | realCode | rightNetwork, 0, "x", "", "", "", ""},
		{"", stateHalf | realCode | rightNetwork, 0, "", "", "", "", ""},
		{"", stateOther | rightNetwork, 0, "forged", "code", "", "", ""},
		{"", stateIssued | rightNetwork, 0, "", "made-up-code", "", "", ""},
		{"", stateIssued | realCode | rightNetwork, 0, "", "", "access_denied", "The user cancelled", ""},
		{"", stateIssued | realCode | rightNetwork, 0, "", "", "unauthorized_scope_error", "Not enough permissions", ""},
		{"", stateIssued | rightNetwork, 0, "", "", "server_error", "<script>alert(1)</script>", ""},
		{"", stateIssued | rightNetwork, 0, "", "", "", "", "state=&code=%zz&state=x;code=y"},
		{"../../admin", stateOther, 3, "", "", "", "", "%"},
		{"linkedin%2F..", stateOther, 0, "\x00", "\xff", "\r\n", "", ""},
	} {
		f.Add(seed.provider, seed.mode, seed.browser, seed.state, seed.code, seed.e, seed.d, seed.query)
	}
	f.Fuzz(func(t *testing.T, network string, mode, browser uint8, stateTail, code, errCode, errDesc, extra string) {
		ctx := t.Context()
		consent, err := flow.BeginReconnect(ctx, connect.User(w.Users["manager@demo.test"]), manager, connect.Reconnect{PageID: li.ID})
		if err != nil {
			t.Fatal(err)
		}
		cu, _ := url.Parse(consent)
		issued := cu.Query().Get("state")
		state := map[uint8]string{stateIssued: issued, stateSuffixed: issued + stateTail, stateOther: stateTail,
			stateHalf: issued[:len(issued)/2] + stateTail}[mode&3]
		realCodeGiven := ""
		if mode&realCode != 0 {
			code = demotest.Consent(t, consent, li.ProviderUserID).Get("code")
			realCodeGiven = code
		}
		if mode&rightNetwork != 0 {
			network = string(li.Provider)
		}
		q := url.Values{}
		for k, v := range map[string]string{"state": state, "code": code, "error": errCode, "error_description": errDesc} {
			if v != "" {
				q.Set(k, v)
			}
		}
		target := "/oauth/" + url.PathEscape(network) + "/callback?" + q.Encode()
		if extra != "" {
			target += "&" + url.PathEscape(extra)
		}
		req := httptest.NewRequest("GET", "http://tokenwatch.test/", nil)
		if req.URL, err = url.Parse(target); err != nil {
			return // not a request a browser can send
		}
		req.RequestURI = target
		switch browser % 4 {
		case 0:
			req.AddCookie(&http.Cookie{Name: "tw_session", Value: manager})
		case 1:
			req.AddCookie(&http.Cookie{Name: "tw_session", Value: member})
		case 2:
			req.AddCookie(&http.Cookie{Name: "tw_flow", Value: url.QueryEscape(stateTail)})
		}
		before := w.Page(t, "li-riverside").Generation
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("GET %s (browser %d): %d\n%s", target, browser%4, rec.Code, rec.Body)
		}
		renewed := w.Page(t, "li-riverside").Generation != before
		// What the callback reads (the first of repeated parameters).
		got := req.URL.Query()
		want := got.Get("state") == issued && browser%4 == 0 && network == string(li.Provider) &&
			realCodeGiven != "" && got.Get("code") == realCodeGiven && got.Get("error") == ""
		if renewed && !want {
			t.Fatalf("GET %s (browser %d) renewed the page: the state checks did not hold", target, browser%4)
		}
		if want && !renewed {
			t.Fatalf("GET %s, the real answer in the browser that started: %d, the page was not renewed\n%s", target, rec.Code, rec.Body)
		}
		if says := rec.Code == http.StatusOK && strings.Contains(rec.Body.String(), "<h1>Reconnected</h1>"); says != renewed {
			t.Fatalf("GET %s: the page says reconnected: %v; the page was renewed: %v", target, says, renewed)
		}
	})
}
