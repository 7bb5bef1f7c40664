package tokens_test

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/demo/demotest"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/sandbox"
	"github.com/tokenwatch/tokenwatch/internal/tokens"
)

func newKeeper(w *demotest.World) *tokens.Keeper {
	return tokens.New(w.Store, tokens.Options{Providers: w.Providers, Policy: lifecycle.Default(), Now: w.Clock.Now})
}

// TestOneRefreshForManyCallers: 100 concurrent requests for a page whose
// token needs refreshing, split over two processes, make one refresh call.
func TestOneRefreshForManyCallers(t *testing.T) {
	t.Parallel()
	w := demotest.New(t, demotest.Options{})
	ctx := context.Background()
	x := w.Page(t, "x-downtown") // a 90-minute X token with a rotating refresh token
	before, err := w.Store.PageCredentials(ctx, x.ID)
	if err != nil {
		t.Fatal(err)
	}
	w.Clock.Advance(90*time.Minute - 30*time.Second)
	processes := []*tokens.Keeper{newKeeper(w), newKeeper(w)}
	got := make([]tokenwatch.Credentials, 100)
	var wg sync.WaitGroup
	for i := range 100 {
		wg.Go(func() {
			_, c, err := processes[i%2].Access(ctx, x.ID)
			if err != nil {
				t.Errorf("caller %d: %v", i, err)
			}
			got[i] = c
		})
	}
	wg.Wait()
	if n := w.Sandbox.Calls(tokenwatch.X, sandbox.OpRefresh); n != 1 {
		t.Fatalf("%d refresh calls to the network, want 1", n)
	}
	stored, _ := w.Store.PageCredentials(ctx, x.ID)
	for i, c := range got {
		if !c.AccessToken.Equal(stored.AccessToken) {
			t.Fatalf("caller %d got another access token than the one stored", i)
		}
	}
	if stored.AccessToken.Equal(before.AccessToken) || stored.RefreshToken.Equal(before.RefreshToken) {
		t.Fatal("the new access token or the rotated refresh token was not stored")
	}
	// The rotated refresh token was persisted: the next refresh works (a
	// replay of the old one would have killed the grant at X).
	w.Clock.Advance(2 * time.Hour)
	if _, _, err := processes[0].Access(ctx, x.ID); err != nil {
		t.Fatalf("second refresh: %v", err)
	}
	if p := w.Page(t, "x-downtown"); p.State != tokenwatch.StateHealthy || p.Problem != "" {
		t.Errorf("after two refreshes the page is %s (%s)", p.State, p.Problem)
	}
}

