package cli_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/cli"
	"github.com/tokenwatch/tokenwatch/internal/config"
	"github.com/tokenwatch/tokenwatch/internal/keyring"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/store/storetest"
)

// testEnv runs commands with the given variables, the real file system,
// captured output and the cheapest password hashing.
func testEnv(vars map[string]string) (cli.Env, *bytes.Buffer, *bytes.Buffer) {
	var stdout, stderr bytes.Buffer
	return cli.Env{
		Env:          config.Env{Getenv: func(k string) string { return vars[k] }, ReadFile: os.ReadFile},
		Stdin:        strings.NewReader(""),
		Stdout:       &stdout,
		Stderr:       &stderr,
		PasswordCost: bcrypt.MinCost,
		Self:         self,
	}, &stdout, &stderr
}

// asTokenwatch, set in a process's environment, makes this test binary
// run as tokenwatch (see TestMain): the bench starts serve through it.
const asTokenwatch = "TOKENWATCH_TEST_RUN_AS_TOKENWATCH"

// self runs this test binary again as tokenwatch, with args.
func self(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(os.Environ(), asTokenwatch+"=1")
	return cmd
}

func TestMain(m *testing.M) {
	if os.Getenv(asTokenwatch) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := cli.Main(ctx, os.Args[1:], cli.OSEnv())
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// startDemo runs `tokenwatch demo` until the test ends and returns its URL.
func startDemo(t *testing.T, db string, vars map[string]string) string {
	t.Helper()
	env, stdout, stderr := testEnv(vars)
	addr := make(chan string, 1)
	env.Ready = func(a string) { addr <- a }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cli.Run(ctx, []string{"demo", "--db", db, "--addr", "127.0.0.1:0"}, env) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("demo ended with %v\n%s", err, stderr)
		}
	})
	select {
	case a := <-addr:
		if !strings.Contains(stdout.String(), "owner@demo.test") {
			t.Errorf("the demo did not print the logins:\n%s", stdout)
		}
		return "http://" + a
	case err := <-done:
		t.Fatalf("demo stopped: %v\n%s", err, stderr)
	case <-time.After(30 * time.Second):
		t.Fatal("demo did not start")
	}
	return ""
}

func signIn(t *testing.T, base, email, pw string) (*http.Client, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.PostForm(base+"/login", url.Values{"email": {email}, "password": {pw}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/" {
		t.Fatalf("sign-in as %s: %d at %s", email, resp.StatusCode, resp.Request.URL)
	}
	return c, string(b)
}

func TestDemoServesTheFourLogins(t *testing.T) {
	t.Parallel()
	base := startDemo(t, filepath.Join(t.TempDir(), "demo.db"), nil)
	tests := []struct {
		email   string
		see     []string
		dontSee []string
	}{
		{"owner@demo.test", []string{"Downtown", "Riverside", "Airport", "Access revoked", "Expired", "Permission missing", "Expiring"}, nil},
		{"manager@demo.test", []string{"Downtown", "Riverside", "Airport"}, nil},
		{"member@demo.test", []string{"Downtown", "Riverside", "Airport"}, nil},
		{"downtown@demo.test", []string{"Downtown", "@demobakery.downtown"}, []string{"Riverside", "Airport"}},
	}
	for _, tt := range tests {
		_, body := signIn(t, base, tt.email, "demo")
		for _, s := range tt.see {
			if !strings.Contains(body, s) {
				t.Errorf("%s does not see %q", tt.email, s)
			}
		}
		for _, s := range tt.dontSee {
			if strings.Contains(body, s) {
				t.Errorf("%s sees %q", tt.email, s)
			}
		}
	}
}

func TestDemoRestartsOnItsOwnFile(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "demo.db")
	for range 2 {
		env, _, stderr := testEnv(nil)
		ctx, cancel := context.WithCancel(context.Background())
		env.Ready = func(string) { cancel() }
		if err := cli.Run(ctx, []string{"demo", "--db", db, "--addr", "127.0.0.1:0"}, env); err != nil {
			t.Fatalf("demo: %v\n%s", err, stderr)
		}
	}
	if _, err := os.Stat(db + ".key"); err != nil {
		t.Errorf("the demo key file: %v", err)
	}
}

