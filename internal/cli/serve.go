package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/config"
	"github.com/tokenwatch/tokenwatch/internal/keyring"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/store"
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
	ln, err := listen(cfg.Addr)
	if err != nil {
		return err
	}
	svc, err := newServices(ctx, cfg, log, st, providersFrom(cfg), false)
	if err != nil {
		return err
	}
	handler, err := svc.handler(env, nil)
	if err != nil {
		return err
	}
	stop, err := svc.start(ctx)
	if err != nil {
		return err
	}
	defer stop()
	return serveHTTP(ctx, ln, handler, log, env.Ready)
}

// openConfiguredStore reads the configuration, then opens and migrates the
// configured database with the configured keys.
func openConfiguredStore(ctx context.Context, env Env) (*config.Config, *slog.Logger, *store.Store, error) {
	cfg, log, err := loadConfig(env)
	if err != nil {
		return nil, nil, nil, err
	}
	if cfg.SecretKey.IsZero() {
		// The demo keeps its key beside its database: commands run on a
		// demo's file (sweep --once, user add) find it there.
		if k, err := env.ReadFile(sqlitePath(cfg.DatabaseURL) + ".key"); err == nil && len(strings.TrimSpace(string(k))) > 0 {
			cfg.SecretKey = tokenwatch.NewSecret(strings.TrimSpace(string(k)))
			log.Info("using the demo's key", "file", sqlitePath(cfg.DatabaseURL)+".key")
		}
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
	return p.WithEscalation(cfg.EscalateAfter), nil
}

// listen opens the HTTP listener.
func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("TOKENWATCH_ADDR: cannot listen on %s: %w", addr, errors.Unwrap(err))
	}
	return ln, nil
}

// serveHTTP serves HTTP on ln until ctx ends, then shuts down gracefully,
// giving requests in flight ten seconds.
func serveHTTP(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger, ready func(string)) error {
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

// sqlitePath is the file a SQLite database URL names ("" for PostgreSQL).
func sqlitePath(url string) string {
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		return ""
	}
	for _, p := range []string{"sqlite:", "file:"} {
		url = strings.TrimPrefix(url, p)
	}
	path, _, _ := strings.Cut(url, "?")
	return path
}
