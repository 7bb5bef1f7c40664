// Package demotest builds, for tests, the demo world on a temporary SQLite
// file: the demo account, users and pages, connected at the sandbox social
// network running on loopback, with a clock the test moves. It is for
// tests only.
package demotest

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/demo"
	"github.com/tokenwatch/tokenwatch/internal/keyring"
	"github.com/tokenwatch/tokenwatch/internal/password"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/sandbox"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/store/storetest"
)

// BaseURL is the tokenwatch address the sandbox apps redirect to.
const BaseURL = "https://tokenwatch.test"

// Start is when every test world begins: 06:00 UTC, 01:00 in Downtown
// (New York), so that the demo's posts fall due at known moments.
var Start = time.Date(2026, 11, 25, 6, 0, 0, 0, time.UTC)

// World is the demo, seeded, with its sandbox.
type World struct {
	Store     *store.Store
	Sandbox   *sandbox.Server
	Providers provider.Registry
	Clock     *storetest.Clock
	// Users by e-mail address; Pages by the demo's provider page id
	// ("fb-downtown").
	Users map[string]*tokenwatch.User
	Pages map[string]*tokenwatch.Page
}

// Options shape a world.
type Options struct {
	// DatabaseURL is the database to seed (default: a new SQLite file).
	DatabaseURL string
	// BaseURL is where tokenwatch runs, for the apps' callbacks (default
	// BaseURL).
	BaseURL string
	// Keys seal the tokens (default: a new key), for a test that opens
	// the database again, as another replica would.
	Keys *keyring.Keyring
}

// New seeds the demo at the clock's time, on a database of its own, and
// starts the sandbox.
func New(t testing.TB, o Options) *World {
	t.Helper()
	url, base := o.DatabaseURL, o.BaseURL
	if base == "" {
		base = BaseURL
	}
	ctx := context.Background()
	sb, err := sandbox.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	clock := storetest.NewClock(Start)
	sb.SetClock(clock.Now)
	if url == "" {
		url = filepath.Join(t.TempDir(), "demo.db")
	}
	st := storetest.Open(t, url, store.Options{Now: clock.Now, Keys: o.Keys})
	providers, connect := demo.Network(sb.Sandbox, sb.URL, base)
	hash, err := password.Hash(demo.Password, bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	err = demo.Seed(ctx, st, demo.Options{Now: clock.Now(), PasswordHash: hash, Providers: providers, Connect: connect,
		MediaBase: sb.URL + "/_sandbox/media"})
	if err != nil {
		t.Fatal(err)
	}
	w := &World{Store: st, Sandbox: sb, Providers: providers, Clock: clock,
		Users: map[string]*tokenwatch.User{}, Pages: map[string]*tokenwatch.Page{}}
	for _, u := range demo.Users {
		usr, _, err := st.UserLogin(ctx, u.Email)
		if err != nil {
			t.Fatal(err)
		}
		w.Users[u.Email] = usr
	}
	pages, err := st.ListPages(ctx, store.PageFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, dp := range demo.Pages {
		for _, p := range pages {
			if p.Provider == dp.Provider && p.Name == dp.Name && strings.HasSuffix(p.ProviderPageID, dp.ProviderPageID) {
				w.Pages[dp.ProviderPageID] = p
			}
		}
	}
	return w
}

// Page reads a demo page as it is now.
func (w *World) Page(t testing.TB, id string) *tokenwatch.Page {
	t.Helper()
	p, err := w.Store.GetPage(context.Background(), w.Pages[id].ID)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Session signs a demo user in and returns the session's secret.
func (w *World) Session(t testing.TB, email string) string {
	t.Helper()
	s, err := w.Store.CreateSession(context.Background(), w.Users[email].ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return s.Reveal()
}

// Consent plays a person at a sandbox consent screen: it opens the consent
// URL and continues as the sandbox account accountID ("" cancels), and
// returns the query the network sends back to tokenwatch's callback.
func Consent(t testing.TB, consentURL, accountID string) url.Values {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(consentURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("consent screen: %d %s", resp.StatusCode, body)
	}
	form := url.Values{"account": {accountID}}
	if accountID == "" {
		form = url.Values{"cancel": {"1"}}
	}
	resp, err = c.PostForm(consentURL, form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		t.Fatalf("the consent screen did not redirect back: %d", resp.StatusCode)
	}
	return loc.Query()
}
