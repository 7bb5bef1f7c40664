package x_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/providertest"
	"github.com/tokenwatch/tokenwatch/internal/provider/x"
	"github.com/tokenwatch/tokenwatch/internal/sandbox"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	providertest.Run(t, providertest.Spec{
		New:       func(c provider.Config) provider.Provider { return x.New(c) },
		Scope:     "tweet.write",
		Blockable: true, // a locked account
	})
}

func TestRecorded(t *testing.T) {
	t.Parallel()
	providertest.RunRecorded(t, func(c provider.Config) provider.Provider { return x.New(c) }, "testdata/recorded")
}

const (
	clientID = "tokenwatch-app"
	secret   = "x-app-secret-0123456789"
	redirect = "https://tokenwatch.test/oauth/x/callback"
	userID   = "1784140001"
)

// sandboxed starts a sandbox with tokenwatch's app and one connected
// account, and returns the provider pointed at it with the page's
// credentials.
func sandboxed(t *testing.T) (*sandbox.Server, *x.Provider, *tokenwatch.Page, tokenwatch.Credentials) {
	t.Helper()
	sb, err := sandbox.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	sb.AddApp(tokenwatch.X, sandbox.App{ClientID: clientID, ClientSecret: secret, RedirectURIs: []string{redirect}})
	sb.AddAccount(tokenwatch.X, sandbox.Account{ID: userID, Name: "Alice Example"})
	p := x.New(config(sb, secret))
	issued, err := sb.IssueGrant(tokenwatch.X, sandbox.GrantRequest{ClientID: clientID, UserID: userID, Scopes: p.Info().Scopes})
	if err != nil {
		t.Fatal(err)
	}
	page := &tokenwatch.Page{Provider: tokenwatch.X, ProviderPageID: userID, ProviderUserID: userID, AutoRefresh: true}
	return sb, p, page, tokenwatch.Credentials{AccessToken: tokenwatch.NewSecret(issued.AccessToken), RefreshToken: tokenwatch.NewSecret(issued.RefreshToken)}
}

func config(sb *sandbox.Server, secret string) provider.Config {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	return provider.Config{ClientID: clientID, ClientSecret: tokenwatch.NewSecret(secret), BaseURL: sb.BaseURL(tokenwatch.X),
		HTTPClient: &http.Client{Timeout: 5 * time.Second, Transport: transport}}
}

// TestAppRefusalsAreServiceProblems: X refusing tokenwatch's app (no
// credits, an app not attached to a project, a usage cap) is a service
// problem of the app, never a problem of the page whose token was used
// (https://docs.x.com/x-api/fundamentals/response-codes-and-errors,
// https://docs.x.com/x-api/getting-started/pricing).
func TestAppRefusalsAreServiceProblems(t *testing.T) {
	t.Parallel()
	for standing, code := range map[sandbox.Standing]string{
		sandbox.StandingNoCredits:   "CreditsDepleted",
		sandbox.StandingNotEnrolled: "client-not-enrolled",
		sandbox.StandingUsageCapped: "usage-capped",
	} {
		t.Run(string(standing), func(t *testing.T) {
			t.Parallel()
			sb, p, page, creds := sandboxed(t)
			sb.AddApp(tokenwatch.X, sandbox.App{ClientID: clientID, ClientSecret: secret, RedirectURIs: []string{redirect}, Standing: standing})
			ctx := context.Background()
			_, err := p.Publish(ctx, page, creds, provider.Post{Text: "Fresh bread at 7"})
			wantService(t, "Publish", err, code)
			_, err = p.Inspect(ctx, page, creds)
			wantService(t, "Inspect", err, code)
			if posts := sb.Posts(tokenwatch.X); len(posts) != 0 {
				t.Errorf("the refused app posted %+v", posts)
			}
		})
	}
}

func wantService(t *testing.T, what string, err error, code string) {
	t.Helper()
	var pe *provider.Error
	if !errors.As(err, &pe) || pe.Class != tokenwatch.ClassService || pe.Code != code || pe.RefreshMayFix || pe.Rejected {
		t.Errorf("%s: %v, want a service problem %s (no refresh, not a refused post)", what, err, code)
	}
}

// TestDiagnose: the credentials probe redeems a made-up code with basic
// auth; the sandbox, like X, refuses the code for the right secret and the
// client for a wrong one.
func TestDiagnose(t *testing.T) {
	t.Parallel()
	sb, _, _, _ := sandboxed(t)
	for _, tc := range []struct {
		secret string
		ok     bool
	}{{secret, true}, {"a-wrong-secret-0123456789", false}} {
		findings := x.New(config(sb, tc.secret)).Diagnose(context.Background(), redirect)
		if len(findings) != 2 {
			t.Fatalf("findings: %+v", findings)
		}
		if f := findings[0]; f.Check != "app credentials" || f.OK != tc.ok {
			t.Errorf("secret %q: %+v, want OK %v", tc.secret, f, tc.ok)
		}
		if f := findings[1]; !f.OK {
			t.Errorf("redirect URI: %+v", f)
		}
	}
	if f := x.New(config(sb, secret)).Diagnose(context.Background(), "http://tokenwatch.test/cb")[1]; f.OK {
		t.Errorf("a plain http callback passed: %+v", f)
	}
}

// TestPostLinks: a post's link is https://x.com/{username}/status/{id}
// (moved to the sandbox), the username with or without its "@"; an
// account name that is no X username gives no link rather than a wrong
// one.
func TestPostLinks(t *testing.T) {
	t.Parallel()
	for user, want := range map[string]bool{"DemoBakeryDT": true, "@DemoBakeryDT": true, "Alice Example": false, "": false,
		"../../evil": false} {
		sb, p, page, creds := sandboxed(t)
		page.ProviderUserName = user
		pub, err := p.Publish(context.Background(), page, creds, provider.Post{Text: "Fresh bread at 7 for " + user})
		if err != nil {
			t.Fatal(err)
		}
		link := sb.BaseURL(tokenwatch.X) + "/DemoBakeryDT/status/" + pub.ID
		if got := pub.URL == link; got != want || (!want && pub.URL != "") {
			t.Errorf("username %q: link %q", user, pub.URL)
		}
	}
}
