package cli_test

import (
	"context"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tokenwatch/tokenwatch/internal/cli"
	"github.com/tokenwatch/tokenwatch/internal/keyring"
)

// TestAPIKeyScopes: a key is created with scopes and shown once; the list
// shows its scopes and, once `serve` has answered it, when it was last
// used; a request beyond its scopes is refused.
func TestAPIKeyScopes(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "tw.db")
	vars := map[string]string{"TOKENWATCH_DATABASE_URL": db, "TOKENWATCH_SECRET_KEY": keyring.Generate(), "TOKENWATCH_ADDR": "127.0.0.1:0"}
	ctx := context.Background()
	env, _, _ := testEnv(vars)
	env.Stdin = strings.NewReader("a long password\n")
	if err := cli.Run(ctx, []string{"user", "add", "--account", "Acme", "--email", "ann@acme.test", "--owner", "--password-stdin"}, env); err != nil {
		t.Fatal(err)
	}
	env, stdout, _ := testEnv(vars)
	if err := cli.Run(ctx, []string{"apikey", "create", "--account", "Acme", "--name", "platform", "--scope", "tokens", "--scope", "read"}, env); err != nil {
		t.Fatal(err)
	}
	key := regexp.MustCompile(`tw_[A-Za-z0-9_-]+`).FindString(stdout.String())
	if key == "" || !strings.Contains(stdout.String(), "scopes read,tokens") {
		t.Fatalf("apikey create printed:\n%s", stdout)
	}
	env, _, _ = testEnv(vars)
	if err := cli.Run(ctx, []string{"apikey", "create", "--account", "Acme", "--name", "x", "--scope", "admin"}, env); err == nil ||
		!strings.Contains(err.Error(), "not a scope") {
		t.Errorf("an unknown scope: %v", err)
	}
	list := func() string {
		env, stdout, _ := testEnv(vars)
		if err := cli.Run(ctx, []string{"apikey", "list", "--account", "Acme"}, env); err != nil {
			t.Fatal(err)
		}
		return stdout.String()
	}
	if out := list(); !strings.Contains(out, "platform\tread,tokens\tnever\tactive") || strings.Contains(out, key) {
		t.Fatalf("apikey list:\n%s", out)
	}

	env, _, stderr := testEnv(vars)
	addr := make(chan string, 1)
	env.Ready = func(a string) { addr <- a }
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- cli.Run(sctx, []string{"serve"}, env) }()
	var base string
	select {
	case a := <-addr:
		base = "http://" + a
	case err := <-done:
		t.Fatalf("serve stopped: %v %s", err, stderr)
	}
	get := func(method, path string) int {
		req, _ := http.NewRequest(method, base+path, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := get("GET", "/api/v1/pages"); s != http.StatusOK {
		t.Errorf("GET /api/v1/pages with a read key: %d", s)
	}
	if s := get("POST", "/api/v1/locations"); s != http.StatusForbidden {
		t.Errorf("POST with a key without the write scope: %d", s)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v %s", err, stderr)
	}
	if out := list(); strings.Contains(out, "never") || !strings.Contains(out, " UTC\tactive") {
		t.Errorf("the key's last use was not recorded:\n%s", out)
	}
}