func TestEveryCommandHasHelp(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"demo", "--help"}, {"serve", "--help"}, {"migrate", "--help"}, {"sweep", "--help"}, {"user", "add", "--help"},
		{"apikey", "create", "--help"}, {"import", "--help"}, {"keys", "rotate", "--help"}, {"keys", "generate", "--help"},
		{"version", "--help"}, {"help"}, {"account", "set", "--help"}, {"account", "--help"},
	} {
		env, stdout, _ := testEnv(nil)
		if code := cli.Main(context.Background(), args, env); code != 0 || !strings.Contains(stdout.String(), "Usage: tokenwatch") {
			t.Errorf("%v: exit %d, output %q", args, code, stdout)
		}
	}
}

// Each verb of webhook and apikey says its own flags, and only those.
func TestHelpPerVerb(t *testing.T) {
	t.Parallel()
	for cmd, want := range map[string][2]string{
		"webhook add":     {"-url", "-id"},
		"webhook disable": {"-id", "-url"},
		"webhook list":    {"-account", "-url"},
		"apikey create":   {"-scope", "-id"},
		"apikey revoke":   {"-id", "-name"},
		"apikey list":     {"-account", "-scope"},
	} {
		env, stdout, _ := testEnv(nil)
		if code := cli.Main(context.Background(), append(strings.Fields(cmd), "--help"), env); code != 0 {
			t.Errorf("%s --help: exit %d", cmd, code)
		}
		out := stdout.String()
		if !strings.Contains(out, "Usage: tokenwatch "+cmd) || !strings.Contains(out, want[0]) || strings.Contains(out, want[1]) {
			t.Errorf("%s --help:\n%s", cmd, out)
		}
	}
}

func TestErrorsAreOneLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		vars map[string]string
		want string
	}{
		{[]string{"serve"}, nil, "tokenwatch: TOKENWATCH_SECRET_KEY: not set"},
		{[]string{"serve"}, map[string]string{"TOKENWATCH_SECRET_KEY": "short"}, "tokenwatch: TOKENWATCH_SECRET_KEY: key must be 32 bytes"},
		{[]string{"serve"}, map[string]string{"TOKENWATCH_ADDR": "nope"}, "tokenwatch: TOKENWATCH_ADDR: "},
		{[]string{"serve"}, map[string]string{"TOKENWATCH_MAIL_FROM": "notanaddress"}, `tokenwatch: TOKENWATCH_MAIL_FROM: "notanaddress" is not an e-mail address`},
		{[]string{"serve"}, map[string]string{"TOKENWATCH_SWEEP_INTERVAL": "1ns"}, `tokenwatch: TOKENWATCH_SWEEP_INTERVAL: "1ns" is shorter than the minimum, 1s`},
		{[]string{"frobnicate"}, nil, `tokenwatch: unknown command "frobnicate"`},
		{[]string{"migrate", "--bogus"}, nil, "tokenwatch: migrate: flag provided but not defined: -bogus"},
	}
	for _, tt := range tests {
		env, _, stderr := testEnv(tt.vars)
		code := cli.Main(context.Background(), tt.args, env)
		lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
		last := lines[len(lines)-1]
		if code != 1 || !strings.HasPrefix(last, tt.want) {
			t.Errorf("%v: exit %d, last line %q, want prefix %q", tt.args, code, last, tt.want)
		}
	}
}

