// Package pgtest gives each test that needs PostgreSQL a database of its
// own: a new schema on the server named by TOKENWATCH_TEST_POSTGRES_URL,
// dropped when the test ends. Without that variable such tests skip, unless
// TOKENWATCH_TEST_REQUIRE_POSTGRES=1 (as .ci/run sets), where they fail.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Environment variables read by NewDatabase.
const (
	URLVar     = "TOKENWATCH_TEST_POSTGRES_URL"
	RequireVar = "TOKENWATCH_TEST_REQUIRE_POSTGRES"
)

// maxConns bounds each store's pool in tests: many tests run at once
// against one server, whose max_connections is finite.
const maxConns = "4"

// NewDatabase creates an empty schema with a random name and returns a
// postgres:// URL whose search_path selects it, with a small pool. The
// schema and everything in it are dropped when the test ends; close what
// uses it in a cleanup registered later (cleanups run last-in, first-out).
func NewDatabase(t testing.TB) string {
	t.Helper()
	base := os.Getenv(URLVar)
	if base == "" {
		if os.Getenv(RequireVar) == "1" {
			t.Fatalf("%s is not set, and %s=1 forbids skipping the PostgreSQL tests", URLVar, RequireVar)
		}
		t.Skipf("set %s to run the PostgreSQL suite (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)", URLVar)
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("%s must be a postgres:// URL", URLVar)
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	schema := "tw_test_" + hex.EncodeToString(b)

	if err := run(base, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("PostgreSQL at %s: %v", URLVar, err)
	}
	t.Cleanup(func() {
		if err := run(base, "DROP SCHEMA IF EXISTS "+schema+" CASCADE"); err != nil {
			t.Errorf("PostgreSQL at %s: %v", URLVar, err)
		}
	})

	q := u.Query()
	q.Set("search_path", schema)
	if q.Get("pool_max_conns") == "" {
		q.Set("pool_max_conns", maxConns)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// run executes one statement on a connection of its own.
func run(dsn, stmt string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, stmt); err != nil {
		return fmt.Errorf("%s: %w", stmt, err)
	}
	return nil
}
