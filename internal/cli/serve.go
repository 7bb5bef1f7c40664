package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/tokenwatch/tokenwatch/internal/config"
	"github.com/tokenwatch/tokenwatch/internal/keyring"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/password"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/web"
)

func runServe(ctx context.Context, args []string, env Env) error {
	fs := flags(env, "serve", "serve", "Runs the service: the web UI, the API and background work, on TOKENWATCH_ADDR.\nMigrates the database first.")
	if err := parse(fs, args, env); err != nil {
		return err
	}
	cfg, log, st, err := openConfiguredStore(ctx, env)
	if err != nil {
		return err
	}
	defer st.Close()
	return serveAll(ctx, cfg, st, log, env, nil, env.Ready)
}

// serveAll runs the web server with the background work (the sweep loop
// and the River workers) until ctx ends, then stops both.
func serveAll(ctx context.Context, cfg *config.Config, st *store.Store, log *slog.Logger, env Env, demoLogins []web.DemoLogin, ready func(string)) error {
	bg, err := newBackground(ctx, cfg, st, log, backgroundOptions{Work: true, Outbox: demoLogins != nil})
	if err != nil {
		return err
	}
	handler, err := newWeb(cfg, st, log, env, demoLogins, bg)
	if err != nil {
		return err
	}
	stop, err := bg.start(ctx)
	if err != nil {
		return err
	}
	defer stop()
	return listenAndServe(ctx, cfg.Addr, handler, log, ready)
}

// openConfiguredStore reads the configuration, then opens and migrates the
// configured database with the configured keys.
func openConfiguredStore(ctx context.Context, env Env) (*config.Config, *slog.Logger, *store.Store, error) {
	cfg, log, err := loadConfig(env)
	if err != nil {
		return nil, nil, nil, err
	}
	keys, err := keyringFrom(cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	st, err := openStore(ctx, cfg.DatabaseURL, keys, log)
	return cfg, log, st, err
}

// keyringFrom builds the token keyring from the configuration.
func keyringFrom(cfg *config.Config) (*keyring.Keyring, error) {
	if cfg.SecretKey.IsZero() {
		return nil, errors.New("TOKENWATCH_SECRET_KEY: not set; generate a key with `tokenwatch keys generate` and set it (or TOKENWATCH_SECRET_KEY_FILE)")
	}
	var previous []string
	for _, k := range cfg.PreviousSecretKeys {
		previous = append(previous, k.Reveal())
	}
	k, err := keyring.New(cfg.SecretKey.Reveal(), previous...)
	if err != nil {
		return nil, fmt.Errorf("TOKENWATCH_SECRET_KEY: %w", err)
	}
	return k, nil
}

// openStore opens the database and applies pending migrations.
func openStore(ctx context.Context, url string, keys *keyring.Keyring, log *slog.Logger) (*store.Store, error) {
	st, err := store.Open(ctx, url, store.Options{Keys: keys})
	if err != nil {
		return nil, fmt.Errorf("TOKENWATCH_DATABASE_URL: %w", err)
	}
	applied, err := st.Migrate(ctx)
	if err != nil {
		st.Close()
		return nil, err
	}
	for _, m := range applied {
		log.Info("migration applied", "version", m.Version, "name", m.Name)
	}
	return st, nil
}

// policyFrom builds the default lifecycle policy from the configuration.
func policyFrom(cfg *config.Config) (lifecycle.Policy, error) {
	p, err := lifecycle.NewPolicy(cfg.AlertThresholds, cfg.CheckInterval)
	if err != nil {
		return p, fmt.Errorf("TOKENWATCH_ALERT_THRESHOLDS: %w", err)
	}
	return p, nil
}

func newWeb(cfg *config.Config, st *store.Store, log *slog.Logger, env Env, demoLogins []web.DemoLogin, bg *background) (http.Handler, error) {
	policy, err := policyFrom(cfg)
	if err != nil {
		return nil, err
	}
	cost := env.PasswordCost
	if cost == 0 {
		cost = password.DefaultCost
	}
	return web.New(st, web.Options{
		Logger:       log,
		Policy:       policy,
		CookieSecure: cfg.CookieSecure,
		SessionTTL:   cfg.SessionTTL,
		DemoLogins:   demoLogins,
		PasswordCost: cost,
		Metrics:      bg.metrics.Handler(),
		Outbox:       demoLogins != nil,
	})
}

// listenAndServe serves HTTP on addr until ctx ends, then shuts down
// gracefully, giving requests in flight ten seconds.
func listenAndServe(ctx context.Context, addr string, h http.Handler, log *slog.Logger, ready func(string)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("TOKENWATCH_ADDR: cannot listen on %s: %w", addr, errors.Unwrap(err))
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("listening", "addr", ln.Addr().String())
	if ready != nil {
		ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	log.Info("shutting down")
	return srv.Shutdown(shutdownCtx)
}
