package importer_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/connection"
	"github.com/tokenwatch/tokenwatch/internal/importer"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/provider/all"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/store/pgtest"
	"github.com/tokenwatch/tokenwatch/internal/store/storetest"
)

// now is the test clock: far from the real one, so that a state evaluated
// at time.Now would show.
var now = time.Date(2031, 3, 1, 9, 0, 0, 0, time.UTC)

// engines runs fn on SQLite and, when TOKENWATCH_TEST_POSTGRES_URL is set,
// on PostgreSQL, each on a database of its own.
func engines(t *testing.T, fn func(t *testing.T, url string)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, filepath.Join(t.TempDir(), "tw.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		fn(t, pgtest.NewDatabase(t))
	})
}

// world is a store and what an import needs, at the test clock.
type world struct {
	st   *store.Store
	opts importer.Options
}

func newWorld(t testing.TB, url string) *world {
	clock := func() time.Time { return now }
	st := storetest.Open(t, url, store.Options{Now: clock})
	providers := all.New(nil)
	conn := connection.New(st, connection.Options{Providers: providers, Policy: lifecycle.Default(), Now: clock})
	return &world{st: st, opts: importer.Options{Store: st, Connection: conn, Providers: providers, PasswordCost: bcrypt.MinCost}}
}

func (w *world) run(t *testing.T, in string, change func(*importer.Options)) (*importer.Report, error) {
	t.Helper()
	opts := w.opts
	if change != nil {
		change(&opts)
	}
	return importer.Import(context.Background(), strings.NewReader(in), opts)
}

