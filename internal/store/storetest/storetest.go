// Package storetest is the conformance suite of the store: one set of tests
// that every database engine must pass. Each engine's test file calls Run
// with a way to make a fresh, isolated database.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/keyring"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// Engine describes the database engine under test.
type Engine struct {
	// NewDatabase returns the URL of a new, empty database that only the
	// calling test uses, and removes it when the test ends.
	NewDatabase func(t *testing.T) string
}

// Clock is a settable clock for tests.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock set to t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Set sets the clock.
func (c *Clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// Open opens and migrates the database at url, closing it when the test
// ends.
func Open(t testing.TB, url string, opts store.Options) *store.Store {
	t.Helper()
	ctx := context.Background()
	if opts.Keys == nil {
		k, err := keyring.New(keyring.Generate())
		if err != nil {
			t.Fatal(err)
		}
		opts.Keys = k
	}
	if err := fromTemplate(url); err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(ctx, url, opts)
	if err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return s
}

// Fixture is a small account: two locations, users with each role, and a
// page at each location.
type Fixture struct {
	Account              *tokenwatch.Account
	Downtown, Harbor     *tokenwatch.Location
	Owner, Manager       *tokenwatch.User
	Member, DowntownOnly *tokenwatch.User
	DowntownPage         *tokenwatch.Page
	HarborPage           *tokenwatch.Page
}

// Seed creates the fixture.
func Seed(t testing.TB, s *store.Store) *Fixture {
	t.Helper()
	ctx := context.Background()
	f := &Fixture{Account: &tokenwatch.Account{Name: "Demo Brand"}}
	must(t, s.CreateAccount(ctx, f.Account))
	f.Downtown = &tokenwatch.Location{AccountID: f.Account.ID, Name: "Downtown", TimeZone: "Europe/Paris"}
	f.Harbor = &tokenwatch.Location{AccountID: f.Account.ID, Name: "Harbor", TimeZone: "America/New_York"}
	must(t, s.CreateLocation(ctx, f.Downtown))
	must(t, s.CreateLocation(ctx, f.Harbor))
	user := func(email string, owner bool) *tokenwatch.User {
		u := &tokenwatch.User{AccountID: f.Account.ID, Email: email, Name: email, AccountOwner: owner}
		must(t, s.CreateUser(ctx, u, "hash-of-"+email))
		return u
	}
	f.Owner = user("owner@demo.test", true)
	f.Manager = user("manager@demo.test", false)
	f.Member = user("member@demo.test", false)
	f.DowntownOnly = user("downtown@demo.test", false)
	for _, loc := range []*tokenwatch.Location{f.Downtown, f.Harbor} {
		must(t, s.SetMembership(ctx, tokenwatch.Membership{LocationID: loc.ID, UserID: f.Owner.ID, Role: tokenwatch.RoleOwner}))
		must(t, s.SetMembership(ctx, tokenwatch.Membership{LocationID: loc.ID, UserID: f.Manager.ID, Role: tokenwatch.RoleManager}))
		must(t, s.SetMembership(ctx, tokenwatch.Membership{LocationID: loc.ID, UserID: f.Member.ID, Role: tokenwatch.RoleMember}))
	}
	must(t, s.SetMembership(ctx, tokenwatch.Membership{LocationID: f.Downtown.ID, UserID: f.DowntownOnly.ID, Role: tokenwatch.RoleMember}))
	f.DowntownPage = NewPage(f.Downtown.ID, tokenwatch.Facebook, "fb-downtown", "Downtown Bakery")
	f.DowntownPage.ConnectedBy = f.Manager.ID
	must(t, s.CreatePage(ctx, f.DowntownPage, Creds("downtown-access", "")))
	f.HarborPage = NewPage(f.Harbor.ID, tokenwatch.LinkedIn, "li-harbor", "Harbor Bakery")
	must(t, s.CreatePage(ctx, f.HarborPage, Creds("harbor-access", "harbor-refresh")))
	return f
}

// NewPage returns a page to create at a location.
func NewPage(locationID int64, p tokenwatch.Provider, providerID, name string) *tokenwatch.Page {
	return &tokenwatch.Page{LocationID: locationID, Provider: p, ProviderPageID: providerID, Name: name,
		ProviderUserID: "u-" + providerID, ProviderUserName: "Someone", Scopes: []string{"a", "b"}}
}

// Creds returns credentials with the given tokens.
func Creds(access, refresh string) tokenwatch.Credentials {
	return tokenwatch.Credentials{AccessToken: tokenwatch.NewSecret(access), RefreshToken: tokenwatch.NewSecret(refresh)}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// A new SQLite database starts as a copy of one migrated once per test
// process: migrating costs more than what most tests then do (twelve
// migrations, each its own transaction), and Open's Migrate then finds
// nothing to apply, as it would in service after the first start.
var template struct {
	once  sync.Once
	bytes []byte
	err   error
}

// fromTemplate writes the migrated template to path when path names a
// SQLite file that does not exist yet; it leaves PostgreSQL URLs, SQLite
// URLs with options and existing files alone.
func fromTemplate(path string) error {
	if strings.Contains(path, "://") || strings.HasPrefix(path, "file:") || strings.Contains(path, "?") {
		return nil
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	template.once.Do(func() {
		template.bytes, template.err = migratedTemplate()
	})
	if template.err != nil {
		return fmt.Errorf("storetest: the migrated template: %w", template.err)
	}
	return os.WriteFile(path, template.bytes, 0o600)
}

// migratedTemplate migrates a new SQLite database, closes it (which folds
// its write-ahead log into the file) and returns the file's bytes.
func migratedTemplate() ([]byte, error) {
	dir, err := os.MkdirTemp("", "tokenwatch-storetest-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	k, err := keyring.New(keyring.Generate())
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "template.db")
	ctx := context.Background()
	s, err := store.Open(ctx, path, store.Options{Keys: k})
	if err != nil {
		return nil, err
	}
	if _, err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.Close(); err != nil {
		return nil, err
	}
	if _, err := os.Stat(path + "-wal"); err == nil {
		return nil, errors.New("the template's write-ahead log outlived its close")
	}
	return os.ReadFile(path)
}
