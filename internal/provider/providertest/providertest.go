// Package providertest is the conformance suite every network package's
// tests run against the sandbox social network, started in-process on
// loopback: consent, code exchange, page listing and role checks, refresh,
// inspection, publishing, the triage of revocation, lost permissions,
// blocked accounts, 5xx storms and rate limits, and that no token ever
// shows in an error. It is for tests only.
package providertest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/sandbox"
)

// Spec is what a network brings to the suite.
type Spec struct {
	// New builds the provider.
	New func(provider.Config) provider.Provider
	// Config adjusts the configuration (e.g. LinkedIn's RefreshEnabled).
	Config func(*provider.Config)

	// RoleOK and RoleRefused are the sandbox roles that let a user connect
	// a page and that do not; RoleOK empty means the network connects the
	// account itself. RefusalMentions must appear in the refusal.
	RoleOK, RoleRefused, RefusalMentions string
	// CandidateID is the id Pages gives the sandbox page (default: its id).
	CandidateID func(pageID, userID string) string
	// LinkedPage gives the sandbox page a linked Facebook Page.
	LinkedPage bool

	// Scope is a required scope whose loss must read as a missing
	// permission: on Inspect when ScopeSeenByInspect, else on Publish.
	Scope              string
	ScopeSeenByInspect bool
	// RoleLost, when RoleLossSeenByInspect, is the role the user is moved
	// to ("" removes it) after which Inspect must say permission missing.
	RoleLost              string
	RoleLossSeenByInspect bool
	// Blockable: the network has "fix your account first" answers (Meta
	// 459/464, X locked).
	Blockable bool
	// BlockSubcodes to try with the sandbox's Block (default: one, 0).
	BlockSubcodes []int
	// NoPostLink says why the network's published posts get no link
	// (LinkedIn documents none, TikTok names no post at publishing);
	// empty: a published post must get a link that opens it.
	NoPostLink string
}

// Sandbox users and pages.
const (
	alice     = "1784140001"
	aliceName = "Alice Example"
	bob       = "1784140002"
	bobName   = "Bob Example"
	pageID    = "501"
	pageName  = "Downtown Bakery"
	clientID  = "tokenwatch-app"
)

// Odd lifetimes, so that expiries can only come from the responses.
const (
	accessTTL    = 97 * time.Minute
	longLivedTTL = 59*24*time.Hour + 7*time.Hour
	refreshTTL   = 300 * 24 * time.Hour
)

// env is one test's sandbox and provider.
type env struct {
	spec     Spec
	name     tokenwatch.Provider
	sb       *sandbox.Server
	p        provider.Provider
	redirect string
	secret   string
	opts     sandbox.Options
	// transport is this test's own: closing a test server elsewhere
	// closes the idle connections of http.DefaultTransport, breaking a
	// request that has just picked one up.
	transport *http.Transport

	mu   sync.Mutex
	errs []error
}

func newEnv(t *testing.T, spec Spec) *env {
	t.Helper()
	sb, err := sandbox.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	name := spec.New(provider.Config{}).Info().Name
	e := &env{spec: spec, name: name, sb: sb, redirect: "https://tokenwatch.test/oauth/" + string(name) + "/callback",
		secret: "app-secret-" + string(name) + "-0123456789", transport: http.DefaultTransport.(*http.Transport).Clone()}
	t.Cleanup(e.transport.CloseIdleConnections)
	sb.AddApp(name, sandbox.App{ClientID: clientID, ClientSecret: e.secret, RedirectURIs: []string{e.redirect}})
	sb.AddAccount(name, sandbox.Account{ID: alice, Name: aliceName})
	sb.AddAccount(name, sandbox.Account{ID: bob, Name: bobName})
	if spec.RoleOK != "" {
		pg := sandbox.Page{ID: pageID, Name: pageName}
		if spec.LinkedPage {
			pg.LinkedPageID, pg.LinkedPageName = "9"+pageID, pageName+" (Facebook)"
		}
		sb.AddPage(name, pg)
		sb.SetRole(name, pageID, alice, spec.RoleOK)
		sb.SetRole(name, pageID, bob, spec.RoleRefused)
	}
	sb.Configure(name, func(o *sandbox.Options) {
		if o.LongLivedTTL > 0 {
			o.LongLivedTTL = longLivedTTL
		} else {
			o.AccessTTL = accessTTL
		}
		if o.RefreshTTL > 0 {
			o.RefreshTTL = refreshTTL
		}
	})
	e.opts = sb.Options(name)
	e.p = spec.New(e.config(sb.BaseURL(name)))
	t.Cleanup(func() { e.checkNoSecrets(t) })
	return e
}

func (e *env) config(baseURL string) provider.Config {
	cfg := provider.Config{ClientID: clientID, ClientSecret: tokenwatch.NewSecret(e.secret), BaseURL: baseURL,
		HTTPClient: &http.Client{Timeout: 5 * time.Second, Transport: e.transport}}
	if e.spec.Config != nil {
		e.spec.Config(&cfg)
	}
	return cfg
}

