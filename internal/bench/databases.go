package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tokenwatch/tokenwatch/internal/store"
)

// databases are the two databases of a run: the full one and the small
// one, and how to remove them.
type databases struct {
	engine      string
	full, small string // URLs for store.Open
	where       string // for the report
	cleanup     func() error
}

// prepare makes the two databases: two new SQLite files (in a temporary
// directory unless o.SQLitePath is set; they must not exist yet), or two
// new schemas in the PostgreSQL database of o.PostgresURL.
func prepare(ctx context.Context, o Options) (*databases, error) {
	if o.PostgresURL != "" {
		return preparePostgres(ctx, o)
	}
	d := &databases{engine: "SQLite"}
	path := o.SQLitePath
	if path == "" {
		dir, err := os.MkdirTemp("", "tokenwatch-bench-")
		if err != nil {
			return nil, err
		}
		path = filepath.Join(dir, "bench.db")
		d.cleanup = func() error { return os.RemoveAll(dir) }
		if o.Keep {
			d.cleanup = nil
		}
	} else {
		for _, p := range []string{path, path + ".small"} {
			if _, err := os.Stat(p); err == nil {
				return nil, fmt.Errorf("bench: --db: %s exists; the bench seeds a new database", p)
			}
		}
		if !o.Keep {
			d.cleanup = func() error {
				var errs []error
				for _, p := range []string{path, path + ".small"} {
					for _, suffix := range []string{"", "-wal", "-shm"} {
						if err := os.Remove(p + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
							errs = append(errs, err)
						}
					}
				}
				return errors.Join(errs...)
			}
		}
	}
	d.full, d.small, d.where = path, path+".small", path
	return d, nil
}

func preparePostgres(ctx context.Context, o Options) (*databases, error) {
	u, err := url.Parse(o.PostgresURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, errors.New("bench: --postgres must be a postgres:// URL")
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	prefix := "tokenwatch_bench_" + hex.EncodeToString(b)
	full, small := prefix+"_full", prefix+"_small"
	base := o.PostgresURL
	if err := pgExec(ctx, base, "CREATE SCHEMA "+full+"; CREATE SCHEMA "+small); err != nil {
		return nil, fmt.Errorf("bench: --postgres: %w", err)
	}
	withSchema := func(schema string) string {
		v := *u
		q := v.Query()
		q.Set("search_path", schema)
		v.RawQuery = q.Encode()
		return v.String()
	}
	d := &databases{engine: "PostgreSQL", full: withSchema(full), small: withSchema(small),
		where: fmt.Sprintf("schemas %s and %s of %s", full, small, redacted(u))}
	if !o.Keep {
		d.cleanup = func() error {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			return pgExec(ctx, base, "DROP SCHEMA IF EXISTS "+full+" CASCADE; DROP SCHEMA IF EXISTS "+small+" CASCADE")
		}
	}
	return d, nil
}

// redacted is a URL without its password, for the report.
func redacted(u *url.URL) string {
	v := *u
	if v.User != nil {
		v.User = url.User(v.User.Username())
	}
	return v.Redacted()
}

// pgExec runs statements on a connection of its own (the URL's pool
// settings are the store's, not the server's).
func pgExec(ctx context.Context, dsn, stmts string) error {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return err
	}
	conn, err := pgx.ConnectConfig(ctx, cfg.ConnConfig)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, stmts)
	return err
}

// analyze vacuums the schema's tables on PostgreSQL and gathers the
// planner's statistics, as autovacuum does on a database in service:
// right after seeding a million rows there are no statistics (a list's
// posts at risk took 29 ms instead of 0.8 ms) and no visibility map
// (index-only scans read the table too). SQLite keeps no statistics
// unless asked (tokenwatch never asks), so it is left as it is.
func analyze(ctx context.Context, st *store.Store) error {
	if st.Engine() != "postgres" {
		return nil
	}
	rows, err := st.DB().QueryContext(ctx, `SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = current_schema()`)
	if err != nil {
		return err
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, t := range tables {
		if _, err := st.DB().ExecContext(ctx, "VACUUM ANALYZE "+t); err != nil {
			return fmt.Errorf("bench: VACUUM ANALYZE %s: %w", t, err)
		}
	}
	return nil
}
