package providertest

import (
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/sandbox"
)

// Run runs the conformance suite for one network. Every subtest has its own
// sandbox and runs in parallel.
func Run(t *testing.T, spec Spec) {
	tests := []struct {
		name string
		run  func(*testing.T, *env)
		skip bool
	}{
		{"Info", testInfo, false},
		{"ConnectAndPages", testConnect, false},
		{"PKCE", testPKCE, false},
		{"Refresh", testRefresh, false},
		{"InspectPublishRevoke", testInspectPublishRevoke, false},
		{"ScopeLost", testScopeLost, spec.Scope == ""},
		{"RoleLost", testRoleLost, !spec.RoleLossSeenByInspect},
		{"AccountBlocked", testBlocked, !spec.Blockable},
		{"Transient", testTransient, false},
		{"NoTokenInErrors", testNoTokenInErrors, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.skip {
				t.Skip("not applicable to this network")
			}
			tc.run(t, newEnv(t, spec))
		})
	}
}

func testInfo(t *testing.T, e *env) {
	info := e.p.Info()
	if info.Name != e.name || len(info.Scopes) == 0 || info.RequiredRole == "" || len(info.Troubleshooting) == 0 {
		t.Errorf("Info is incomplete: %+v", info)
	}
	for _, s := range info.RequiredScopes {
		if !strings.Contains(" "+strings.Join(info.Scopes, " ")+" ", " "+s+" ") {
			t.Errorf("required scope %s is not requested", s)
		}
	}
	if info.RefreshBeforeExpiry && info.AutoRefresh && info.RefreshLead <= 0 {
		t.Errorf("a token that must be prolonged before expiry needs a RefreshLead")
	}
}

func testConnect(t *testing.T, e *env) {
	now := time.Now()
	g := e.connect(t, alice)
	if g.UserID != alice || normalize(g.UserName) != normalize(aliceName) {
		t.Errorf("grant identity = %q %q, want %q %q", g.UserID, g.UserName, alice, aliceName)
	}
	if g.AccessToken.IsZero() {
		t.Fatal("no access token")
	}
	wantAccess := now.Add(e.opts.AccessTTL)
	if e.opts.LongLivedTTL > 0 {
		wantAccess = now.Add(e.opts.LongLivedTTL)
	}
	if !near(g.AccessExpiresAt, wantAccess) {
		t.Errorf("AccessExpiresAt = %v, want about %v (from the response)", g.AccessExpiresAt, wantAccess)
	}
	if e.opts.RefreshTokens != !g.RefreshToken.IsZero() {
		t.Errorf("refresh token issued = %v, want %v", !g.RefreshToken.IsZero(), e.opts.RefreshTokens)
	}
	if e.opts.RefreshTTL > 0 && !near(g.RefreshExpiresAt, now.Add(e.opts.RefreshTTL)) {
		t.Errorf("RefreshExpiresAt = %v, want about %v", g.RefreshExpiresAt, now.Add(e.opts.RefreshTTL))
	}
	if e.opts.DataAccessTTL > 0 && !near(g.DataAccessExpiresAt, now.Add(e.opts.DataAccessTTL)) {
		t.Errorf("DataAccessExpiresAt = %v, want about %v", g.DataAccessExpiresAt, now.Add(e.opts.DataAccessTTL))
	}

	cands, err := e.p.Pages(context.Background(), g)
	if e.record(err) != nil || len(cands) != 1 {
		t.Fatalf("Pages = %+v, %v; want one candidate", cands, err)
	}
	c := cands[0]
	wantID := alice
	if e.spec.RoleOK != "" {
		wantID = pageID
		if e.spec.CandidateID != nil {
			wantID = e.spec.CandidateID(pageID, alice)
		}
	}
	if c.ID != wantID || !c.Eligible || c.Token.AccessToken.IsZero() || c.Refusal != "" {
		t.Errorf("candidate = %+v, want eligible %s with a token", c, wantID)
	}
	if e.spec.RoleOK != "" && (c.Name == "" || c.Role == "") {
		t.Errorf("candidate lacks a name or role: %+v", c)
	}
	if e.spec.RoleRefused == "" {
		return
	}
	cands, err = e.p.Pages(context.Background(), e.connect(t, bob))
	if e.record(err) != nil || len(cands) != 1 {
		t.Fatalf("Pages for bob = %+v, %v", cands, err)
	}
	if c := cands[0]; c.Eligible || !c.Token.AccessToken.IsZero() || !strings.Contains(c.Refusal, e.spec.RefusalMentions) {
		t.Errorf("bob's candidate = %+v, want refused with a refusal naming %q", c, e.spec.RefusalMentions)
	}
}

