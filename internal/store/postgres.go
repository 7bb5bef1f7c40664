package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

//go:embed migrations/postgres/*.sql
var postgresMigrations embed.FS

// postgresEngine keeps the data in PostgreSQL through one pgx pool. The
// shared queries reach it through database/sql (stdlib.OpenDBFromPool, which
// holds no idle connections of its own); work that speaks pgx natively
// (River's driver) uses the pool itself.
//
// The URL is pgx's: pool settings such as pool_max_conns are read from its
// query, and any other unknown parameter is sent to the server as a setting
// of every connection, so "?search_path=tokenwatch" keeps tokenwatch's
// tables in the schema tokenwatch.
type postgresEngine struct {
	pool *pgxpool.Pool
	db   *sql.DB
}

func openPostgres(ctx context.Context, s *Store, url string) error {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return fmt.Errorf("store: %w", err) // pgx leaves the password out
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if err := checkSchema(ctx, pool); err != nil {
		pool.Close()
		return err
	}
	db := stdlib.OpenDBFromPool(pool)
	s.eng, s.db, s.rdb = &postgresEngine{pool: pool, db: db}, db, db
	return nil
}

// checkSchema fails when the server answers but none of the schemas in
// search_path exists: every CREATE TABLE would fail later with a message
// that does not say why.
func checkSchema(ctx context.Context, pool *pgxpool.Pool) error {
	var (
		schema     *string
		searchPath string
	)
	err := pool.QueryRow(ctx, `SELECT current_schema(), current_setting('search_path')`).Scan(&schema, &searchPath)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if schema == nil {
		return fmt.Errorf("store: no schema of the search_path %q exists; create it (CREATE SCHEMA …) or name another", searchPath)
	}
	return nil
}

// PgxPool returns the pgx pool of a PostgreSQL store, for code that speaks
// pgx natively (River's pgx driver), or nil on SQLite.
func (s *Store) PgxPool() *pgxpool.Pool {
	if e, ok := s.eng.(*postgresEngine); ok {
		return e.pool
	}
	return nil
}

func (e *postgresEngine) Name() string { return "postgres" }

func (e *postgresEngine) migrations() fs.FS {
	return embeddedDir(postgresMigrations, "migrations/postgres")
}

// lockMigrations takes an advisory lock held until tx ends, so that
// processes migrating the same schema at once take turns. The key is drawn
// from the schema's name: tests migrating their own schemas side by side in
// one database do not wait for each other.
func (e *postgresEngine) lockMigrations(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('tokenwatch migrate ' || current_schema()))`)
	return err
}

// holdMigrationLock takes a session-level advisory lock, drawn from the
// schema's name like lockMigrations' (but another key, so that the two
// never wait for each other), on a connection of its own: the migrations it
// guards run in their own transactions on other connections of the pool.
func (e *postgresEngine) holdMigrationLock(ctx context.Context) (func(), error) {
	conn, err := e.pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	const key = `hashtext('tokenwatch migrate alongside ' || current_schema())`
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(`+key+`)`); err != nil {
		conn.Release()
		return nil, err
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if _, err := conn.Exec(ctx, `SELECT pg_advisory_unlock(`+key+`)`); err != nil {
			// Closing the session is what releases the lock then.
			conn.Conn().Close(ctx)
		}
		conn.Release()
	}, nil
}

// timeArg keeps milliseconds, as SQLite does, so that a time reads back the
// same on either engine.
func (e *postgresEngine) timeArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Truncate(time.Millisecond)
}

func (e *postgresEngine) isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

func (e *postgresEngine) isDiskFull(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "53100" // disk_full
}

// freeSpace is unknown: the server's disk is not this machine's.
func (e *postgresEngine) freeSpace() (int64, bool) { return 0, false }

func (e *postgresEngine) close() error {
	err := e.db.Close()
	e.pool.Close()
	return err
}

// claimDue deletes the rows it takes, skipping those another sweep holds,
// so that concurrent sweeps share the work, and reads their pages in the
// same statement. (The rows are named by ctid: a TID scan deletes them
// without searching the queue's index again.)
func (e *postgresEngine) claimDue(ctx context.Context, tx *sql.Tx, now any, limit int, cols string, each func(r *sql.Rows, key ...any) error) error {
	rows, err := tx.QueryContext(ctx, `WITH d AS (
			DELETE FROM page_due WHERE ctid = ANY(ARRAY(
				SELECT ctid FROM page_due WHERE due_at <= $1 ORDER BY due_at, page_id LIMIT $2 FOR UPDATE SKIP LOCKED))
			RETURNING due_at, page_id)
		SELECT d.due_at, d.page_id, `+cols+` FROM d JOIN pages p ON p.id = d.page_id ORDER BY d.due_at, d.page_id`, now, limit)
	if err != nil {
		return err
	}
	var (
		due time.Time
		id  int64
	)
	return scanAll(rows, func(r *sql.Rows) error { return each(r, &due, &id) })
}

