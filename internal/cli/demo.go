package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/demo"
	"github.com/tokenwatch/tokenwatch/internal/keyring"
	"github.com/tokenwatch/tokenwatch/internal/password"
	"github.com/tokenwatch/tokenwatch/internal/sandbox"
	"github.com/tokenwatch/tokenwatch/internal/web"
)

func runDemo(ctx context.Context, args []string, env Env) error {
	fs := flags(env, "demo", "demo [--db FILE] [--addr HOST:PORT]",
		"Runs tokenwatch with demo data on an embedded SQLite file: the account \"Demo Brand\",\n"+
			"three locations, a dozen pages in every state, scheduled posts and four demo users\n"+
			"(password \"demo\"). A sandbox social network, served under /sandbox/, stands in for\n"+
			"every network, so Reconnect works offline. The demo data is reset at every start,\n"+
			"relative to the current time.")
	db := fs.String("db", "tokenwatch-demo.db", "SQLite file for the demo (created if missing)")
	addr := fs.String("addr", "", "address to listen on (default TOKENWATCH_ADDR or 127.0.0.1:8080)")
	if err := parse(fs, args, env); err != nil {
		return err
	}
	cfg, log, err := loadConfig(env)
	if err != nil {
		return err
	}
	cfg.DatabaseURL = *db
	// The demo's receivers (webhooks, Slack and Teams channels) may be on
	// this machine, unless the operator says otherwise.
	if env.Getenv("TOKENWATCH_WEBHOOK_ALLOW_PRIVATE") == "" {
		cfg.WebhookAllowPrivate = true
	}
	release, err := lockDemo(*db)
	if err != nil {
		return err
	}
	defer release()
	if *addr != "" {
		cfg.Addr = *addr
	}
	if cfg.SecretKey.IsZero() {
		k, err := demoKey(*db+".key", env)
		if err != nil {
			return err
		}
		cfg.SecretKey = tokenwatch.NewSecret(k)
	}
	keys, err := keyringFrom(cfg)
	if err != nil {
		return err
	}
	ln, err := listen(cfg.Addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	if env.Getenv("TOKENWATCH_BASE_URL") == "" {
		cfg.BaseURL = "http://" + ln.Addr().String()
	}
	st, err := openStore(ctx, cfg.DatabaseURL, keys, log)
	if err != nil {
		return err
	}
	defer st.Close()

	sb := sandbox.New()
	// The links to posts the sandbox answers open in the user's browser.
	sb.SetPublicURL(cfg.BaseURL + "/sandbox")
	providers, connector := demo.Network(sb, cfg.BaseURL+"/sandbox", cfg.BaseURL)
	cost := env.PasswordCost
	if cost == 0 {
		cost = password.DefaultCost
	}
	hash, err := password.Hash(demo.Password, cost)
	if err != nil {
		return err
	}
	err = demo.Seed(ctx, st, demo.Options{Now: time.Now(), PasswordHash: hash, Providers: providers, Connect: connector,
		MediaBase: cfg.BaseURL + "/sandbox/_sandbox/media"})
	if err != nil {
		return fmt.Errorf("seeding the demo: %w", err)
	}
	var logins []web.DemoLogin
	for _, u := range demo.Users {
		logins = append(logins, web.DemoLogin{Email: u.Email, Password: demo.Password, Description: u.Description})
	}
	svc, err := newServices(ctx, cfg, log, st, providers, true)
	if err != nil {
		return err
	}
	app, err := svc.handler(env, logins)
	if err != nil {
		return err
	}
	handler := withSandbox(app, sb)
	ready := func(bound string) {
		fmt.Fprintf(env.Stdout, "\ntokenwatch demo is running at %s/\n\nSign in as (password %q):\n", cfg.BaseURL, demo.Password)
		for _, u := range demo.Users {
			fmt.Fprintf(env.Stdout, "  %-20s %s\n", u.Email, u.Description)
		}
		fmt.Fprintf(env.Stdout, "\nThe sandbox social network: %s/sandbox/_sandbox/\n", cfg.BaseURL)
		fmt.Fprintf(env.Stdout, "Data: %s (reset at every start). Press Ctrl-C to stop.\n\n", *db)
		if env.Ready != nil {
			env.Ready(bound)
		}
	}
	stop, err := svc.start(ctx)
	if err != nil {
		return err
	}
	defer stop()
	return serveHTTP(ctx, ln, handler, log, ready)
}

// withSandbox serves the sandbox social network, controls included, under
// /sandbox/ beside the app. Only the demo calls it: the sandbox fakes every
// network and hands out tokens on request, so the service that `serve`
// runs is built without it.
func withSandbox(app http.Handler, sb *sandbox.Sandbox) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/sandbox/", http.StripPrefix("/sandbox", sb))
	mux.Handle("/", app)
	return mux
}

// demoKey reads the demo's token key from a file beside the database,
// creating it (readable by the owner only) the first time.
func demoKey(path string, env Env) (string, error) {
	b, err := env.ReadFile(path)
	if err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("demo key %s: %w", path, err)
	}
	k := keyring.Generate()
	if err := os.WriteFile(path, []byte(k+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("demo key %s: %w", path, err)
	}
	return k, nil
}
