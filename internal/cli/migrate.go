package cli

import (
	"context"
	"fmt"

	"github.com/tokenwatch/tokenwatch/internal/jobs"
	"github.com/tokenwatch/tokenwatch/internal/keyring"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

func runMigrate(ctx context.Context, args []string, env Env) error {
	fs := flags(env, "migrate", "migrate", "Applies pending database migrations to TOKENWATCH_DATABASE_URL and exits.\nSafe to run from several processes at once.")
	if err := parse(fs, args, env); err != nil {
		return err
	}
	cfg, _, err := loadConfig(env)
	if err != nil {
		return err
	}
	// Migrations never touch tokens: an ephemeral key will do.
	keys, err := keyring.New(keyring.Generate())
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, cfg.DatabaseURL, store.Options{Keys: keys})
	if err != nil {
		return fmt.Errorf("TOKENWATCH_DATABASE_URL: %w", err)
	}
	defer st.Close()
	applied, err := st.Migrate(ctx)
	if err != nil {
		return err
	}
	for _, m := range applied {
		fmt.Fprintf(env.Stdout, "applied %04d_%s\n", m.Version, m.Name)
	}
	if n, err := migrateJobs(ctx, st); err != nil {
		return err
	} else if n > 0 {
		fmt.Fprintf(env.Stdout, "applied %d job queue (River) migrations\n", n)
	}
	v, _, err := st.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s database at schema version %d\n", st.Engine(), v)
	return nil
}

// migrateJobs creates or updates River's tables, one process at a time.
func migrateJobs(ctx context.Context, st *store.Store) (applied int, err error) {
	err = st.MigrateAlongside(ctx, func(ctx context.Context) error {
		applied, err = jobs.Migrate(ctx, st)
		return err
	})
	return applied, err
}