// jsonl writes records as JSON Lines.
func jsonl(records ...map[string]any) string {
	var b strings.Builder
	for _, r := range records {
		line, err := json.Marshal(r)
		if err != nil {
			panic(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.String()
}

type rec = map[string]any

func account(name string, extra ...any) rec { return with(rec{"type": "account", "name": name}, extra) }
func location(acct, name, tz string) rec {
	return rec{"type": "location", "account": acct, "name": name, "time_zone": tz}
}
func user(acct, email string, extra ...any) rec {
	return with(rec{"type": "user", "account": acct, "email": email}, extra)
}
func page(acct, loc, id string, extra ...any) rec {
	return with(rec{"type": "page", "account": acct, "location": loc, "provider": "facebook", "provider_page_id": id,
		"name": "Page " + id, "provider_user_id": "fb-user", "access_token": "EAA-" + id}, extra)
}

func with(r rec, kv []any) rec {
	for i := 0; i+1 < len(kv); i += 2 {
		r[kv[i].(string)] = kv[i+1]
	}
	return r
}

func accountNamed(t *testing.T, st *store.Store, name string) *tokenwatch.Account {
	t.Helper()
	a, err := st.AccountByName(context.Background(), name)
	if err != nil {
		t.Fatalf("account %q: %v", name, err)
	}
	return a
}

func pagesOf(t *testing.T, st *store.Store, acct string) map[string]*tokenwatch.Page {
	t.Helper()
	a, err := st.AccountByName(context.Background(), acct)
	if tokenwatch.IsNotFound(err) {
		return nil
	}
	ps, err := st.ListPages(context.Background(), store.PageFilter{AccountID: a.ID})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*tokenwatch.Page{}
	for _, p := range ps {
		out[p.ProviderPageID] = p
	}
	return out
}

func problems(rep *importer.Report) []string {
	var out []string
	for _, p := range rep.Problems {
		out = append(out, p.String())
	}
	return out
}

// TestJSONLines: the happy path of JSON Lines. Every page is made by
// package connection, evaluated at the service's clock under its
// account's thresholds; a location keeps its time zone; a user without a
// password_hash gets a random password, reported once.
func TestJSONLines(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, url string) {
		ctx := context.Background()
		w := newWorld(t, url)
		hash, _ := bcrypt.GenerateFromPassword([]byte("bob's password"), bcrypt.MinCost)
		in := jsonl(
			account("Acme", "alert_thresholds", "30d,3d"),
			location("Acme", "Downtown", "Europe/Paris"),
			location("Acme", "Harbor", ""),
			user("Acme", "Ann@Acme.test", "name", "Ann", "account_owner", true, "roles", rec{"Downtown": "manager", "Harbor": "member"}),
			user("Acme", "bob@acme.test", "password_hash", string(hash), "roles", rec{"Harbor": "owner"}),
			// Meta's data access ends in 20 days: within Acme's 30-day
			// threshold, not within the default 10 days.
			page("Acme", "Downtown", "1", "connected_by", "ann@acme.test", "data_access_expires_at", now.Add(20*24*time.Hour),
				"refresh_token", "refresh-1", "scopes", []string{"pages_manage_posts", "pages_show_list"}, "provider_user_name", "Ann A."),
			page("Acme", "Harbor", "2", "data_access_expires_at", now.Add(60*24*time.Hour)),
			page("Acme", "Harbor", "3", "data_access_expires_at", now.Add(-time.Hour)),
		)
		rep, err := w.run(t, in, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := importer.Report{Format: importer.Lines, Records: 8, Accounts: importer.Count{Created: 1}, Locations: importer.Count{Created: 2},
			Users: importer.Count{Created: 2}, Memberships: importer.Count{Created: 3}, Pages: importer.Count{Created: 3}}
		if got := *rep; got.Format != want.Format || got.Records != want.Records || got.Accounts != want.Accounts || got.Locations != want.Locations ||
			got.Users != want.Users || got.Memberships != want.Memberships || got.Pages != want.Pages || got.Bad != 0 {
			t.Errorf("report %+v\nwant   %+v", got, want)
		}
		if len(rep.Passwords) != 1 || rep.Passwords[0].Email != "ann@acme.test" {
			t.Fatalf("passwords %+v, want one for ann", rep.Passwords)
		}
		ann, annHash, err := w.st.UserLogin(ctx, "ann@acme.test")
		if err != nil || bcrypt.CompareHashAndPassword([]byte(annHash), []byte(rep.Passwords[0].Password.Reveal())) != nil || !ann.AccountOwner || ann.Name != "Ann" {
			t.Errorf("ann %+v, %v: the reported password does not sign her in", ann, err)
		}
		if _, bobHash, _ := w.st.UserLogin(ctx, "bob@acme.test"); bobHash != string(hash) {
			t.Errorf("bob's hash %q, want the one imported", bobHash)
		}
		acme := accountNamed(t, w.st, "Acme")
		locs, _ := w.st.ListLocations(ctx, acme.ID)
		if len(locs) != 2 || locs[0].Name != "Downtown" || locs[0].TimeZone != "Europe/Paris" || locs[1].TimeZone != "UTC" {
			t.Errorf("locations %+v %+v", locs[0], locs[1])
		}
		if r, _ := w.st.RoleAt(ctx, ann.ID, locs[0].ID); r != tokenwatch.RoleManager {
			t.Errorf("ann at Downtown: %q", r)
		}
		ps := pagesOf(t, w.st, "Acme")
		p1 := ps["1"]
		if p1 == nil || p1.State != tokenwatch.StateExpiring || p1.ConnectedBy != ann.ID || p1.LocationID != locs[0].ID ||
			!p1.NextDueAt.Equal(now) || !p1.AutoRefresh || p1.ProviderUserName != "Ann A." || len(p1.Scopes) != 2 {
			t.Errorf("page 1: %+v", p1)
		}
		if c, err := w.st.PageCredentials(ctx, p1.ID); err != nil || c.AccessToken.Reveal() != "EAA-1" || c.RefreshToken.Reveal() != "refresh-1" {
			t.Errorf("page 1's credentials: %v", err)
		}
		if p := ps["2"]; p == nil || p.State != tokenwatch.StateHealthy || p.ConnectedBy != 0 || !p.DataAccessExpiresAt.Equal(now.Add(60*24*time.Hour)) {
			t.Errorf("page 2: %+v", p)
		}
		if p := ps["3"]; p == nil || p.State != tokenwatch.StateExpired {
			t.Errorf("page 3: %+v", p)
		}
	})
}

// TestBadLines: every bad line is reported with its number and why, and
// every good line is imported, also those after a bad one and those that
// name what a bad line failed to create (which say so).
func TestBadLines(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, url string) {
		w := newWorld(t, url)
		other := &tokenwatch.Account{Name: "Other"}
		if err := w.st.CreateAccount(context.Background(), other); err != nil {
			t.Fatal(err)
		}
		if err := w.st.CreateUser(context.Background(), &tokenwatch.User{AccountID: other.ID, Email: "zoe@other.test"}, "x"); err != nil {
			t.Fatal(err)
		}
		in := jsonl(
			account("Acme"),
			location("Acme", "Downtown", "Europe/Paris"),
			location("Acme", "Mars", "Mars/Base"),
			user("Acme", "ann@acme.test", "password_hash", "plain text", "roles", rec{"Downtown": "owner"}),
			user("Acme", "zoe@other.test"),
			user("Acme", "cy@acme.test", "roles", rec{"Downtown": "admin"}),
			page("Acme", "Downtown", "1"),
			page("Acme", "Mars", "2"),
			page("Acme", "Downtown", "3", "connected_by", "ann@acme.test"),
			page("Acme", "Downtown", "4", "provider", "myspace"),
			page("Acme", "Downtown", "5", "access_token", ""),
			page("Nope", "Downtown", "6"),
			page("Acme", "Downtown", "7", "colour", "red"),
			page("Acme", "Downtown", "8", "access_expires_at", "next week"),
		) + "{\"type\": \"page\", \"account\": \"Acme\"\n" + "\n" + "[1, 2]\n" + jsonl(
			rec{"type": "post", "account": "Acme"},
			account("Beta", "alert_thresholds", "soon"),
			location("Beta", "Harbor", ""),
			page("Acme", "Downtown", "9"),
		)
		var told []importer.Problem
		rep, err := w.run(t, in, func(o *importer.Options) { o.Problem = func(p importer.Problem) { told = append(told, p) } })
		if err != nil {
			t.Fatal(err)
		}
		want := []string{
			`line 3: "Mars/Base" is not a time zone (use an IANA name such as Europe/Paris)`,
			`line 4: password_hash is not a bcrypt hash (leave it out to give the user a random password)`,
			`line 5: zoe@other.test is a user of another account`,
			`line 6: roles: "admin" at "Downtown" is not owner, manager or member`,
			`line 8: location "Mars" was not imported (line 3)`,
			`line 9: user "ann@acme.test" was not imported (line 4)`,
			`line 10: "myspace" is not a network tokenwatch knows`,
			`line 11: access_token is missing`,
			`line 12: no account "Nope" (in the database or earlier in the input)`,
			`line 13: unknown field "colour"`,
			`line 14: "next week" is not a time such as 2027-01-20T00:00:00Z`,
			`line 15: not a JSON object: the JSON value is cut short`,
			`line 17: want an object, not array`,
			`line 18: type "post" is not account, location, user or page`,
			`line 19: alert_thresholds: "soon" is not a list of durations such as 10d,3d`,
			`line 20: account "Beta" was not imported (line 19)`,
		}
		if got := problems(rep); !slices.Equal(got, want) {
			t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if rep.Bad != len(want) || len(told) != len(want) || told[0].Line != 3 || told[0].Account != "Acme" {
			t.Errorf("bad %d, told %d: %+v", rep.Bad, len(told), told)
		}
		if rep.Pages.Created != 2 || rep.Locations.Created != 1 || rep.Users.Created != 0 {
			t.Errorf("report %+v", rep)
		}
		if ps := pagesOf(t, w.st, "Acme"); len(ps) != 2 || ps["1"] == nil || ps["9"] == nil {
			t.Errorf("pages %v, want 1 and 9", ps)
		}
		if _, _, err := w.st.UserLogin(context.Background(), "ann@acme.test"); !tokenwatch.IsNotFound(err) {
			t.Errorf("ann with a plain-text hash: %v, want not imported", err)
		}
	})
}

// TestLongLines: a line longer than the reader's buffer is read whole; one
// longer than a mebibyte is a bad line, skipped without holding it all.
func TestLongLines(t *testing.T) {
	t.Parallel()
	w := newWorld(t, filepath.Join(t.TempDir(), "tw.db"))
	in := jsonl(account("Acme"), location("Acme", "L", ""),
		page("Acme", "L", "long", "access_token", strings.Repeat("a", 200_000)),
		page("Acme", "L", "too long", "access_token", strings.Repeat("a", 1_500_000)),
		page("Acme", "L", "after"))
	rep, err := w.run(t, in, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := problems(rep); !slices.Equal(got, []string{"line 4: longer than 1048576 bytes"}) || rep.Pages.Created != 2 {
		t.Errorf("problems %q, report %+v", got, rep)
	}
	if ps := pagesOf(t, w.st, "Acme"); ps["long"] == nil || ps["after"] == nil {
		t.Errorf("pages %v", ps)
	}
}

// TestReaderFails: a failing reader stops the import with its error, not
// taken for the input's fault.
func TestReaderFails(t *testing.T) {
	t.Parallel()
	w := newWorld(t, filepath.Join(t.TempDir(), "tw.db"))
	fire := errors.New("disk on fire")
	for _, in := range []string{jsonl(account("Acme"), location("Acme", "L", "")), doc[:200]} {
		_, err := importer.Import(context.Background(), io.MultiReader(strings.NewReader(in), iotest.ErrReader(fire)), w.opts)
		if !errors.Is(err, fire) || tokenwatch.ErrorCode(err) == tokenwatch.CodeInvalid {
			t.Errorf("%.20q… then a failure: %v", in, err)
		}
	}
}

// onlyReader hides every method but Read: standard input from a pipe.
type onlyReader struct{ io.Reader }

// TestAtomic: with Atomic, an account with any bad line imports nothing,
// the others everything; an input that cannot seek is spooled to a
// temporary file, removed afterwards; a bad line that names no account
// leaves everything out.
func TestAtomic(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, url string) {
		w := newWorld(t, url)
		in := jsonl(
			account("Acme"),
			location("Acme", "Downtown", "Europe/Paris"),
			account("Beta"),
			location("Beta", "Harbor", ""),
			user("Acme", "ann@acme.test", "roles", rec{"Downtown": "owner"}),
			page("Beta", "Harbor", "b1"),
			page("Acme", "Downtown", "a1", "connected_by", "ann@acme.test"),
			page("Beta", "Nowhere", "b2"), // the bad line, late in Beta
			page("Acme", "Downtown", "a2"),
		)
		spool := t.TempDir()
		var passes []importer.Pass
		rep, err := importer.Import(context.Background(), onlyReader{strings.NewReader(in)}, func() importer.Options {
			o := w.opts
			o.Atomic, o.TempDir = true, spool
			o.Progress = func(p importer.Progress) {
				if p.Done {
					passes = append(passes, p.Pass)
				}
			}
			return o
		}())
		if err != nil {
			t.Fatal(err)
		}
		if got := problems(rep); !slices.Equal(got, []string{`line 8: no location "Nowhere" in account "Beta"`}) {
			t.Errorf("problems %q", got)
		}
		if !slices.Equal(rep.NotImported, []string{"Beta"}) || rep.Skipped != 4 || rep.Accounts.Created != 1 || rep.Pages.Created != 2 || rep.Users.Created != 1 {
			t.Errorf("report %+v", rep)
		}
		if _, err := w.st.AccountByName(context.Background(), "Beta"); !tokenwatch.IsNotFound(err) {
			t.Errorf("account Beta: %v, want not imported at all", err)
		}
		if ps := pagesOf(t, w.st, "Acme"); len(ps) != 2 {
			t.Errorf("Acme's pages %v", ps)
		}
		if !slices.Equal(passes, []importer.Pass{importer.Checking, importer.Importing}) {
			t.Errorf("passes %v", passes)
		}
		if left, _ := os.ReadDir(spool); len(left) != 0 {
			t.Errorf("the spooled input was left behind: %v", left)
		}

		// A line that names no account.
		rep, err = w.run(t, jsonl(account("Gamma"), location("Gamma", "G", ""))+"not json\n", func(o *importer.Options) { o.Atomic = true })
		if err != nil {
			t.Fatal(err)
		}
		if rep.Bad != 1 || rep.Skipped != 3 || rep.Accounts.Created != 0 {
			t.Errorf("report %+v", rep)
		}
		if _, err := w.st.AccountByName(context.Background(), "Gamma"); !tokenwatch.IsNotFound(err) {
			t.Errorf("account Gamma: %v, want not imported", err)
		}
	})
}

