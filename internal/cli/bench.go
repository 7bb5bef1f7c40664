package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/tokenwatch/tokenwatch/internal/alert"
	"github.com/tokenwatch/tokenwatch/internal/bench"
	"github.com/tokenwatch/tokenwatch/internal/config"
	"github.com/tokenwatch/tokenwatch/internal/keyring"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// servesOwn are the settings the bench gives the serve it starts (the
// others are this process's).
var servesOwn = []string{"TOKENWATCH_DATABASE_URL", "TOKENWATCH_SECRET_KEY", "TOKENWATCH_SECRET_KEY_PREVIOUS", "TOKENWATCH_ADDR",
	"TOKENWATCH_BASE_URL", "TOKENWATCH_LOG_LEVEL", "TOKENWATCH_JOB_TIMEOUT"}

// ErrTargetsMissed is returned when the bench ran but some targets were
// missed (the report says which).
var ErrTargetsMissed = errors.New("targets missed")

func runBench(ctx context.Context, args []string, env Env) error {
	fs := flags(env, "bench", "bench [--pages N] [--db FILE | --postgres URL] [flags]",
		"Seeds an account of --pages pages (default 1,000,000) in a new database, SQLite (--db, default a\n"+
			"temporary directory) or PostgreSQL (--postgres: two new schemas there, dropped at the end), and\n"+
			"measures what `serve` runs, side by side in one run: the alert sweep with the same due pages in a\n"+
			"database of those pages alone and in the full one (metrics included), the first page of / and\n"+
			"/issues for a user who sees a tenth of the pages (signed in through the sign-in form),\n"+
			"GET /api/v1/issues?limit=100 and GET /api/v1/pages/{id} at a constant rate over loopback, and the\n"+
			"server's peak RSS and CPU per request: the HTTP part is served by `tokenwatch serve` run as a\n"+
			"process of its own on the seeded database (Linux: read in /proc). It prints a table with each target and PASS or FAIL, and exits 1 when a target is missed.\n"+
			"TOKENWATCH_ALERT_THRESHOLDS and the other settings of serve apply; the database is not\n"+
			"TOKENWATCH_DATABASE_URL's.")
	var o bench.Options
	fs.IntVar(&o.Pages, "pages", 1_000_000, "pages in the full account")
	fs.IntVar(&o.Locations, "locations", 0, "locations (default 1,000; fewer below 100,000 pages, at least 100 pages each)")
	fs.IntVar(&o.UserPages, "user-pages", 0, "pages the measured user sees (default a tenth of --pages)")
	fs.IntVar(&o.Due, "due", 0, "pages due at each measured sweep, and the small database's size (default a hundredth of --pages)")
	fs.StringVar(&o.SQLitePath, "db", "", "SQLite file for the full database (the small one gets .small added); must not exist")
	fs.StringVar(&o.PostgresURL, "postgres", "", "PostgreSQL URL: the bench makes two schemas of its own in that database")
	fs.BoolVar(&o.Keep, "keep", false, "keep the databases at the end")
	fs.DurationVar(&o.Load, "load", 5*time.Second, "how long each API route is loaded")
	fs.IntVar(&o.Rate, "rate", 500, "API requests a second")
	fs.IntVar(&o.APIKeys, "keys", 20, "API keys the load is spread over (each key may make 50 requests a second)")
	fs.IntVar(&o.HTMLRequests, "html-requests", 100, "requests of each HTML page")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the bench's process during the measures (the sweeps and the load sender; not the seeding, nor serve) to this file")
	if err := parse(fs, args, env); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("bench: unexpected argument %q", fs.Arg(0))
	}
	cfg, err := config.Load(env.Env)
	if err != nil {
		return err
	}
	policy, err := policyFrom(cfg)
	if err != nil {
		return err
	}
	// The bench's sweeps happen at simulated moments days apart: the
	// deliveries an earlier one queued are not stale (serve's workers
	// would have sent them), so none is handed over again.
	cfg.JobTimeout = 365 * 24 * time.Hour
	// Warnings only: a line per request would slow what is measured.
	log := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	// The bench's pages are sealed under a key of their own.
	key := keyring.Generate()
	keys, err := keyring.New(key)
	if err != nil {
		return err
	}
	o.Out, o.Progress = env.Stdout, env.Stderr
	w := bench.Wiring{
		Policy: policy,
		Open: func(ctx context.Context, url string, now func() time.Time) (*store.Store, error) {
			st, err := store.Open(ctx, url, store.Options{Keys: keys, Now: now})
			if err != nil {
				return nil, err
			}
			if _, err := st.Migrate(ctx); err != nil {
				st.Close()
				return nil, err
			}
			if _, err := migrateJobs(ctx, st); err != nil {
				st.Close()
				return nil, err
			}
			return st, nil
		},
		Sweeper: func(ctx context.Context, st *store.Store, now func() time.Time) (func(context.Context) (alert.Report, error), http.Handler, error) {
			bg, err := newBackground(ctx, cfg, st, log, backgroundOptions{Work: true, Webhooks: webhookTargets(cfg, false), Now: now})
			if err != nil {
				return nil, nil, err
			}
			return bg.sweep, bg.metrics.Handler(), nil
		},
		Serve: func(ctx context.Context, url, addr string) (*exec.Cmd, error) {
			cmd, err := env.self(ctx, "serve")
			if err != nil {
				return nil, err
			}
			// serve gets this process's settings, except where the
			// database, its keys and the listener are, and warnings only
			// in its log.
			vars := cmd.Env
			if vars == nil {
				vars = os.Environ()
			}
			vars = slices.DeleteFunc(slices.Clone(vars), func(v string) bool {
				name, _, _ := strings.Cut(v, "=")
				return slices.Contains(servesOwn, strings.TrimSuffix(name, "_FILE"))
			})
			cmd.Env = append(vars, "TOKENWATCH_DATABASE_URL="+url, "TOKENWATCH_SECRET_KEY="+key, "TOKENWATCH_ADDR="+addr,
				"TOKENWATCH_LOG_LEVEL=warn", "TOKENWATCH_JOB_TIMEOUT="+cfg.JobTimeout.String())
			// SIGTERM when ctx ends: serve shuts down as in service.
			cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
			cmd.WaitDelay = 20 * time.Second
			return cmd, nil
		},
	}
	rep, err := bench.Run(ctx, o, w)
	if err != nil {
		return err
	}
	if failed := rep.Failed(); len(failed) > 0 {
		return fmt.Errorf("bench: %d %w (see the report)", len(failed), ErrTargetsMissed)
	}
	return nil
}
