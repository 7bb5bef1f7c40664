package cli_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch/internal/cli"
	"github.com/tokenwatch/tokenwatch/internal/keyring"
)

// The whole service stops cleanly under load: while people sign in (which
// starts checks of their pages at the networks), browse and the sweep and
// the workers run, the process is told to stop. It returns without error,
// and nothing it started touches the store after it is closed (a closed
// store answers "database is closed", which would be logged).
func TestStopsCleanlyUnderLoad(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "demo.db")
	env, _, stderr := testEnv(map[string]string{"TOKENWATCH_SECRET_KEY": keyring.Generate(), "TOKENWATCH_SWEEP_INTERVAL": "1s",
		"TOKENWATCH_LOG_LEVEL": "debug"})
	addr := make(chan string, 1)
	env.Ready = func(a string) { addr <- a }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cli.Run(ctx, []string{"demo", "--db", db, "--addr", "127.0.0.1:0"}, env) }()
	var base string
	select {
	case a := <-addr:
		base = "http://" + a
	case err := <-done:
		t.Fatalf("demo stopped: %v\n%s", err, stderr)
	case <-time.After(30 * time.Second):
		t.Fatal("demo did not start")
	}

	// The networks answer slowly: checks started at sign-in are still
	// waiting for them when the process is told to stop.
	resp, err := http.Post(base+"/sandbox/_sandbox/faults", "application/json", strings.NewReader(`{"delay_ms": 1500}`))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("slowing the sandbox: %v %v", resp, err)
	}
	resp.Body.Close()
	var requests atomic.Int64
	stop := make(chan struct{})
	var load sync.WaitGroup
	for i := range 8 {
		load.Go(func() {
			email := []string{"owner@demo.test", "manager@demo.test", "member@demo.test", "downtown@demo.test"}[i%4]
			for {
				select {
				case <-stop:
					return
				default:
				}
				jar, _ := cookiejar.New(nil)
				c := &http.Client{Jar: jar, Timeout: 5 * time.Second}
				resp, err := c.PostForm(base+"/login", url.Values{"email": {email}, "password": {"demo"}})
				if err != nil {
					continue // the server is going away
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				for _, path := range []string{"/issues", "/calendar", "/notifications", "/status"} {
					if resp, err := c.Get(base + path); err == nil {
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						requests.Add(1)
					}
				}
			}
		})
	}
	for requests.Load() < 40 {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("the demo ended with %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the demo did not stop within a minute of being told")
	}
	close(stop)
	load.Wait()
	logs := stderr.String()
	for _, bad := range []string{"database is closed", "closed pool", "panic"} {
		if strings.Contains(logs, bad) {
			t.Errorf("after stopping, something used the store: %q in the logs", bad)
		}
	}
	if !strings.Contains(logs, "shutting down") {
		t.Error("the logs do not say the process shut down")
	}
}