func testPKCE(t *testing.T, e *env) {
	if !e.p.Info().PKCE {
		t.Skip("the network takes no PKCE")
	}
	code := e.consent(t, alice, "the-right-verifier-0123456789-0123456789-0123")
	_, err := e.p.Exchange(context.Background(), code, "a-wrong-verifier-0123456789-0123456789-01234", e.redirect)
	if e.record(err) == nil {
		t.Fatal("Exchange with the wrong PKCE verifier succeeded")
	}
}

func testRefresh(t *testing.T, e *env) {
	page, creds := e.connectPage(t)
	if !e.p.Info().AutoRefresh {
		t.Skip("the network does not refresh")
	}
	if age := e.opts.MinRefreshAge; age > 0 {
		_, err := e.p.Refresh(context.Background(), page, creds)
		if e.record(err) == nil {
			t.Errorf("a token younger than %v was prolonged", age)
		}
		later := time.Now().Add(age + time.Hour)
		e.sb.SetClock(func() time.Time { return later })
	}
	before := e.sb.Calls(e.name, sandbox.OpRefresh)
	tok, err := e.p.Refresh(context.Background(), page, creds)
	if e.record(err) != nil {
		t.Fatalf("Refresh: %v", err)
	}
	if n := e.sb.Calls(e.name, sandbox.OpRefresh) - before; n != 1 {
		t.Errorf("Refresh made %d refresh calls, want exactly 1", n)
	}
	if tok.AccessToken.IsZero() || tok.AccessToken.Equal(creds.AccessToken) {
		t.Error("Refresh returned no new access token")
	}
	if e.opts.RotateRefresh == tok.RefreshToken.IsZero() {
		t.Errorf("RefreshToken returned = %v, want %v (empty unless the network rotated it)", !tok.RefreshToken.IsZero(), e.opts.RotateRefresh)
	}
	if _, err := e.p.Inspect(context.Background(), page, tokenwatch.Credentials{AccessToken: tok.AccessToken}); e.record(err) != nil {
		t.Errorf("Inspect with the refreshed token: %v", err)
	}
	if !e.opts.RotateRefresh {
		return
	}
	// The spent refresh token is refused; where the network says so,
	// replaying it kills the whole grant.
	_, err = e.p.Refresh(context.Background(), page, creds)
	e.wantClass(t, "refresh with a spent refresh token", err, tokenwatch.ClassMustReconnect)
	_, err = e.p.Inspect(context.Background(), page, tokenwatch.Credentials{AccessToken: tok.AccessToken})
	if e.opts.ReplayKillsGrant {
		e.wantClass(t, "inspect after a replayed refresh token", err, tokenwatch.ClassMustReconnect)
	} else if e.record(err) != nil {
		t.Errorf("inspect after a refused replay: %v", err)
	}
}