// TestServerErrorStormChangesNoState: a Meta-style storm of 5xx (and 429s)
// while refreshing and checking every page leaves every page's state as it
// was, with the failure recorded and a retry scheduled.
func TestServerErrorStormChangesNoState(t *testing.T) {
	t.Parallel()
	w := demotest.New(t, demotest.Options{})
	ctx := context.Background()
	k := newKeeper(w)
	w.Sandbox.Fail(sandbox.Fault{Provider: tokenwatch.LinkedIn, Status: 429, RetryAfter: 2 * time.Hour})
	w.Sandbox.Fail(sandbox.Fault{Status: 500})
	w.Clock.Advance(2 * time.Hour) // short-lived tokens are due for refresh too
	for id, before := range w.Pages {
		if err := k.Check(ctx, before.ID); err == nil {
			t.Errorf("%s: check succeeded during the storm", id)
		}
		after := w.Page(t, id)
		if after.Problem != before.Problem || after.State != before.State || after.Generation != before.Generation {
			t.Errorf("%s: %s/%q before the storm, %s/%q after", id, before.State, before.Problem, after.State, after.Problem)
		}
		if after.LastError == nil || after.LastError.Class != tokenwatch.ClassTransient || !after.RetryAt.After(w.Clock.Now()) {
			t.Errorf("%s: last error %+v, retry at %v: the failure is not recorded with a retry", id, after.LastError, after.RetryAt)
		}
	}
	if p := w.Page(t, "li-riverside"); p.RetryAt.Before(w.Clock.Now().Add(2 * time.Hour)) {
		t.Errorf("LinkedIn asked to wait 2 hours; retry at %v", p.RetryAt)
	}
	// The backoff grows with each failure in a row.
	fb := w.Page(t, "fb-downtown")
	first := fb.RetryAt.Sub(fb.LastError.At)
	w.Clock.Advance(first)
	_ = k.Check(ctx, fb.ID)
	fb = w.Page(t, "fb-downtown")
	if second := fb.RetryAt.Sub(fb.LastError.At); second != 2*first {
		t.Errorf("backoff %v then %v, want it doubled", first, second)
	}
	// During the backoff, nothing is tried; once the network is back and
	// the backoff over, the next check clears the error.
	w.Sandbox.ClearFaults()
	calls := w.Sandbox.Calls(tokenwatch.Facebook, sandbox.OpInspect)
	if err := k.Check(ctx, fb.ID); err != nil || w.Sandbox.Calls(tokenwatch.Facebook, sandbox.OpInspect) != calls {
		t.Errorf("a check during the backoff reached the network (%v)", err)
	}
	w.Clock.Advance(fb.RetryAt.Sub(w.Clock.Now()))
	if err := k.Check(ctx, fb.ID); err != nil {
		t.Fatal(err)
	}
	if fb = w.Page(t, "fb-downtown"); fb.LastError != nil || !fb.RetryAt.IsZero() || fb.State != tokenwatch.StateHealthy {
		t.Errorf("after recovery: last error %+v, retry %v, state %s", fb.LastError, fb.RetryAt, fb.State)
	}
}