// TestTwiceChangesNothing: importing the same input again keeps what is
// there as it is, also what changed in tokenwatch meanwhile and what the
// input says otherwise (a location's time zone).
func TestTwiceChangesNothing(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, url string) {
		ctx := context.Background()
		w := newWorld(t, url)
		acme := &tokenwatch.Account{Name: "Acme"}
		if err := w.st.CreateAccount(ctx, acme); err != nil {
			t.Fatal(err)
		}
		harbor := &tokenwatch.Location{AccountID: acme.ID, Name: "Harbor", TimeZone: "America/New_York"}
		if err := w.st.CreateLocation(ctx, harbor); err != nil {
			t.Fatal(err)
		}
		in := jsonl(
			account("Acme", "alert_thresholds", "30d"),
			location("Acme", "Harbor", "Europe/Paris"),
			location("Acme", "Downtown", "Europe/Paris"),
			user("Acme", "ann@acme.test", "roles", rec{"Downtown": "manager", "Harbor": "member"}),
			page("Acme", "Downtown", "1", "connected_by", "ann@acme.test"),
			page("Acme", "Harbor", "2", "access_expires_at", now.Add(5*24*time.Hour)),
			page("Acme", "Harbor", "2", "name", "The same page again"),
		)
		first, err := w.run(t, in, nil)
		if err != nil || first.Pages != (importer.Count{Created: 2, Kept: 1}) || first.Accounts != (importer.Count{Kept: 1}) ||
			first.Locations != (importer.Count{Created: 1, Kept: 1}) {
			t.Fatalf("first import: %+v, %v", first, err)
		}
		ann, _, _ := w.st.UserLogin(ctx, "ann@acme.test")
		if err := w.st.SetMembership(ctx, tokenwatch.Membership{LocationID: harbor.ID, UserID: ann.ID, Role: tokenwatch.RoleOwner}); err != nil {
			t.Fatal(err)
		}
		before := pagesOf(t, w.st, "Acme")
		second, err := w.run(t, in, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := importer.Report{Accounts: importer.Count{Kept: 1}, Locations: importer.Count{Kept: 2}, Users: importer.Count{Kept: 1},
			Memberships: importer.Count{Kept: 2}, Pages: importer.Count{Kept: 3}}
		if second.Accounts != want.Accounts || second.Locations != want.Locations || second.Users != want.Users ||
			second.Memberships != want.Memberships || second.Pages != want.Pages || len(second.Passwords) != 0 {
			t.Errorf("second import: %+v", second)
		}
		if a := accountNamed(t, w.st, "Acme"); len(a.AlertThresholds) != 0 {
			t.Errorf("Acme's thresholds became %v", a.AlertThresholds)
		}
		if l, _ := w.st.GetLocation(ctx, harbor.ID); l.TimeZone != "America/New_York" {
			t.Errorf("Harbor's time zone became %s", l.TimeZone)
		}
		if r, _ := w.st.RoleAt(ctx, ann.ID, harbor.ID); r != tokenwatch.RoleOwner {
			t.Errorf("ann's role at Harbor became %s", r)
		}
		after := pagesOf(t, w.st, "Acme")
		for id, p := range before {
			if q := after[id]; q == nil || q.Name != p.Name || !q.UpdatedAt.Equal(p.UpdatedAt) || q.Generation != p.Generation || q.State != p.State {
				t.Errorf("page %s changed: %+v\nto %+v", id, p, q)
			}
		}
		if len(after) != 2 || after["2"].Name != "Page 2" {
			t.Errorf("pages after %v", after)
		}
	})
}