// lockAlerted takes the lock that a foreign key's check takes (FOR KEY
// SHARE: updates of other columns go on; deleting the row or changing its
// key waits for tx), on the pages in one statement and the users in
// another, which returns the users found: one deleted since the sweep read
// its recipients is gone, where its key's check would have failed.
func (e *postgresEngine) lockAlerted(ctx context.Context, tx *sql.Tx, pageIDs, userIDs []int64) (map[int64]bool, error) {
	if len(pageIDs) > 0 {
		if _, err := tx.ExecContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM pages WHERE id = ANY($1::bigint[]) FOR KEY SHARE) p`, pageIDs); err != nil {
			return nil, err
		}
	}
	if len(userIDs) == 0 {
		return nil, nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT id FROM users WHERE id = ANY($1::bigint[]) FOR KEY SHARE`, userIDs)
	if err != nil {
		return nil, err
	}
	found := make(map[int64]bool, len(userIDs))
	if err := scanIDs(rows, found); err != nil {
		return nil, err
	}
	return goneOf(userIDs, found), nil
}

// scanIDs adds the ids that rows select (one column) to found, and closes
// rows.
func scanIDs(rows *sql.Rows, found map[int64]bool) error {
	return scanAll(rows, func(r *sql.Rows) error {
		var id int64
		err := r.Scan(&id)
		found[id] = true
		return err
	})
}

// goneOf returns the ids not found (nil if none).
func goneOf(ids []int64, found map[int64]bool) map[int64]bool {
	var gone map[int64]bool
	for _, id := range ids {
		if !found[id] {
			if gone == nil {
				gone = map[int64]bool{}
			}
			gone[id] = true
		}
	}
	return gone
}

func (e *postgresEngine) claimHoldsPages() bool { return false }

func (e *postgresEngine) sweepBatch() int { return 1000 }

// sweepWorkers is 2 when the pool has room for both workers' transactions
// and the reads each makes meanwhile.
func (e *postgresEngine) sweepWorkers() int {
	if e.pool.Config().MaxConns >= 4 {
		return 2
	}
	return 1
}

func (e *postgresEngine) pagesByState() string {
	return `SELECT state, sum(n) FROM page_state_counts GROUP BY state`
}

// dayBucket: times are timestamptz.
func (e *postgresEngine) dayBucket(col, from string) string {
	return "floor(extract(epoch from (" + col + " - " + from + "::timestamptz)) / 86400)::int"
}

// skipLocked is the lock clause of ClaimDigests' select.
func (e *postgresEngine) skipLocked() string { return " FOR UPDATE OF u SKIP LOCKED" }

func (e *postgresEngine) limit(n int, _ func(any) string) string { return strconv.Itoa(n) }

func (e *postgresEngine) risksInRows() bool { return true }

// rowValues unnests one array parameter per column, whatever the number of
// rows: one statement, one round trip and a plan of constant size for any
// batch. Its columns are named column1, column2, … as those of VALUES.
func (e *postgresEngine) rowValues(types []string, from, _ int) string {
	var b, names strings.Builder
	b.WriteString("SELECT * FROM unnest(")
	for i, t := range types {
		if i > 0 {
			b.WriteString(", ")
			names.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d::%s[]", from+i, t)
		fmt.Fprintf(&names, "column%d", i+1)
	}
	b.WriteString(") AS v(" + names.String() + ")")
	return b.String()
}

// rowArgs lays the rows' values out as an array per column (a nil value is
// a NULL element): a slice of the column's type when every value has one
// of the common ones, which pgx encodes directly, where it encodes a []any
// element by element through reflection (9% of the CPU of a sweep
// alerting 10,000 pages, in Go).
func (e *postgresEngine) rowArgs(cols int, rows [][]any) []any {
	out := make([]any, cols)
	for c := range cols {
		out[c] = typedColumn(rows, c)
	}
	return out
}

// typedColumn returns the values of column c of rows as an []int64,
// []string, []bool or []time.Time, or else as an []any.
func typedColumn(rows [][]any, c int) any {
	if len(rows) == 0 {
		return []any{}
	}
	switch rows[0][c].(type) {
	case int64:
		if col, ok := typed[int64](rows, c); ok {
			return col
		}
	case string:
		if col, ok := typed[string](rows, c); ok {
			return col
		}
	case bool:
		if col, ok := typed[bool](rows, c); ok {
			return col
		}
	case time.Time:
		if col, ok := typed[time.Time](rows, c); ok {
			return col
		}
	default:
		// A type of string kind (tokenwatch.State, Provider, …).
		if col, ok := stringKinds(rows, c); ok {
			return col
		}
	}
	col := make([]any, len(rows))
	for i, r := range rows {
		col[i] = r[c]
	}
	return col
}

// stringKinds returns column c of rows as a []string, if every value is of a
// type of string kind.
func stringKinds(rows [][]any, c int) ([]string, bool) {
	col := make([]string, len(rows))
	for i, r := range rows {
		v := reflect.ValueOf(r[c])
		if v.Kind() != reflect.String {
			return nil, false
		}
		col[i] = v.String()
	}
	return col, true
}

// typed returns column c of rows as a []T, if every value is a T.
func typed[T any](rows [][]any, c int) ([]T, bool) {
	col := make([]T, len(rows))
	for i, r := range rows {
		v, ok := r[c].(T)
		if !ok {
			return nil, false
		}
		col[i] = v
	}
	return col, true
}

func (e *postgresEngine) rowsPer() int { return 0 }

// idListLengths go up to 1,024: a sweep's batch of 1,000 pages is read in
// one round trip.
func (e *postgresEngine) idListLengths() []int { return pgIDListLengths }

var pgIDListLengths = append(idListLengths[:len(idListLengths):len(idListLengths)], 1024)