// TestChecksFindProblems: what the network says about a grant becomes the
// page's problem, and the page is due at once so its alert goes out.
func TestChecksFindProblems(t *testing.T) {
	t.Parallel()
	w := demotest.New(t, demotest.Options{})
	ctx := context.Background()
	k := newKeeper(w)
	creds := func(id string) string {
		c, err := w.Store.PageCredentials(ctx, w.Pages[id].ID)
		if err != nil {
			t.Fatal(err)
		}
		return c.AccessToken.Reveal()
	}
	if err := w.Sandbox.Revoke(creds("fb-downtown")); err != nil {
		t.Fatal(err)
	}
	w.Sandbox.RemoveScope(tokenwatch.LinkedIn, w.Pages["li-airport"].ProviderUserID, "w_organization_social")
	w.Sandbox.Block(tokenwatch.InstagramFacebook, w.Pages["ig-downtown"].ProviderUserID, 459)

	tests := []struct {
		page  string
		state tokenwatch.State
		class tokenwatch.ErrorClass
	}{
		{"fb-downtown", tokenwatch.StateRevoked, tokenwatch.ClassMustReconnect},
		{"li-airport", tokenwatch.StatePermissionMissing, tokenwatch.ClassPermissionMissing},
		{"ig-downtown", tokenwatch.StateAccountBlocked, tokenwatch.ClassAccountBlocked},
		// Its deadline passed: the network refuses the token, and the page
		// stays expired rather than revoked.
		{"fb-riverside", tokenwatch.StateExpired, tokenwatch.ClassMustReconnect},
	}
	for _, tt := range tests {
		if err := k.Check(ctx, w.Pages[tt.page].ID); err == nil {
			t.Errorf("%s: the check succeeded", tt.page)
		}
		p := w.Page(t, tt.page)
		if p.State != tt.state || p.LastError == nil || p.LastError.Class != tt.class || !p.NextDueAt.Equal(w.Clock.Now()) {
			t.Errorf("%s: state %s, last error %+v, next due %v; want %s, %s, due now", tt.page, p.State, p.LastError, p.NextDueAt, tt.state, tt.class)
		}
		for _, s := range w.Sandbox.Secrets() {
			if p.LastError != nil && s != "" && len(s) > 8 && contains(p.LastError.Message, s) {
				t.Errorf("%s: the recorded error holds a secret", tt.page)
			}
		}
	}
	// A healthy page checks fine and records the check.
	if err := k.Check(ctx, w.Pages["yt-airport"].ID); err != nil {
		t.Fatal(err)
	}
	if p := w.Page(t, "yt-airport"); !p.LastCheckedAt.Equal(w.Clock.Now()) || p.State != tokenwatch.StateHealthy {
		t.Errorf("yt-airport after a good check: checked %v, state %s", p.LastCheckedAt, p.State)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// TestRefreshAheadStartsANewGeneration: a Meta-family token prolonged days
// ahead of its expiry moves the deadline out, which restarts the ladder.
func TestRefreshAheadStartsANewGeneration(t *testing.T) {
	t.Parallel()
	w := demotest.New(t, demotest.Options{})
	ctx := context.Background()
	k := newKeeper(w)
	ig := w.Page(t, "igl-airport") // Instagram Login, 40 days, refreshed 15 days ahead
	if err := k.Refresh(ctx, ig.ID); err != nil {
		t.Fatal(err)
	}
	if n := w.Sandbox.Calls(tokenwatch.Instagram, sandbox.OpRefresh); n != 0 {
		t.Fatalf("refreshed %d times before the refresh moment", n)
	}
	w.Clock.Advance(26 * 24 * time.Hour)
	if err := k.Refresh(ctx, ig.ID); err != nil {
		t.Fatal(err)
	}
	after := w.Page(t, "igl-airport")
	if after.Generation != ig.Generation+1 || !after.AccessExpiresAt.After(ig.AccessExpiresAt) || after.State != tokenwatch.StateHealthy {
		t.Errorf("after the refresh ahead: generation %d→%d, expiry %v→%v, state %s", ig.Generation, after.Generation,
			ig.AccessExpiresAt, after.AccessExpiresAt, after.State)
	}
}

// TestCheckAtSignIn: a sign-in picks the pages not checked in the last
// hour, and only those, at most as many as asked.
func TestCheckAtSignIn(t *testing.T) {
	t.Parallel()
	w := demotest.New(t, demotest.Options{})
	ctx := context.Background()
	k := newKeeper(w)
	ids, err := k.StalePages(ctx, w.Users["downtown@demo.test"].ID, time.Hour, 50)
	if err != nil {
		t.Fatal(err)
	}
	// Downtown: Facebook, Instagram via Facebook and X are due; Google
	// Business is revoked already.
	want := []int64{w.Pages["fb-downtown"].ID, w.Pages["ig-downtown"].ID, w.Pages["x-downtown"].ID}
	slices.Sort(ids)
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Fatalf("stale pages %v, want %v", ids, want)
	}
	if ids, _ := k.StalePages(ctx, w.Users["owner@demo.test"].ID, time.Hour, 2); len(ids) != 2 {
		t.Errorf("a limit of 2 gave %d pages", len(ids))
	}
	for _, id := range want {
		if err := k.Check(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if ids, _ := k.StalePages(ctx, w.Users["downtown@demo.test"].ID, time.Hour, 50); len(ids) != 0 {
		t.Errorf("pages checked a moment ago are stale again: %v", ids)
	}
}

// TestLogsHoldNoToken: refreshing, checking and failing, with debug logs
// on, never writes a token the network issued into the log.
func TestLogsHoldNoToken(t *testing.T) {
	t.Parallel()
	w := demotest.New(t, demotest.Options{})
	var logs bytes.Buffer
	k := tokens.New(w.Store, tokens.Options{Providers: w.Providers, Policy: lifecycle.Default(), Now: w.Clock.Now,
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	ctx := context.Background()
	w.Clock.Advance(2 * time.Hour) // short-lived tokens are refreshed first
	for _, p := range w.Pages {
		_ = k.Check(ctx, p.ID)
	}
	c, _ := w.Store.PageCredentials(ctx, w.Pages["x-downtown"].ID)
	_ = w.Sandbox.Revoke(c.AccessToken.Reveal())
	w.Sandbox.Fail(sandbox.Fault{Provider: tokenwatch.Facebook, Status: 500})
	w.Clock.Advance(3 * time.Hour)
	for _, p := range w.Pages {
		_ = k.Check(ctx, p.ID)
	}
	if logs.Len() == 0 {
		t.Fatal("nothing was logged: the test sees nothing")
	}
	for _, s := range w.Sandbox.Secrets() {
		if len(s) >= 12 && strings.Contains(logs.String(), s) {
			t.Fatalf("the log holds a secret the network issued:\n%s", logs.String())
		}
	}
}

// TestTikTokAccessTokenInvalidIsRefreshedFirst: TikTok answers a
// two-hour token it no longer takes with 401 access_token_invalid, "please
// refresh the token and retry" (developers.tiktok.com/doc/tiktok-api-v2-error-handling).
// A check that meets it refreshes once, tries again and succeeds; the
// page's state does not change.
func TestTikTokAccessTokenInvalidIsRefreshedFirst(t *testing.T) {
	t.Parallel()
	w := demotest.New(t, demotest.Options{})
	ctx := context.Background()
	k := newKeeper(w)
	before := w.Page(t, "tt-riverside")
	creds, err := w.Store.PageCredentials(ctx, before.ID)
	if err != nil {
		t.Fatal(err)
	}
	// TikTok no longer takes the access token, though tokenwatch believes
	// it has time left.
	if err := w.Sandbox.Expire(creds.AccessToken.Reveal()); err != nil {
		t.Fatal(err)
	}
	if err := k.Check(ctx, before.ID); err != nil {
		t.Fatalf("check: %v", err)
	}
	if n := w.Sandbox.Calls(tokenwatch.TikTok, sandbox.OpRefresh); n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
	after := w.Page(t, "tt-riverside")
	if after.State != before.State || after.Problem != "" || after.LastError != nil || !after.LastCheckedAt.Equal(w.Clock.Now()) {
		t.Errorf("after the check: state %s→%s, problem %q, last error %+v, checked %v", before.State, after.State, after.Problem,
			after.LastError, after.LastCheckedAt)
	}
	now, _ := w.Store.PageCredentials(ctx, before.ID)
	if now.AccessToken.Equal(creds.AccessToken) || now.RefreshToken.Equal(creds.RefreshToken) {
		t.Error("the new access token or the rotated refresh token was not stored")
	}
}

// TestTikTokAccessTokenInvalidThenRefreshRefused: when the refresh that
// access_token_invalid calls for is refused (invalid_grant), the grant is
// dead: the page is revoked.
func TestTikTokAccessTokenInvalidThenRefreshRefused(t *testing.T) {
	t.Parallel()
	w := demotest.New(t, demotest.Options{})
	ctx := context.Background()
	k := newKeeper(w)
	page := w.Page(t, "tt-riverside")
	creds, err := w.Store.PageCredentials(ctx, page.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range []tokenwatch.Secret{creds.AccessToken, creds.RefreshToken} {
		if err := w.Sandbox.Expire(tok.Reveal()); err != nil {
			t.Fatal(err)
		}
	}
	if err := k.Check(ctx, page.ID); err == nil {
		t.Fatal("the check succeeded")
	}
	if n := w.Sandbox.Calls(tokenwatch.TikTok, sandbox.OpRefresh); n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
	after := w.Page(t, "tt-riverside")
	if after.State != tokenwatch.StateRevoked || after.Problem != tokenwatch.ProblemRevoked || after.LastError == nil ||
		after.LastError.Class != tokenwatch.ClassMustReconnect || !after.NextDueAt.Equal(w.Clock.Now()) {
		t.Errorf("after a refused refresh: state %s, problem %q, last error %+v, next due %v; want revoked, due now",
			after.State, after.Problem, after.LastError, after.NextDueAt)
	}
}