const doc = `{"accounts": [
  {"name": "Acme", "alert_thresholds": "30d",
   "locations": [{"name": "Downtown", "time_zone": "Europe/Paris"}, {"name": "", "time_zone": "UTC"}],
   "users": [{"email": "ann@acme.test", "roles": {"Downtown": "owner"}, "password_hash": "md5:abc"}],
   "pages": [{"location": "Downtown", "provider": "linkedin", "provider_page_id": "urn:li:organization:1", "name": "Acme",
              "provider_user_id": "li-ann", "access_token": "AQV", "refresh_expires_at": "2031-03-20T00:00:00Z"},
             {"location": "Downtown", "provider": "linkedin", "provider_page_id": "urn:li:organization:2", "name": "Acme 2",
              "provider_user_id": "li-ann", "access_token": "AQV", "connected_by": "ann@acme.test"}]},
  {"name": "Beta", "locations": 5},
  {"name": "Gamma", "locations": [{"name": "G"}]}
]}`

// TestDocument: today's document stays accepted; a bad element is named
// by its JSON path; a document followed by anything, or cut short, is
// refused before anything is written.
func TestDocument(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, url string) {
		w := newWorld(t, url)
		for _, bad := range []struct{ in, want string }{
			{doc + "\n{}", "there is more after the JSON document"},
			{doc + " garbage", "there is more after the JSON document"},
			{doc[:len(doc)-3], "the JSON document is cut short"},
			{strings.Replace(doc, `"Gamma"`, `"Gamma" "G"`, 1), "the JSON document is not valid: invalid character '\"' after object key:value pair"},
			{`{"accounts": []}`, "the document has no accounts"},
			{`{}`, "the document has no accounts"},
			{`[]`, "it does not start with {"},
			{"  \n", "the input is empty"},
		} {
			rep, err := w.run(t, bad.in, nil)
			if tokenwatch.ErrorCode(err) != tokenwatch.CodeInvalid || !strings.Contains(err.Error(), bad.want) {
				t.Errorf("%.40q…: %v, want %q", bad.in, err, bad.want)
			}
			if rep != nil && rep.Accounts.Created != 0 {
				t.Errorf("%.40q…: %+v", bad.in, rep)
			}
		}
		if accts, _ := w.st.ListAccounts(context.Background()); len(accts) != 0 {
			t.Fatalf("refused documents imported %v", accts)
		}
		rep, err := w.run(t, doc, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{
			`accounts[0].locations[1]: name is missing`,
			`accounts[0].users[0]: password_hash is not a bcrypt hash (leave it out to give the user a random password)`,
			`accounts[0].pages[1]: user "ann@acme.test" was not imported (accounts[0].users[0])`,
			`accounts[1]: locations: want a list, not number`,
		}
		if got := problems(rep); !slices.Equal(got, want) || rep.Format != importer.Document {
			t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if rep.Accounts.Created != 2 || rep.Pages.Created != 1 || rep.Records != 9 {
			t.Errorf("report %+v", rep)
		}
		// Acme's 30 days put its page, 19 days from the deadline, in the
		// first alert window.
		if p := pagesOf(t, w.st, "Acme")["urn:li:organization:1"]; p == nil || p.State != tokenwatch.StateExpiring {
			t.Errorf("Acme's page %+v, want expiring", p)
		}
	})
}

