package cli_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/cli"
	"github.com/tokenwatch/tokenwatch/internal/keyring"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// importDoc is a JSON document as `tokenwatch import` has always read it.
const importDoc = `{"accounts": [{"name": "Acme", "alert_thresholds": "14d,3d",
	"locations": [{"name": "Downtown", "time_zone": "Europe/Paris"}],
	"users": [{"email": "ann@acme.test", "name": "Ann", "account_owner": true, "roles": {"Downtown": "manager"}}],
	"pages": [{"location": "Downtown", "provider": "linkedin", "provider_page_id": "urn:li:organization:1", "name": "Acme",
		"connected_by": "ann@acme.test", "provider_user_id": "li-ann", "access_token": "AQV-imported-token",
		"refresh_token": "AQX-imported-refresh", "access_expires_at": "2027-01-20T00:00:00Z", "refresh_expires_at": "2027-10-01T00:00:00Z"}]}]}`

// importSetup returns the variables of a fresh database and a function
// that writes the file to import and returns its name.
func importSetup(t *testing.T) (vars map[string]string, write func(string) string) {
	t.Helper()
	dir := t.TempDir()
	vars = map[string]string{"TOKENWATCH_DATABASE_URL": filepath.Join(dir, "tw.db"), "TOKENWATCH_SECRET_KEY": keyring.Generate()}
	file := filepath.Join(dir, "in.json")
	return vars, func(s string) string {
		if err := os.WriteFile(file, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return file
	}
}

// runImport runs `tokenwatch import` with args and returns its standard
// output and standard error, and its error.
func runImport(t *testing.T, vars map[string]string, stdin io.Reader, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	env, out, errOut := testEnv(vars)
	if stdin != nil {
		env.Stdin = stdin
	}
	err = cli.Run(context.Background(), append([]string{"import"}, args...), env)
	return out.String(), errOut.String(), err
}

// openImported opens the database the import wrote (migrating it, in case
// the import never opened it).
func openImported(t *testing.T, vars map[string]string) *store.Store {
	t.Helper()
	keys, err := keyring.New(vars["TOKENWATCH_SECRET_KEY"])
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), vars["TOKENWATCH_DATABASE_URL"], store.Options{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

func accountNames(t *testing.T, st *store.Store) []string {
	t.Helper()
	accts, err := st.ListAccounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range accts {
		names = append(names, a.Name)
	}
	return names
}

func TestImport(t *testing.T) {
	t.Parallel()
	bad := map[string]string{
		`{"accounts": []}`: "the document has no accounts",
		strings.Replace(importDoc, `"linkedin"`, `"myspace"`, 1):                         `accounts[0].pages[0]: "myspace" is not a network`,
		strings.Replace(importDoc, `"location": "Downtown"`, `"location": "X"`, 1):       `accounts[0].pages[0]: no location "X" in account "Acme"`,
		strings.Replace(importDoc, `"Europe/Paris"`, `"Mars/Base"`, 1):                   `accounts[0].locations[0]: "Mars/Base" is not a time zone`,
		strings.Replace(importDoc, `"AQV-imported-token"`, `""`, 1):                      `accounts[0].pages[0]: access_token is missing`,
		strings.Replace(importDoc, `"name": "Acme",`, `"nmae": "Acme",`, 1):              `accounts[0]: unknown field "nmae"`,
		strings.Replace(importDoc, `"account_owner": true`, `"account_owner": "yes"`, 1): `accounts[0].users[0]: account_owner: want true or false, not string`,
		strings.Replace(importDoc, `"2027-01-20T00:00:00Z"`, `"soon"`, 1):                `accounts[0].pages[0]: "soon" is not a time such as 2027-01-20T00:00:00Z`,
	}
	for in, want := range bad {
		vars, write := importSetup(t)
		_, stderr, err := runImport(t, vars, nil, write(in))
		if err == nil || !strings.Contains(stderr+err.Error(), want) {
			t.Errorf("import of a bad file: %v, %s; want %q", err, stderr, want)
		}
		if pages, _ := openImported(t, vars).ListPages(context.Background(), store.PageFilter{}); len(pages) != 0 {
			t.Errorf("%s: the page was imported", want)
		}
	}
	vars, write := importSetup(t)
	file := write(importDoc)
	for _, want := range []string{"pages: 1 created, 0 kept", "pages: 0 created, 1 kept"} {
		if stdout, stderr, err := runImport(t, vars, nil, file); err != nil || !strings.Contains(stdout, want) {
			t.Errorf("import: %v, %q, %s; want %q", err, stdout, stderr, want)
		}
	}
	st := openImported(t, vars)
	pages, _ := st.ListPages(context.Background(), store.PageFilter{})
	if len(pages) != 1 || pages[0].ConnectedBy == 0 || pages[0].AutoRefresh {
		t.Fatalf("pages %+v", pages)
	}
	c, err := st.PageCredentials(context.Background(), pages[0].ID)
	if err != nil || c.RefreshToken.Reveal() != "AQX-imported-refresh" {
		t.Errorf("credentials: %v", err)
	}
}

// TestImportHelp: --help shows both formats and --atomic.
func TestImportHelp(t *testing.T) {
	t.Parallel()
	stdout, _, err := runImport(t, nil, nil, "--help")
	for _, want := range []string{"Usage: tokenwatch import [--atomic] FILE", `{"accounts": [{`, "JSON Lines", `{"type": "page", "account": "Acme"`, "-atomic"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("import --help: %v, lacks %q:\n%s", err, want, stdout)
		}
	}
}

// TestImportRejectsTrailingGarbage: a document followed by anything but
// white space is not a document, and nothing of it is imported.
func TestImportRejectsTrailingGarbage(t *testing.T) {
	t.Parallel()
	for _, tail := range []string{"garbage", `{"accounts": []}`, "]"} {
		vars, write := importSetup(t)
		_, _, err := runImport(t, vars, nil, write(importDoc+"\n"+tail))
		if err == nil || !strings.Contains(err.Error(), "after the JSON document") {
			t.Errorf("a document followed by %q: %v, want refused", tail, err)
		}
		if names := accountNames(t, openImported(t, vars)); len(names) != 0 {
			t.Errorf("a document followed by %q imported %v", tail, names)
		}
	}
}

// TestImportKeepsTimeZones: a location's time zone is stored, not UTC.
func TestImportKeepsTimeZones(t *testing.T) {
	t.Parallel()
	vars, write := importSetup(t)
	if _, stderr, err := runImport(t, vars, nil, write(importDoc)); err != nil {
		t.Fatalf("import: %v\n%s", err, stderr)
	}
	st := openImported(t, vars)
	accts, _ := st.ListAccounts(context.Background())
	locs, err := st.ListLocations(context.Background(), accts[0].ID)
	if err != nil || len(locs) != 1 || locs[0].TimeZone != "Europe/Paris" {
		t.Fatalf("locations %+v, %v; want Downtown in Europe/Paris", locs, err)
	}
}

// TestImportRefusesHashesThatCannotMatch: a password_hash that is not a
// bcrypt hash would lock the user out forever; its user is a bad record,
// and a real bcrypt hash is stored as given.
func TestImportRefusesHashesThatCannotMatch(t *testing.T) {
	t.Parallel()
	vars, write := importSetup(t)
	hash, _ := bcrypt.GenerateFromPassword([]byte("correct horse"), bcrypt.MinCost)
	doc := strings.Replace(importDoc, `"users": [`, `"users": [{"email": "bob@acme.test", "password_hash": "correct horse"},
		{"email": "cy@acme.test", "password_hash": "`+string(hash)+`"}, `, 1)
	_, stderr, err := runImport(t, vars, nil, write(doc))
	if err == nil || !strings.Contains(stderr, "accounts[0].users[0]: password_hash is not a bcrypt hash") {
		t.Errorf("import: %v, %s; want users[0] refused", err, stderr)
	}
	st := openImported(t, vars)
	if _, _, err := st.UserLogin(context.Background(), "bob@acme.test"); !tokenwatch.IsNotFound(err) {
		t.Errorf("the user with a plain-text hash: %v, want not imported", err)
	}
	if _, got, err := st.UserLogin(context.Background(), "cy@acme.test"); err != nil || got != string(hash) {
		t.Errorf("the user with a bcrypt hash: %v, hash %q", err, got)
	}
}

// TestImportKeepsGoodRecords: without --atomic, a bad record is reported
// with where it is, and every good one is imported.
func TestImportKeepsGoodRecords(t *testing.T) {
	t.Parallel()
	vars, write := importSetup(t)
	doc := strings.Replace(importDoc, `"pages": [`, `"pages": [{"location": "Nowhere", "provider": "x", "provider_page_id": "1",
		"name": "Lost", "provider_user_id": "u", "access_token": "t"}, `, 1)
	stdout, stderr, err := runImport(t, vars, nil, write(doc))
	if err == nil || !strings.Contains(err.Error(), "1 bad record") ||
		!strings.Contains(stderr, `accounts[0].pages[0]: no location "Nowhere" in account "Acme"`) {
		t.Errorf("import: %v\n%s", err, stderr)
	}
	if !strings.Contains(stdout, "pages: 1 created, 0 kept") {
		t.Errorf("the good page was not imported: %s", stdout)
	}
}

// TestImportAtomic: with --atomic an account with a bad record imports
// nothing at all, while the other accounts are imported whole. Here the
// bad record is found only against the database: a user of another
// account.
func TestImportAtomic(t *testing.T) {
	t.Parallel()
	vars, write := importSetup(t)
	env, _, addErr := testEnv(vars)
	if err := cli.Run(context.Background(), []string{"user", "add", "--account", "Other", "--email", "zoe@other.test"}, env); err != nil {
		t.Fatalf("user add: %v\n%s", err, addErr)
	}
	doc := `{"accounts": [` + strings.TrimSuffix(strings.TrimPrefix(importDoc, `{"accounts": [`), `]}`) + `,
		{"name": "Beta", "locations": [{"name": "Harbor"}],
		 "users": [{"email": "zoe@other.test", "roles": {"Harbor": "owner"}}],
		 "pages": [{"location": "Harbor", "provider": "x", "provider_page_id": "9", "name": "Beta on X", "provider_user_id": "u9", "access_token": "t9"}]}]}`
	stdout, stderr, err := runImport(t, vars, nil, "--atomic", write(doc))
	if err == nil || !strings.Contains(stderr, "accounts[1].users[0]: zoe@other.test is a user of another account") {
		t.Errorf("import --atomic: %v\n%s", err, stderr)
	}
	if !strings.Contains(stdout, "pages: 1 created, 0 kept") || !strings.Contains(stdout, `not imported: "Beta"`) {
		t.Errorf("import --atomic said:\n%s", stdout)
	}
	st := openImported(t, vars)
	if names := strings.Join(accountNames(t, st), ","); names != "Other,Acme" {
		t.Errorf("accounts %s, want Other,Acme (nothing of Beta)", names)
	}
}

// TestImportTwiceChangesNothing: what exists already is kept as it is,
// even where the file says otherwise.
func TestImportTwiceChangesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	vars, write := importSetup(t)
	file := write(importDoc)
	if _, stderr, err := runImport(t, vars, nil, file); err != nil {
		t.Fatalf("import: %v\n%s", err, stderr)
	}
	st := openImported(t, vars)
	accts, _ := st.ListAccounts(ctx)
	acct := accts[0]
	locs, _ := st.ListLocations(ctx, acct.ID)
	ann, _, _ := st.UserLogin(ctx, "ann@acme.test")
	// Changed in tokenwatch since the first import.
	if err := st.SetAlertThresholds(ctx, acct.ID, []time.Duration{7 * 24 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	if err := st.SetMembership(ctx, tokenwatch.Membership{LocationID: locs[0].ID, UserID: ann.ID, Role: tokenwatch.RoleMember}); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, err := runImport(t, vars, nil, file)
	if err != nil {
		t.Fatalf("import again: %v\n%s", err, stderr)
	}
	for _, want := range []string{"accounts: 0 created, 1 kept", "locations: 0 created, 1 kept", "users: 0 created, 1 kept",
		"memberships: 0 created, 1 kept", "pages: 0 created, 1 kept"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("import again said %q, want %q", stdout, want)
		}
	}
	if a, _ := st.GetAccount(ctx, acct.ID); len(a.AlertThresholds) != 1 || a.AlertThresholds[0] != 7*24*time.Hour {
		t.Errorf("thresholds %v, want the 7d set since", a.AlertThresholds)
	}
	if r, _ := st.RoleAt(ctx, ann.ID, locs[0].ID); r != tokenwatch.RoleMember {
		t.Errorf("role %q, want member as set since", r)
	}
}

// onlyReader hides every method but Read: standard input from a pipe.
type onlyReader struct{ io.Reader }

// TestImportJSONLinesFromStandardInput: JSON Lines on a pipe, spooled for
// --atomic; a bad line is named by its number.
func TestImportJSONLinesFromStandardInput(t *testing.T) {
	t.Parallel()
	vars, _ := importSetup(t)
	lines := `{"type": "account", "name": "Acme"}
{"type": "location", "account": "Acme", "name": "Downtown", "time_zone": "Europe/Paris"}

{"type": "user", "account": "Acme", "email": "ann@acme.test", "roles": {"Downtown": "owner"}}
{"type": "page", "account": "Acme", "location": "Downtown", "provider": "x", "provider_page_id": "1", "name": "Acme on X", "provider_user_id": "u1", "access_token": "t1", "connected_by": "ann@acme.test"}
{"type": "account", "name": "Beta"}
{"type": "page", "account": "Beta", "location": "Nowhere", "provider": "x", "provider_page_id": "2", "name": "Beta on X", "provider_user_id": "u2", "access_token": "t2"}
`
	stdout, stderr, err := runImport(t, vars, onlyReader{strings.NewReader(lines)}, "--atomic", "-")
	if err == nil || !strings.Contains(stderr, `line 7: no location "Nowhere" in account "Beta"`) {
		t.Errorf("import: %v\n%s", err, stderr)
	}
	if !strings.Contains(stdout, "user ann@acme.test: password ") || !strings.Contains(stdout, "pages: 1 created, 0 kept") {
		t.Errorf("import said:\n%s", stdout)
	}
	if names := strings.Join(accountNames(t, openImported(t, vars)), ","); names != "Acme" {
		t.Errorf("accounts %s, want Acme only", names)
	}
}
