package web_test

import (
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/password"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/store/pgtest"
	"github.com/tokenwatch/tokenwatch/internal/store/storetest"
	"github.com/tokenwatch/tokenwatch/internal/web"
)

// largePageBytes bounds every page of the UI, whatever the account's
// size (issue 14: under 200 KB).
const largePageBytes = 200_000

// TestEveryPageOfALargeAccount signs in as the owner of an account of
// 40,000 pages (40 locations of 1,000; 4% need reconnecting, 3% expire
// within days, posts scheduled on some), more than one SQL statement can
// bind one by one, and gets every page of the UI: each answers 200 and
// stays under largePageBytes. On SQLite and PostgreSQL.
func TestEveryPageOfALargeAccount(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			url := filepath.Join(t.TempDir(), "large.db")
			if engine == "postgres" {
				url = pgtest.NewDatabase(t)
			}
			testEveryPageOfALargeAccount(t, url)
		})
	}
}

func testEveryPageOfALargeAccount(t *testing.T, url string) {
	const locations, perLocation = 40, 1000
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Second)
	st := storetest.Open(t, url, store.Options{})
	acct := &tokenwatch.Account{Name: "Large"}
	must(t, st.CreateAccount(ctx, acct))
	hash, _ := password.Hash("right password", bcrypt.MinCost)
	owner := &tokenwatch.User{AccountID: acct.ID, Email: "owner@large.test", Name: "Owner", AccountOwner: true}
	must(t, st.CreateUser(ctx, owner, hash))
	manager := &tokenwatch.User{AccountID: acct.ID, Email: "manager@large.test", Name: "Manager"}
	must(t, st.CreateUser(ctx, manager, ""))
	var locIDs, pageIDs []int64
	policy := lifecycle.Default()
	day := 24 * time.Hour
	for l := range locations {
		loc := &tokenwatch.Location{AccountID: acct.ID, Name: fmt.Sprintf("Location %02d", l+1), TimeZone: "Europe/Paris"}
		must(t, st.CreateLocation(ctx, loc))
		must(t, st.SetMembership(ctx, tokenwatch.Membership{LocationID: loc.ID, UserID: manager.ID, Role: tokenwatch.RoleManager}))
		locIDs = append(locIDs, loc.ID)
		batch := make([]store.NewPage, perLocation)
		for j := range perLocation {
			p := &tokenwatch.Page{LocationID: loc.ID, Provider: tokenwatch.Providers[j%len(tokenwatch.Providers)],
				ProviderPageID: fmt.Sprintf("large-%d-%d", l, j), Name: fmt.Sprintf("Page %d of location %d", j+1, l+1),
				ConnectedBy: manager.ID, ProviderUserID: "admin", ProviderUserName: "Admin", LastCheckedAt: now,
				AccessExpiresAt: now.Add(60 * day), NextDueAt: now.Add(day)}
			switch j % 100 {
			case 1:
				p.Problem = tokenwatch.ProblemRevoked
			case 2:
				p.AccessExpiresAt = now.Add(-day)
			case 3:
				p.Problem = tokenwatch.ProblemPermissionMissing
			case 4:
				p.Problem = tokenwatch.ProblemAccountBlocked
			case 5, 6, 7:
				p.AccessExpiresAt = now.Add(time.Duration(j%100-1) * day)
			}
			p.State = policy.Evaluate(lifecycle.FactsOf(p), nil, now).State
			batch[j] = store.NewPage{Page: p, Credentials: tokenwatch.Credentials{AccessToken: tokenwatch.NewSecret("token")}}
		}
		if n, err := st.CreatePages(ctx, batch); err != nil || n != perLocation {
			t.Fatalf("CreatePages: %d, %v", n, err)
		}
		for _, np := range batch {
			pageIDs = append(pageIDs, np.Page.ID)
		}
		// Two posts on a page that needs reconnecting and a healthy one.
		for k := range 2 {
			must(t, st.CreatePost(ctx, &tokenwatch.Post{LocationID: loc.ID, AuthorID: manager.ID, Text: "Post",
				ScheduledAt: now.Add(time.Duration(k+1) * day), PageIDs: []int64{batch[1].Page.ID, batch[10].Page.ID}}))
		}
	}

	w, err := web.New(st, web.Options{Policy: policy, PasswordCost: bcrypt.MinCost})
	must(t, err)
	srv := httptest.NewServer(w)
	t.Cleanup(srv.Close)
	e := &env{srv: srv, st: st}
	c := e.signIn(t, owner.Email)

	loc, revoked, healthy := strconv.FormatInt(locIDs[len(locIDs)-1], 10), strconv.FormatInt(pageIDs[1], 10), strconv.FormatInt(pageIDs[10], 10)
	// Every GET route of the UI that a signed-in owner reaches (see
	// Server.routes), on the last location and on pages of it; not
	// /connect (it needs the networks' flow) nor /pages/{id}/reconnect and
	// /ask, which lead back to the page's detail.
	for _, path := range []string{
		"/", "/issues", "/issues?state=expiring", "/locations", "/calendar", "/notifications", "/people", "/people/" + strconv.FormatInt(manager.ID, 10),
		"/settings", "/audit", "/me", "/me/notifications", "/posts/new", "/posts/new?location=" + loc,
		"/locations/" + loc, "/locations/" + loc + "/channels",
		"/pages/" + revoked, "/pages/" + healthy, "/status", "/pages/" + healthy + "/disconnect",
	} {
		status, body, _ := get(t, c, srv.URL+path)
		if status != 200 || len(body) > largePageBytes {
			t.Errorf("GET %s: %d, %d bytes; want 200 and at most %d bytes\n%.500s", path, status, len(body), largePageBytes, body)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