func testInspectPublishRevoke(t *testing.T, e *env) {
	page, creds := e.connectPage(t)
	in, err := e.p.Inspect(context.Background(), page, creds)
	if e.record(err) != nil {
		t.Fatalf("Inspect: %v", err)
	}
	if in.UserID != alice {
		t.Errorf("Inspect UserID = %q, want %q", in.UserID, alice)
	}
	pub, err := e.p.Publish(context.Background(), page, creds, e.post())
	if e.record(err) != nil || pub.ID == "" {
		t.Fatalf("Publish = %+v, %v", pub, err)
	}
	if posts := e.sb.Posts(e.name); len(posts) != 1 || !strings.Contains(posts[0].Text, "Fresh bread") {
		t.Errorf("sandbox posts = %+v, want the one post", posts)
	}
	e.checkPostLink(t, pub)
	if err := e.sb.Revoke(creds.AccessToken.Reveal()); err != nil {
		t.Fatal(err)
	}
	_, err = e.p.Inspect(context.Background(), page, creds)
	e.wantClass(t, "Inspect after revocation", err, tokenwatch.ClassMustReconnect)
	_, err = e.p.Publish(context.Background(), page, creds, e.post())
	e.wantClass(t, "Publish after revocation", err, tokenwatch.ClassMustReconnect)
	if e.p.Info().AutoRefresh {
		_, err = e.p.Refresh(context.Background(), page, creds)
		e.wantClass(t, "Refresh after revocation", err, tokenwatch.ClassMustReconnect)
	}
}

func testScopeLost(t *testing.T, e *env) {
	page, creds := e.connectPage(t)
	e.sb.RemoveScope(e.name, alice, e.spec.Scope)
	if e.spec.ScopeSeenByInspect {
		_, err := e.p.Inspect(context.Background(), page, creds)
		e.wantClass(t, "Inspect without "+e.spec.Scope, err, tokenwatch.ClassPermissionMissing)
		return
	}
	_, err := e.p.Publish(context.Background(), page, creds, e.post())
	e.wantClass(t, "Publish without "+e.spec.Scope, err, tokenwatch.ClassPermissionMissing)
}

func testRoleLost(t *testing.T, e *env) {
	page, creds := e.connectPage(t)
	e.sb.SetRole(e.name, pageID, alice, e.spec.RoleLost)
	_, err := e.p.Inspect(context.Background(), page, creds)
	e.wantClass(t, "Inspect after the role changed to "+e.spec.RoleLost, err, tokenwatch.ClassPermissionMissing)
}

func testBlocked(t *testing.T, e *env) {
	page, creds := e.connectPage(t)
	subcodes := e.spec.BlockSubcodes
	if len(subcodes) == 0 {
		subcodes = []int{0}
	}
	for _, sub := range subcodes {
		e.sb.Block(e.name, alice, sub)
		_, err := e.p.Inspect(context.Background(), page, creds)
		e.wantClass(t, "Inspect of a blocked account", err, tokenwatch.ClassAccountBlocked)
		_, err = e.p.Publish(context.Background(), page, creds, e.post())
		e.wantClass(t, "Publish from a blocked account", err, tokenwatch.ClassAccountBlocked)
		e.sb.Unblock(e.name, alice)
	}
	if _, err := e.p.Inspect(context.Background(), page, creds); e.record(err) != nil {
		t.Errorf("Inspect once unblocked: %v", err)
	}
}

