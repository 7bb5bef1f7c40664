package pinterest_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/pinterest"
	"github.com/tokenwatch/tokenwatch/internal/provider/providertest"
	"github.com/tokenwatch/tokenwatch/internal/sandbox"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	providertest.Run(t, providertest.Spec{
		New:   func(c provider.Config) provider.Provider { return pinterest.New(c) },
		Scope: "pins:write",
	})
}

func TestRecorded(t *testing.T) {
	t.Parallel()
	providertest.RunRecorded(t, func(c provider.Config) provider.Provider { return pinterest.New(c) }, "testdata/recorded")
}

const secret = "pinterest-secret-0123456789"

// world is a sandbox with tokenwatch's Pinterest app and one account
// connected with every scope tokenwatch asks for.
type world struct {
	sb    *sandbox.Server
	p     *pinterest.Provider
	page  *tokenwatch.Page
	creds tokenwatch.Credentials
}

func newWorld(t *testing.T, configure func(*sandbox.Options)) *world {
	t.Helper()
	sb, err := sandbox.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	if configure != nil {
		sb.Configure(tokenwatch.Pinterest, configure)
	}
	sb.AddApp(tokenwatch.Pinterest, sandbox.App{ClientID: "1484362", ClientSecret: secret, RedirectURIs: []string{"https://tokenwatch.test/cb"}})
	sb.AddAccount(tokenwatch.Pinterest, sandbox.Account{ID: "9001", Name: "Bakery Riverside"})
	w := &world{sb: sb, p: pinterest.New(config(sb, secret)),
		page: &tokenwatch.Page{Provider: tokenwatch.Pinterest, ProviderPageID: "9001", ProviderUserID: "9001", AutoRefresh: true}}
	g, err := sb.IssueGrant(tokenwatch.Pinterest, sandbox.GrantRequest{ClientID: "1484362", UserID: "9001", Scopes: w.p.Info().Scopes})
	if err != nil {
		t.Fatal(err)
	}
	w.creds = tokenwatch.Credentials{AccessToken: tokenwatch.NewSecret(g.AccessToken), RefreshToken: tokenwatch.NewSecret(g.RefreshToken)}
	return w
}

func config(sb *sandbox.Server, secret string) provider.Config {
	return provider.Config{ClientID: "1484362", ClientSecret: tokenwatch.NewSecret(secret), BaseURL: sb.BaseURL(tokenwatch.Pinterest),
		HTTPClient: &http.Client{Timeout: 5 * time.Second, Transport: http.DefaultTransport.(*http.Transport).Clone()}}
}

// TestContinuousRefresh: with continuous refresh every refresh brings a
// new refresh token, valid 60 days, and the previous one stops working
// (developers.pinterest.com/docs/api/v5/oauth-token).
func TestContinuousRefresh(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	ctx := context.Background()
	now := time.Now()
	tok, err := w.p.Refresh(ctx, w.page, w.creds)
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken.IsZero() || tok.RefreshToken.Equal(w.creds.RefreshToken) {
		t.Fatal("no new refresh token returned")
	}
	if d := tok.RefreshExpiresAt.Sub(now.Add(60 * 24 * time.Hour)); d < -time.Minute || d > time.Minute {
		t.Errorf("refresh token expires %v, want in 60 days", tok.RefreshExpiresAt)
	}
	_, err = w.p.Refresh(ctx, w.page, w.creds)
	if provider.ClassOf(err) != tokenwatch.ClassMustReconnect {
		t.Errorf("the previous refresh token: %v, want must reconnect", err)
	}
	next, err := w.p.Refresh(ctx, w.page, tokenwatch.Credentials{RefreshToken: tok.RefreshToken})
	if err != nil || next.RefreshToken.IsZero() {
		t.Fatalf("refresh with the new refresh token: %v", err)
	}
}

// TestLegacyRefresh: a grant whose refresh token is not rotated keeps
// working with the stored one; Refresh returns none.
func TestLegacyRefresh(t *testing.T) {
	t.Parallel()
	w := newWorld(t, func(o *sandbox.Options) { o.RotateRefresh, o.RefreshTTL = false, 365*24*time.Hour })
	for range 2 {
		tok, err := w.p.Refresh(context.Background(), w.page, w.creds)
		if err != nil {
			t.Fatal(err)
		}
		if !tok.RefreshToken.IsZero() || tok.AccessToken.IsZero() {
			t.Fatalf("refresh token returned %v, access token %v; want none and one", !tok.RefreshToken.IsZero(), !tok.AccessToken.IsZero())
		}
	}
}

// TestPinsGoToABoardTheAccountOwns: boards/list returns group boards the
// account collaborates on too, pins/create takes only the account's own.
func TestPinsGoToABoardTheAccountOwns(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	pub, err := w.p.Publish(context.Background(), w.page, w.creds, provider.Post{Text: "Rye", Link: "https://bakery.example/rye",
		MediaURL: w.sb.URL + "/_sandbox/media/rye.jpg"})
	if err != nil || pub.ID == "" {
		t.Fatalf("Publish = %+v, %v", pub, err)
	}
	// The pin's page: https://www.pinterest.com/pin/{id}, moved to the sandbox.
	if want := w.sb.BaseURL(tokenwatch.Pinterest) + "/pin/" + pub.ID; pub.URL != want {
		t.Errorf("the pin's link is %q, want %q", pub.URL, want)
	}
	_, err = w.p.Publish(context.Background(), w.page, w.creds, provider.Post{Text: strings.Repeat("x", 801), MediaURL: w.sb.URL + "/_sandbox/media/rye.jpg"})
	if !provider.IsRejected(err) {
		t.Errorf("an 801-character description: %v, want refused", err)
	}
}

// TestDiagnose probes the app's credentials at the sandbox, which answers
// a made-up code as Pinterest does: code 283 for a known app, code 2
// "Authentication failed." for a wrong secret.
func TestDiagnose(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	good := w.p.Diagnose(context.Background(), "http://localhost:8080/oauth/pinterest/callback")
	if len(good) != 2 || !good[0].OK || !good[1].OK {
		t.Errorf("right secret: %+v", good)
	}
	bad := pinterest.New(config(w.sb, "a-wrong-secret-0123456789")).Diagnose(context.Background(), "http://tokenwatch.example/oauth/pinterest/callback")
	if bad[0].OK || !strings.Contains(bad[0].Detail, "client id and secret") {
		t.Errorf("wrong secret: %+v", bad[0])
	}
	if bad[1].OK {
		t.Errorf("an http redirect URI off this machine: %+v", bad[1])
	}
}