// TestProgress: Progress is told every ProgressEvery records and at the
// end of each pass; in a second pass the total is known.
func TestProgress(t *testing.T) {
	t.Parallel()
	w := newWorld(t, filepath.Join(t.TempDir(), "tw.db"))
	records := []map[string]any{account("Acme"), location("Acme", "L", "")}
	for i := range 10 {
		records = append(records, page("Acme", "L", fmt.Sprint(i)))
	}
	in := jsonl(records...)
	var got []importer.Progress
	rep, err := w.run(t, in, func(o *importer.Options) {
		o.Atomic, o.ProgressEvery, o.BatchSize = true, 5, 3
		o.Progress = func(p importer.Progress) { got = append(got, p) }
	})
	if err != nil || rep.Pages.Created != 10 {
		t.Fatalf("import: %+v, %v", rep, err)
	}
	var seen []string
	for _, p := range got {
		n, exact := p.Estimate()
		if !exact && n >= 10 && n <= 14 {
			n = 12 // an estimate from the bytes read, close enough
		}
		seen = append(seen, fmt.Sprintf("%s %d %v %d %v", p.Pass, p.Records, p.Done, n, exact))
		if p.Size != int64(len(in)) || p.Bytes <= 0 || p.Bytes > p.Size {
			t.Errorf("progress %+v of %d bytes", p, len(in))
		}
	}
	want := []string{"checking 5 false 12 false", "checking 10 false 12 false", "checking 12 true 12 true",
		"importing 5 false 12 true", "importing 10 false 12 true", "importing 12 true 12 true"}
	if !slices.Equal(seen, want) {
		t.Errorf("progress\n%s\nwant\n%s", strings.Join(seen, "\n"), strings.Join(want, "\n"))
	}
}