func testTransient(t *testing.T, e *env) {
	page, creds := e.connectPage(t)
	g := &provider.Grant{Token: provider.Token{AccessToken: creds.AccessToken}, UserID: alice}
	ctx := context.Background()
	calls := map[string]func() error{
		"Inspect": func() error { _, err := e.p.Inspect(ctx, page, creds); return err },
		"Publish": func() error { _, err := e.p.Publish(ctx, page, creds, e.post()); return err },
		"Refresh": func() error { _, err := e.p.Refresh(ctx, page, creds); return err },
		"Pages":   func() error { _, err := e.p.Pages(ctx, g); return err },
	}
	for _, status := range []int{500, 502, 503, 504, 429} {
		e.sb.Fail(sandbox.Fault{Provider: e.name, Status: status})
		for name, call := range calls {
			if name == "Pages" && e.spec.RoleOK == "" || name == "Refresh" && !e.p.Info().AutoRefresh {
				continue
			}
			e.wantClass(t, name+" during a "+strconv.Itoa(status)+" storm", call(), tokenwatch.ClassTransient)
		}
		e.sb.ClearFaults()
	}
	// A 5xx stays transient even when its body reads like a dead token.
	e.sb.Fail(sandbox.Fault{Provider: e.name, Status: 500, Count: 1,
		Body: `{"error":{"message":"Invalid OAuth access token","code":190,"error_subcode":460},"serviceErrorCode":65601,"title":"Unauthorized"}`})
	e.wantClass(t, "Inspect answered 500 with a dead-token body", calls["Inspect"](), tokenwatch.ClassTransient)

	e.sb.Fail(sandbox.Fault{Provider: e.name, Status: 429, Count: 1, RetryAfter: 7 * time.Second})
	pe := e.wantClass(t, "Inspect rate-limited", calls["Inspect"](), tokenwatch.ClassTransient)
	if pe.RetryAfter != 7*time.Second || pe.Status != 429 {
		t.Errorf("rate limit: RetryAfter %v status %d, want 7s and 429", pe.RetryAfter, pe.Status)
	}
	if err := calls["Inspect"](); e.record(err) != nil {
		t.Errorf("Inspect after the faults: %v", err)
	}
}

func testNoTokenInErrors(t *testing.T, e *env) {
	page, creds := e.connectPage(t)
	ctx := context.Background()
	// The network quotes the token back in its error, in every shape the
	// networks use.
	tok := creds.AccessToken.Reveal()
	e.sb.Fail(sandbox.Fault{Provider: e.name, Status: 400, Count: 2, Body: `{"error":{"message":"Invalid token ` + tok +
		`","code":190},"message":"token ` + tok + ` is bad","detail":"` + tok + `"}`})
	_, err := e.p.Inspect(ctx, page, creds)
	e.record(err)
	_, err = e.p.Publish(ctx, page, creds, e.post())
	e.record(err)
	// A network that does not answer at all: the error names the endpoint
	// but not its query, where a token may travel.
	l, lerr := net.Listen("tcp", "127.0.0.1:0")
	if lerr != nil {
		t.Fatal(lerr)
	}
	dead := "http://" + l.Addr().String()
	l.Close()
	p := e.spec.New(e.config(dead))
	for _, err := range []error{
		func() error { _, err := p.Inspect(ctx, page, creds); return err }(),
		func() error { _, err := p.Refresh(ctx, page, creds); return err }(),
		func() error {
			_, err := p.Exchange(ctx, "a-code-0123456789", "a-verifier-0123456789", e.redirect)
			return err
		}(),
	} {
		if err != nil && provider.ClassOf(err) != tokenwatch.ClassTransient && !provider.IsRejected(err) {
			t.Errorf("an unreachable network gave %v, want transient", err)
		}
		e.record(err)
	}
	// checkNoSecrets runs at cleanup over every error this test saw.
}

func normalize(s string) string { return strings.ToLower(strings.ReplaceAll(s, " ", "")) }

// checkPostLink checks the link a published post got: none where the
// network gives none; elsewhere an http(s) link to the network's site (the
// sandbox here) whose page shows the post.
func (e *env) checkPostLink(t *testing.T, pub provider.Published) {
	t.Helper()
	if e.spec.NoPostLink != "" {
		if pub.URL != "" {
			t.Errorf("the post got the link %q; %s", pub.URL, e.spec.NoPostLink)
		}
		return
	}
	if !tokenwatch.PostURLOK(pub.URL) || !strings.HasPrefix(pub.URL, e.sb.BaseURL(e.name)+"/") {
		t.Fatalf("the post's link is %q, want one to %s", pub.URL, e.sb.BaseURL(e.name))
	}
	resp, err := (&http.Client{Transport: e.transport, Timeout: 5 * time.Second}).Get(pub.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Fresh bread at 7") {
		t.Errorf("the post's link %s answers %d: %s", pub.URL, resp.StatusCode, body)
	}
}