// TestAccountSettings: an account's escalation delay and thresholds are
// set from the command line, shown, and reset to the defaults.
func TestAccountSettings(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "tw.db")
	vars := map[string]string{"TOKENWATCH_DATABASE_URL": db, "TOKENWATCH_SECRET_KEY": keyring.Generate(), "TOKENWATCH_ESCALATE_AFTER": "36h"}
	env, _, _ := testEnv(vars)
	env.Stdin = strings.NewReader("a long password\n")
	if err := cli.Run(context.Background(), []string{"user", "add", "--account", "Acme", "--email", "ann@acme.test", "--password-stdin"}, env); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, error) {
		env, stdout, _ := testEnv(vars)
		err := cli.Run(context.Background(), args, env)
		return stdout.String(), err
	}
	if out, err := run("account", "show", "--account", "Acme"); err != nil || !strings.Contains(out, "escalate after: default (36h)") ||
		!strings.Contains(out, "alert thresholds: default (10d,3d)") {
		t.Errorf("show: %v\n%s", err, out)
	}
	if out, err := run("account", "set", "--account", "Acme", "--escalate-after", "3d", "--thresholds", "14d,3d,12h"); err != nil ||
		!strings.Contains(out, "escalate after: 3d") || !strings.Contains(out, "alert thresholds: 14d,3d,12h") {
		t.Errorf("set: %v\n%s", err, out)
	}
	st := storetest.Open(t, db, store.Options{Keys: mustKeyring(t, vars["TOKENWATCH_SECRET_KEY"])})
	if a, err := st.AccountByName(context.Background(), "Acme"); err != nil || a.EscalateAfter != 72*time.Hour || len(a.AlertThresholds) != 3 {
		t.Errorf("stored %+v, %v", a, err)
	}
	if _, err := run("account", "set", "--account", "Acme", "--escalate-after", "soon"); err == nil || !strings.Contains(err.Error(), "--escalate-after") {
		t.Errorf("a bad delay: %v", err)
	}
	if out, err := run("account", "set", "--account", "Acme", "--escalate-after", "default"); err != nil || !strings.Contains(out, "escalate after: default (36h)") {
		t.Errorf("back to the default: %v\n%s", err, out)
	}
	if _, err := run("account", "show", "--account", "Nobody"); err == nil {
		t.Error("an account that does not exist")
	}
}

func mustKeyring(t *testing.T, key string) *keyring.Keyring {
	t.Helper()
	k, err := keyring.New(key)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestMigrateAndUserAdd(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "tw.db")
	vars := map[string]string{"TOKENWATCH_DATABASE_URL": db, "TOKENWATCH_SECRET_KEY": keyring.Generate()}
	env, stdout, stderr := testEnv(vars)
	if err := cli.Run(context.Background(), []string{"migrate"}, env); err != nil || !strings.Contains(stdout.String(), "sqlite database at schema version") {
		t.Fatalf("migrate: %v %s %s", err, stdout, stderr)
	}
	env, stdout, _ = testEnv(vars)
	env.Stdin = strings.NewReader("a long password\n")
	err := cli.Run(context.Background(), []string{"user", "add", "--account", "Acme", "--email", "Ann@Acme.test", "--name", "Ann",
		"--owner", "--location", "Harbor=manager", "--location", "Depot", "--password-stdin"}, env)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stdout.String(), "a long password") {
		t.Error("user add printed the password it was given")
	}
	env, _, _ = testEnv(vars)
	env.Stdin = strings.NewReader("another password\n")
	err = cli.Run(context.Background(), []string{"user", "add", "--account", "Acme", "--email", "ann@acme.test", "--password-stdin"}, env)
	if err == nil || !strings.Contains(err.Error(), "exists already") {
		t.Errorf("adding the same user twice: %v", err)
	}
	// The user can sign in to the service.
	vars["TOKENWATCH_ADDR"] = "127.0.0.1:0"
	env, _, stderr = testEnv(vars)
	addr := make(chan string, 1)
	env.Ready = func(a string) { addr <- a }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cli.Run(ctx, []string{"serve"}, env) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v %s", err, stderr)
		}
	}()
	var base string
	select {
	case a := <-addr:
		base = "http://" + a
	case err := <-done:
		t.Fatalf("serve stopped: %v %s", err, stderr)
	}
	// An owner of the account owns every location, whatever --location said.
	_, body := signIn(t, base, "ann@acme.test", "a long password")
	if !strings.Contains(body, "Harbor") || !strings.Contains(body, "(owner)") || !strings.Contains(body, "Depot") || strings.Contains(body, "(manager)") {
		t.Errorf("Ann's home page:\n%s", body)
	}
}

