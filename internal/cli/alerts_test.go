package cli_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch/internal/cli"
	"github.com/tokenwatch/tokenwatch/internal/keyring"
)

func TestDemoShowsTheAlertMailsInTheOutbox(t *testing.T) {
	t.Parallel()
	base := startDemo(t, filepath.Join(t.TempDir(), "demo.db"), nil)
	c, _ := signIn(t, base, "owner@demo.test", "demo")
	var body string
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		resp, err := c.Get(base + "/outbox")
		if err != nil {
			t.Fatal(err)
		}
		b := new(bytes.Buffer)
		_, _ = b.ReadFrom(resp.Body)
		resp.Body.Close()
		body = b.String()
		if strings.Count(body, "<article") >= 4 {
			break
		}
	}
	for _, want := range []string{"pages need reconnecting", "owner@demo.test", "member@demo.test", "downtown@demo.test", "/pages/", "/reconnect", "Message-ID"} {
		if !strings.Contains(body, want) {
			t.Errorf("the outbox does not show %q:\n%s", want, body)
		}
	}
	resp, err := c.Get(base + "/notifications")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("/notifications: %d", resp.StatusCode)
	}
	resp, err = c.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b := new(bytes.Buffer)
	_, _ = b.ReadFrom(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"tokenwatch_sweep_duration_seconds", "tokenwatch_alerts_recorded_total{step=", `tokenwatch_pages{state="revoked"} 1`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(b.String(), "@demo.test") {
		t.Error("/metrics shows an e-mail address")
	}
}

func TestSweepOnce(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "demo.db")
	// The demo seeds the data (its key in a file beside the database) and
	// stops at once: its first sweep may or may not have run.
	env, _, _ := testEnv(nil)
	ctx, cancel := context.WithCancel(context.Background())
	env.Ready = func(string) { cancel() }
	if err := cli.Run(ctx, []string{"demo", "--db", db, "--addr", "127.0.0.1:0"}, env); err != nil {
		t.Fatal(err)
	}
	// sweep --once on the demo's file finds its key without being told,
	// and says what it did with each due page.
	env, stdout, stderr := testEnv(map[string]string{"TOKENWATCH_DATABASE_URL": db})
	if err := cli.Run(context.Background(), []string{"sweep", "--once"}, env); err != nil {
		t.Fatalf("sweep --once: %v\n%s", err, stderr)
	}
	out := stdout.String()
	for _, want := range []string{"pages due: ", "alerts recorded by step: ", "deliveries queued: ", "next look "} {
		if !strings.Contains(out, want) {
			t.Errorf("sweep --once printed no %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, `"Demo Bakery`) || !strings.Contains(out, "(LinkedIn, Riverside)") {
		t.Errorf("sweep --once does not name the pages:\n%s", out)
	}
}

func TestWebhookAdd(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "tw.db")
	vars := map[string]string{"TOKENWATCH_DATABASE_URL": db, "TOKENWATCH_SECRET_KEY": keyring.Generate()}
	env, _, _ := testEnv(vars)
	env.Stdin = strings.NewReader("a long password\n")
	if err := cli.Run(context.Background(), []string{"user", "add", "--account", "Acme", "--email", "a@acme.test", "--password-stdin"}, env); err != nil {
		t.Fatal(err)
	}
	env, stdout, _ := testEnv(vars)
	if err := cli.Run(context.Background(), []string{"webhook", "add", "--account", "Acme", "--url", "https://hooks.acme.test/tw"}, env); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "whsec_") {
		t.Errorf("webhook add printed %q", stdout)
	}
	env, stdout, _ = testEnv(vars)
	if err := cli.Run(context.Background(), []string{"webhook", "list", "--account", "Acme"}, env); err != nil || !strings.Contains(stdout.String(), "https://hooks.acme.test/tw\tactive") || strings.Contains(stdout.String(), "whsec_") {
		t.Errorf("webhook list: %v %q", err, stdout)
	}
}