// record keeps an error for the final leak check and returns it.
func (e *env) record(err error) error {
	if err != nil {
		e.mu.Lock()
		e.errs = append(e.errs, err)
		e.mu.Unlock()
	}
	return err
}

// checkNoSecrets fails if any error returned to the test quotes a token,
// a code or the app secret.
func (e *env) checkNoSecrets(t *testing.T) {
	secrets := append(e.sb.Secrets(), e.secret)
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, err := range e.errs {
		texts := []string{err.Error()}
		var pe *provider.Error
		if errors.As(err, &pe) {
			texts = append(texts, pe.Message, pe.Code)
		}
		for _, s := range secrets {
			for _, text := range texts {
				if strings.Contains(text, s) {
					t.Errorf("error %q contains a secret", text)
				}
			}
		}
	}
}

// consent runs the consent page as user and returns the code.
func (e *env) consent(t *testing.T, user, verifier string) string {
	t.Helper()
	state := "state-" + user
	consentURL := e.p.AuthCodeURL(state, verifier, e.redirect)
	if !strings.HasPrefix(consentURL, e.sb.BaseURL(e.name)+"/") {
		t.Fatalf("consent URL %s is not on the sandbox", consentURL)
	}
	q := mustParse(t, consentURL).Query()
	if got := q.Get("code_challenge") != ""; got != e.p.Info().PKCE {
		t.Errorf("code_challenge sent = %v, Info().PKCE = %v", got, e.p.Info().PKCE)
	}
	if e.p.Info().PKCE && q.Get("code_challenge") != oauth2.S256ChallengeFromVerifier(verifier) {
		t.Errorf("code_challenge is not the S256 challenge of the verifier")
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: e.transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(consentURL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("consent page: %s: %s", resp.Status, page)
	}
	for _, want := range append([]string{"Continue as " + aliceName, "Continue as " + bobName}, e.p.Info().Scopes...) {
		if !strings.Contains(string(page), want) {
			t.Errorf("consent page lacks %q", want)
		}
	}
	resp, err = client.PostForm(consentURL, url.Values{"account": {user}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back := mustParse(t, resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(back.String(), e.redirect) {
		t.Fatalf("consent answered %s to %s", resp.Status, back)
	}
	if back.Query().Get("state") != state || back.Query().Get("code") == "" {
		t.Fatalf("callback %s: want state %s and a code", back, state)
	}
	return back.Query().Get("code")
}

// connect runs consent and exchange as user.
func (e *env) connect(t *testing.T, user string) *provider.Grant {
	t.Helper()
	verifier := oauth2.GenerateVerifier()
	code := e.consent(t, user, verifier)
	g, err := e.p.Exchange(context.Background(), code, verifier, e.redirect)
	if e.record(err) != nil {
		t.Fatalf("Exchange: %v", err)
	}
	return g
}

// connectPage connects alice's page (or account) and returns what
// tokenwatch would store.
func (e *env) connectPage(t *testing.T) (*tokenwatch.Page, tokenwatch.Credentials) {
	t.Helper()
	g := e.connect(t, alice)
	cands, err := e.p.Pages(context.Background(), g)
	if e.record(err) != nil {
		t.Fatalf("Pages: %v", err)
	}
	for _, c := range cands {
		if c.Eligible {
			page := &tokenwatch.Page{Provider: e.name, ProviderPageID: c.ID, Name: c.Name, ProviderUserID: g.UserID,
				ProviderUserName: g.UserName, Scopes: c.Token.Scopes, AccessExpiresAt: c.Token.AccessExpiresAt,
				RefreshExpiresAt: c.Token.RefreshExpiresAt, DataAccessExpiresAt: c.Token.DataAccessExpiresAt,
				AutoRefresh: e.p.Info().AutoRefresh}
			return page, tokenwatch.Credentials{AccessToken: c.Token.AccessToken, RefreshToken: c.Token.RefreshToken}
		}
	}
	t.Fatalf("no eligible candidate in %+v", cands)
	return nil, tokenwatch.Credentials{}
}

func (e *env) post() provider.Post {
	return provider.Post{Text: "Fresh bread at 7 on " + string(e.name), Link: "https://bakery.example/today",
		MediaURL: e.sb.URL + "/_sandbox/media/bread.mp4"}
}

// wantClass checks that err is a *provider.Error of class.
func (e *env) wantClass(t *testing.T, what string, err error, class tokenwatch.ErrorClass) *provider.Error {
	t.Helper()
	e.record(err)
	var pe *provider.Error
	if !errors.As(err, &pe) {
		t.Fatalf("%s: got %v, want a *provider.Error of class %s", what, err, class)
	}
	if pe.Class != class || pe.Provider != e.name {
		t.Fatalf("%s: got %s error %+v, want class %s from %s", what, pe.Class, pe, class, e.name)
	}
	return pe
}

func mustParse(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// near reports whether got is within a minute of want.
func near(got, want time.Time) bool {
	d := got.Sub(want)
	return d > -time.Minute && d < time.Minute
}