func TestKeysRotateWhileTheDemoRuns(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "demo.db")
	oldKey, newKey := keyring.Generate(), keyring.Generate()
	startDemo(t, db, map[string]string{"TOKENWATCH_SECRET_KEY": oldKey})

	env, _, _ := testEnv(map[string]string{"TOKENWATCH_DATABASE_URL": db, "TOKENWATCH_SECRET_KEY": newKey})
	err := cli.Run(context.Background(), []string{"keys", "rotate"}, env)
	if err == nil || !strings.Contains(err.Error(), "TOKENWATCH_SECRET_KEY_PREVIOUS") {
		t.Errorf("rotating without the old key: %v", err)
	}
	env, stdout, _ := testEnv(map[string]string{"TOKENWATCH_DATABASE_URL": db, "TOKENWATCH_SECRET_KEY": newKey, "TOKENWATCH_SECRET_KEY_PREVIOUS": oldKey})
	if err := cli.Run(context.Background(), []string{"keys", "rotate", "--batch", "5"}, env); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "re-encrypted the tokens of 13 pages") {
		t.Errorf("rotate said %q", stdout)
	}
	keys, _ := keyring.New(newKey)
	st, err := store.Open(context.Background(), db, store.Options{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	pages, _ := st.ListPages(context.Background(), store.PageFilter{})
	for _, p := range pages {
		if _, err := st.PageCredentials(context.Background(), p.ID); err != nil {
			t.Errorf("page %s under the new key alone: %v", p.Name, err)
		}
	}
	if len(pages) != 13 {
		t.Errorf("%d pages", len(pages))
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	env, stdout, _ := testEnv(nil)
	if err := cli.Run(context.Background(), []string{"version"}, env); err != nil || !strings.HasPrefix(stdout.String(), "tokenwatch ") {
		t.Errorf("version: %v %q", err, stdout)
	}
}

// TestDemoReconnectsOffline walks the reconnect flow of the demo with a
// browser-like client: the Reconnect button, the sandbox network's consent
// screen, the callback, and the page healthy again.
func TestDemoReconnectsOffline(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "demo.db")
	base := startDemo(t, db, nil)
	c, body := signIn(t, base, "manager@demo.test", "demo")
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(body)
	if csrf == nil {
		t.Fatal("no CSRF token on the home page")
	}
	id := demoPageID(t, db, tokenwatch.LinkedIn, "Demo Bakery Riverside") // 8 days left

	resp, err := c.Get(base + "/pages/" + id + "/reconnect")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "Reconnect Demo Bakery Riverside") {
		t.Fatalf("the reconnect page:\n%s", page)
	}
	// The button posts to tokenwatch, which sends the browser to the network.
	resp, err = c.PostForm(base+"/pages/"+id+"/reconnect", url.Values{"csrf": {csrf[1]}})
	if err != nil {
		t.Fatal(err)
	}
	consent, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(consent), "Continue as Marco Manager") || !strings.HasPrefix(resp.Request.URL.String(), base+"/sandbox/linkedin/") {
		t.Fatalf("consent screen at %s:\n%s", resp.Request.URL, consent)
	}
	// Continue as the account that connected the page: back at tokenwatch, reconnected.
	resp, err = c.PostForm(resp.Request.URL.String(), url.Values{"account": {"demo-manager"}})
	if err != nil {
		t.Fatal(err)
	}
	done, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(done), "Reconnected") || !strings.Contains(string(done), "Demo Bakery Riverside") {
		t.Fatalf("after consent: %d at %s\n%s", resp.StatusCode, resp.Request.URL, done)
	}
}

// demoPageID reads a demo page's id from the demo's database.
func demoPageID(t *testing.T, db string, p tokenwatch.Provider, name string) string {
	t.Helper()
	key, err := os.ReadFile(db + ".key")
	if err != nil {
		t.Fatal(err)
	}
	keys, err := keyring.New(strings.TrimSpace(string(key)))
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), db, store.Options{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	pages, err := st.ListPages(context.Background(), store.PageFilter{Provider: p})
	if err != nil {
		t.Fatal(err)
	}
	for _, pg := range pages {
		if pg.Name == name {
			return strconv.FormatInt(pg.ID, 10)
		}
	}
	t.Fatalf("no %s page %q", p, name)
	return ""
}

// A second demo on the same file says so and exits, leaving the first one
// (its sessions, its sandbox) alone.
func TestSecondDemoOnTheSameFile(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "demo.db")
	base := startDemo(t, db, nil)
	c, _ := signIn(t, base, "owner@demo.test", "demo")
	env, _, stderr := testEnv(nil)
	code := cli.Main(context.Background(), []string{"demo", "--db", db, "--addr", "127.0.0.1:0"}, env)
	if code == 0 || !strings.Contains(stderr.String(), "another tokenwatch demo is running on "+db) {
		t.Fatalf("second demo: exit %d, %q", code, stderr)
	}
	resp, err := c.Get(base + "/issues")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/issues" {
		t.Errorf("the first demo's session did not survive: %d at %s", resp.StatusCode, resp.Request.URL)
	}
}
