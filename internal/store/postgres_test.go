package store_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/tokenwatch/tokenwatch/internal/keyring"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/store/pgtest"
	"github.com/tokenwatch/tokenwatch/internal/store/storetest"
)

func TestPostgres(t *testing.T) {
	t.Parallel()
	storetest.Run(t, storetest.Engine{NewDatabase: func(t *testing.T) string { return pgtest.NewDatabase(t) }})
}

// TestPostgresSearchPathSelectsSchema checks that the tables land in the
// schema the URL names, and that a schema which does not exist is reported
// as such.
func TestPostgresSearchPathSelectsSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := pgtest.NewDatabase(t)
	s := storetest.Open(t, dbURL, store.Options{})
	if s.Engine() != "postgres" || s.PgxPool() == nil {
		t.Fatalf("engine %s, pool %v: want postgres with a pgx pool", s.Engine(), s.PgxPool())
	}
	u, _ := url.Parse(dbURL)
	schema := u.Query().Get("search_path")
	var n int
	err := s.PgxPool().QueryRow(ctx, `SELECT count(*) FROM information_schema.tables
		WHERE table_schema = $1 AND table_name IN ('pages', 'schema_migrations')`, schema).Scan(&n)
	if err != nil || n != 2 {
		t.Errorf("tables in schema %s: %d, %v; want pages and schema_migrations", schema, n, err)
	}

	q := u.Query()
	q.Set("search_path", schema+"_missing")
	u.RawQuery = q.Encode()
	keys, _ := keyring.New(keyring.Generate())
	_, err = store.Open(ctx, u.String(), store.Options{Keys: keys})
	if err == nil || !strings.Contains(err.Error(), "CREATE SCHEMA") {
		t.Errorf("Open with a missing schema: %v; want an error saying to create it", err)
	}
}
