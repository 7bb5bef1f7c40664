package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
)

// Migration is one numbered schema change, from a file named
// NNNN_description.sql.
type Migration struct {
	Version int
	Name    string
	sql     string
}

// embeddedDir returns the directory dir of an engine's embedded migrations.
func embeddedDir(fsys fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err) // the embedded directory exists
	}
	return sub
}

func (s *Store) loadMigrations() ([]Migration, error) {
	fsys := s.eng.migrations()
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for _, name := range names {
		num, rest, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("store: migration file %s is not named NNNN_description.sql", name)
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: strings.TrimSuffix(rest, ".sql"), sql: string(body)})
	}
	slices.SortFunc(ms, func(a, b Migration) int { return a.Version - b.Version })
	for i := 1; i < len(ms); i++ {
		if ms[i].Version == ms[i-1].Version {
			return nil, fmt.Errorf("store: two migrations numbered %d", ms[i].Version)
		}
	}
	return ms, nil
}

// Migrate applies every migration not yet applied, each in its own
// transaction, and returns the ones it applied. Concurrent calls from
// several processes are safe: each migration is applied once.
func (s *Store) Migrate(ctx context.Context) ([]Migration, error) {
	ms, err := s.loadMigrations()
	if err != nil {
		return nil, err
	}
	// The bookkeeping table is created under the migration lock too: on
	// PostgreSQL two concurrent CREATE TABLE IF NOT EXISTS can both try to
	// create it, and one fails.
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.eng.lockMigrations(ctx, tx); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version INTEGER PRIMARY KEY,
			name TEXT NOT NULL
		)`)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: migrations table: %w", err)
	}
	var applied []Migration
	for _, m := range ms {
		done := false
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			if err := s.eng.lockMigrations(ctx, tx); err != nil {
				return err
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = $1`, m.Version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name); err != nil {
				return err
			}
			done = true
			return nil
		})
		if err != nil {
			return applied, fmt.Errorf("store: %w", err)
		}
		if done {
			applied = append(applied, m)
		}
	}
	return applied, nil
}

// MigrateAlongside runs migrate, which applies migrations that are not the
// store's own (River's tables), while no other process on the database
// runs its own: replicas starting at once would otherwise all try to
// create the same tables, and all but one fail.
func (s *Store) MigrateAlongside(ctx context.Context, migrate func(context.Context) error) error {
	release, err := s.eng.holdMigrationLock(ctx)
	if err != nil {
		return fmt.Errorf("store: migration lock: %w", err)
	}
	defer release()
	return migrate(ctx)
}

// SchemaVersion returns the highest applied migration (0 for none) and the
// highest this binary knows.
func (s *Store) SchemaVersion(ctx context.Context) (applied, known int, err error) {
	ms, err := s.loadMigrations()
	if err != nil {
		return 0, 0, err
	}
	if len(ms) > 0 {
		known = ms[len(ms)-1].Version
	}
	err = s.rdb.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&applied)
	if err != nil {
		// No table yet: nothing applied.
		return 0, known, nil
	}
	return applied, known, nil
}
