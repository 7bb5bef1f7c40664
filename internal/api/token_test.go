package api_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/api/apiclient"
	"github.com/tokenwatch/tokenwatch/internal/sandbox"
)

// TestToken: a tokens key is handed a page's valid token and the handing
// is recorded (never the token); a page a person must reconnect answers
// 409 with its state, deadline and reconnect URL; a failing network 503
// with Retry-After.
func TestToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	c := e.c["tokens"]
	fb := e.w.Pages["fb-downtown"]
	res, err := c.GetPageTokenWithResponse(ctx, fb.ID, nil)
	if err != nil || res.JSON200 == nil {
		t.Fatalf("a healthy page's token: %v %s", err, res.Body)
	}
	stored, _ := e.w.Store.PageCredentials(ctx, fb.ID)
	if res.JSON200.AccessToken != stored.AccessToken.Reveal() || res.JSON200.PageId != fb.ID || res.JSON200.Generation != fb.Generation {
		t.Errorf("the token handed out: %s", res.Body)
	}
	if res.HTTPResponse.Header.Get("Cache-Control") != "no-store" {
		t.Error("a token's answer may be cached")
	}

	for _, tc := range []struct {
		page  string
		state apiclient.State
	}{{"gbp-downtown", apiclient.StateRevoked}, {"fb-riverside", apiclient.StateExpired}, {"pin-riverside", apiclient.StatePermissionMissing}} {
		p := e.w.Pages[tc.page]
		res, _ := c.GetPageTokenWithResponse(ctx, p.ID, nil)
		prob := res.ApplicationproblemJSON409
		if res.StatusCode() != http.StatusConflict || prob == nil || prob.Code != apiclient.MustReconnect || prob.State == nil || *prob.State != tc.state ||
			prob.ReconnectUrl == nil || !strings.HasSuffix(*prob.ReconnectUrl, "/pages/"+itoa(p.ID)+"/reconnect") {
			t.Errorf("%s: %d %s", tc.page, res.StatusCode(), res.Body)
		}
		if tc.state == apiclient.StateExpired && prob != nil && prob.Deadline == nil {
			t.Errorf("%s: no deadline in %s", tc.page, res.Body)
		}
	}

	// The network fails while the token must be refreshed first.
	yt := e.w.Pages["yt-airport"] // a 50-minute Google token
	e.w.Clock.Advance(50 * time.Minute)
	e.w.Sandbox.Fail(sandbox.Fault{Provider: tokenwatch.YouTube, Status: 503, RetryAfter: 120 * time.Second})
	res, _ = c.GetPageTokenWithResponse(ctx, yt.ID, nil)
	if res.StatusCode() != http.StatusServiceUnavailable || res.HTTPResponse.Header.Get("Retry-After") != "120" || res.ApplicationproblemJSON503 == nil {
		t.Errorf("a failing network: %d %s %v", res.StatusCode(), res.Body, res.HTTPResponse.Header)
	}
	if p := e.w.Page(t, "yt-airport"); p.State != tokenwatch.StateHealthy {
		t.Errorf("a failing network changed the page's state to %s", p.State)
	}
	e.w.Sandbox.ClearFaults()

	// The record: one grant, the key's, no token in it; a read key lists it.
	grants, _ := e.c["read"].ListTokenGrantsWithResponse(ctx, nil)
	if grants.JSON200 == nil || len(grants.JSON200.Items) != 1 || grants.JSON200.Items[0].PageId != fb.ID ||
		strings.Contains(string(grants.Body), stored.AccessToken.Reveal()) {
		t.Errorf("the record of tokens handed out: %s", grants.Body)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestOneRefreshForHundredCallers: 100 concurrent POST /pages/{id}/token
// for a page whose token must be refreshed first make one refresh at the
// network, and every caller gets the new token; on SQLite and PostgreSQL.
func TestOneRefreshForHundredCallers(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); oneRefreshForHundredCallers(t, envOptions{}) })
	t.Run("postgres", func(t *testing.T) { t.Parallel(); oneRefreshForHundredCallers(t, envOptions{postgres: true}) })
}

func oneRefreshForHundredCallers(t *testing.T, o envOptions) {
	e := newEnv(t, o)
	ctx := context.Background()
	x := e.w.Pages["x-downtown"] // a 90-minute X token with a rotating refresh token
	before, _ := e.w.Store.PageCredentials(ctx, x.ID)
	e.w.Clock.Advance(90*time.Minute - 30*time.Second)
	got := make([]string, 100)
	var wg sync.WaitGroup
	for i := range 100 {
		wg.Go(func() {
			res, err := e.c["tokens"].GetPageTokenWithResponse(ctx, x.ID, nil)
			if err != nil || res.JSON200 == nil {
				t.Errorf("caller %d: %v %s", i, err, res.Body)
				return
			}
			got[i] = res.JSON200.AccessToken
		})
	}
	wg.Wait()
	if n := e.w.Sandbox.Calls(tokenwatch.X, sandbox.OpRefresh); n != 1 {
		t.Fatalf("%d refresh calls to the network for 100 callers, want 1", n)
	}
	stored, _ := e.w.Store.PageCredentials(ctx, x.ID)
	if stored.AccessToken.Equal(before.AccessToken) {
		t.Fatal("the token was not refreshed")
	}
	for i, tok := range got {
		if tok != stored.AccessToken.Reveal() {
			t.Fatalf("caller %d got another token than the refreshed one", i)
		}
	}
	grants, _ := e.c["read"].ListTokenGrantsWithResponse(ctx, &apiclient.ListTokenGrantsParams{Page: &x.ID, Limit: ptr(500)})
	if grants.JSON200 == nil || len(grants.JSON200.Items) != 100 {
		t.Errorf("%d grants recorded for 100 tokens handed out", len(grants.JSON200.Items))
	}
}
