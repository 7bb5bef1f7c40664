package cli_test

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch/internal/cli"
	"github.com/tokenwatch/tokenwatch/internal/keyring"
)

// startServe runs `tokenwatch serve` until the test ends and returns its
// URL.
func startServe(t *testing.T, vars map[string]string) string {
	t.Helper()
	vars["TOKENWATCH_ADDR"] = "127.0.0.1:0"
	env, _, stderr := testEnv(vars)
	addr := make(chan string, 1)
	env.Ready = func(a string) { addr <- a }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cli.Run(ctx, []string{"serve"}, env) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v %s", err, stderr)
		}
	})
	select {
	case a := <-addr:
		return "http://" + a
	case err := <-done:
		t.Fatalf("serve stopped: %v %s", err, stderr)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start")
	}
	return ""
}

func status(t *testing.T, method, u, auth string) int {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(`{"delay_ms": 1}`))
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// The sandbox and its controls (which fake every network and hand out
// tokens) are the demo's: `serve` has none of them, whatever is asked. The
// demo has them.
func TestSandboxOnlyInTheDemo(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	base := startServe(t, map[string]string{"TOKENWATCH_DATABASE_URL": filepath.Join(dir, "tw.db"), "TOKENWATCH_SECRET_KEY": keyring.Generate()})
	demo := startDemo(t, filepath.Join(dir, "demo.db"), map[string]string{"TOKENWATCH_SECRET_KEY": keyring.Generate()})
	for _, c := range []struct{ method, path string }{
		{"GET", "/sandbox/_sandbox/"}, {"POST", "/sandbox/_sandbox/faults"}, {"GET", "/sandbox/_sandbox/calls"},
		{"GET", "/_sandbox/"}, {"POST", "/_sandbox/faults"},
	} {
		if got := status(t, c.method, base+c.path, ""); got != http.StatusNotFound && got != http.StatusMethodNotAllowed {
			t.Errorf("serve: %s %s = %d, want nothing there", c.method, c.path, got)
		}
	}
	if got := status(t, "GET", demo+"/sandbox/_sandbox/", ""); got != http.StatusOK {
		t.Errorf("demo: GET /sandbox/_sandbox/ = %d, want the sandbox's controls", got)
	}
}

// With TOKENWATCH_METRICS_TOKEN set, `serve` answers /metrics only to a
// request bearing it.
func TestServeMetricsToken(t *testing.T) {
	t.Parallel()
	base := startServe(t, map[string]string{"TOKENWATCH_DATABASE_URL": filepath.Join(t.TempDir(), "tw.db"), "TOKENWATCH_SECRET_KEY": keyring.Generate(),
		"TOKENWATCH_METRICS_TOKEN": "scrape-me-0123456789"})
	if got := status(t, "GET", base+"/metrics", ""); got != http.StatusUnauthorized {
		t.Errorf("/metrics without the token: %d, want 401", got)
	}
	if got := status(t, "GET", base+"/metrics", "Bearer scrape-me-0123456789"); got != http.StatusOK {
		t.Errorf("/metrics with the token: %d, want 200", got)
	}
}
