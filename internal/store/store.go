// Package store keeps tokenwatch's data in a relational database: SQLite
// (embedded, the default) or PostgreSQL. Callers use one Store type whatever
// the engine; what differs between engines (migrations, a few queries, how
// a time is written) sits behind the small engine interface, one file per
// engine. Tokens are encrypted before they reach the database and decrypted
// only by the methods that return Credentials.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/keyring"
)

// Store is the database of tokenwatch. It is safe for concurrent use.
type Store struct {
	eng  engine
	db   *sql.DB // writes and transactions (one connection on SQLite)
	rdb  *sql.DB // reads; the same pool as db on PostgreSQL
	keys *keyring.Keyring
	now  func() time.Time
	// stmts caches statements prepared on db, by query: a transaction on
	// the same connection reuses them instead of parsing again. Only
	// SQLite's (prepares): on PostgreSQL, a statement prepared through
	// database/sql lives as long as the pool connection that database/sql
	// holds, which it hands back after each use (OpenDBFromPool), so every
	// sweep transaction prepared its statements again and deallocated them
	// at its end (in a sweep alerting 10,000 pages, 85 statements prepared,
	// each a round trip, and as many deallocated); unprepared, they go
	// through the statement cache that pgx keeps on each connection of its
	// pool, prepared once.
	stmts    sync.Map
	prepares bool
	// reads keeps the read pool's statements prepared (SQLite; nil on
	// PostgreSQL, whose driver does it).
	reads *stmtCache
	// positional rewrites SQLite's statements (see text); nil on
	// PostgreSQL.
	positional *positionalCache
	// full is when (Unix nanoseconds) a write last failed for want of
	// space; minFree is Options.MinFreeSpace.
	full    atomic.Int64
	minFree int64
}

// engine is what differs between database engines.
type engine interface {
	// Name is "sqlite" or "postgres".
	Name() string
	// migrations holds the engine's numbered *.sql migrations.
	migrations() fs.FS
	// lockMigrations serializes migrations across processes inside tx.
	lockMigrations(ctx context.Context, tx *sql.Tx) error
	// holdMigrationLock serializes, across processes, migrations that are
	// not the store's own and run in transactions of their own (River's),
	// until release is called.
	holdMigrationLock(ctx context.Context) (release func(), err error)
	// timeArg turns a time into what the engine stores; zero becomes NULL.
	timeArg(t time.Time) any
	// isUniqueViolation reports whether err is a unique-constraint failure.
	isUniqueViolation(err error) bool
	// isDiskFull reports whether err is a write that failed for want of
	// space (SQLITE_FULL; PostgreSQL's disk_full, 53100).
	isDiskFull(err error) bool
	// freeSpace returns the bytes left on the file system that holds the
	// database, when the engine can know it (SQLite, where it is a file).
	freeSpace() (bytes int64, known bool)
	// claimDue takes, inside a sweep's transaction, up to limit rows at
	// the head of the page_due queue (due_at at or before now, already
	// converted by timeArg), most overdue first, and reads their pages in
	// the same statement: each row selects d.due_at, d.page_id and then
	// cols of page_due d JOIN pages p, in queue order (a page may come
	// twice; a row whose page is gone is taken but not returned), and
	// each scans it with key (due_at's and page_id's destinations) first.
	// Taken rows are deleted in tx: two sweeps at once (goroutines,
	// processes, replicas) never take the same row, and a sweep that dies
	// mid-way rolls back and leaves them due. SQLite needs no lock clause:
	// its transactions begin IMMEDIATE, holding the database's one write
	// lock. PostgreSQL must use FOR UPDATE SKIP LOCKED, so that
	// concurrent sweeps take the next rows instead of waiting.
	claimDue(ctx context.Context, tx *sql.Tx, now any, limit int, cols string, each func(r *sql.Rows, key ...any) error) error
	// lockAlerted keeps, until tx ends, the pages and users that a
	// sweep's alerts and notifications are about from being deleted (the
	// rows have no foreign keys, see migration 0015 of either engine,
	// whose triggers do the cascades): PostgreSQL takes the lock that the
	// keys' checks took, once per batch; SQLite's transaction holds the
	// one write lock already. It returns the users deleted since the sweep
	// read them, whose alerts it must not record.
	lockAlerted(ctx context.Context, tx *sql.Tx, pageIDs, userIDs []int64) (gone map[int64]bool, err error)
	// claimHoldsPages says whether the pages that claimDue read stay as
	// read until the transaction ends: on SQLite, whose transactions hold
	// the one write lock from their first statement; not on PostgreSQL,
	// where a reconnect may change a claimed page meanwhile.
	claimHoldsPages() bool
	// sweepWorkers is how many sweep transactions run well side by side
	// (see Store.SweepWorkers).
	sweepWorkers() int
	// sweepBatch is how many pages a sweep transaction best claims (see
	// Store.SweepBatch).
	sweepBatch() int
	// skipLocked ends a SELECT … FROM users u that claims rows inside a
	// transaction: SQLite needs nothing (its transactions hold the write
	// lock), PostgreSQL takes the rows no other transaction holds.
	skipLocked() string
	// limit is the row count of a LIMIT clause of a list's read, n, as
	// SQL: a parameter (arg) on SQLite, whose statements are prepared
	// once; the number itself on PostgreSQL, where a parameter made every
	// execution of the statement plan it again (a generic plan of LIMIT $n
	// guesses a tenth of the rows, so the custom plan always looked
	// cheaper: 0.2 ms of planning for each 0.3 ms read of 101 issues).
	limit(n int, arg func(any) string) string
	// risksInRows says whether a list of issues reads each page's posts
	// at risk in the statement that reads the pages (two correlated
	// subqueries a row: PostgreSQL, where it saves a round trip and a
	// list of ids: 0.55-0.65 ms of the server's CPU per 100 issues instead
	// of 0.7-0.8) or in one query over their ids after it (SQLite, where
	// the subqueries cost more than the list: 245 against 84 µs of CPU).
	risksInRows() bool
	// pagesByState is SQL for the number of pages in each state (rows of
	// state and count; a state without pages may be missing): SQLite
	// counts the pages that are not healthy through their index and takes
	// the healthy ones as the rest of the kept total (3 ms at 80,000 such
	// pages); PostgreSQL sums the counts that its triggers keep (migration
	// 0016), where that count took 0.1 s.
	pagesByState() string
	// dayBucket is SQL for the whole days from the moment from (a
	// parameter) to the time column col: 0 for the day starting at from.
	dayBucket(col, from string) string
	// rowValues is SQL for a set of n rows whose columns have the given
	// PostgreSQL types and are named column1, column2, …, their values
	// taken from the parameters from $from on as rowArgs lays them out: a
	// query to follow INSERT INTO t (columns), or, in parentheses, a table
	// in FROM.
	rowValues(types []string, from, n int) string
	// rowArgs lays out the values of rows of cols columns (converted by
	// Store.args) as rowValues takes them.
	rowArgs(cols int, rows [][]any) []any
	// idListLengths are the lengths byIDs pads its IN lists to, shortest
	// first: each a statement prepared once.
	idListLengths() []int
	// rowsPer is how many rows a statement of rowValues takes at most
	// (0: any number).
	rowsPer() int
	close() error
}

// Options configures a Store.
type Options struct {
	// Keys encrypts and decrypts tokens. Required.
	Keys *keyring.Keyring
	// Now is the clock for the times the store writes (created_at, ...);
	// time.Now if nil. Tests move it.
	Now func() time.Time
	// MinFreeSpace is the free space, in bytes, below which the disk of a
	// SQLite database counts as full (Writable); default 16 MiB.
	MinFreeSpace int64
}

// Open connects to the database named by url: "postgres://…" or
// "postgresql://…" for PostgreSQL (pgx's URL; "?search_path=NAME" keeps the
// tables in the existing schema NAME); "sqlite:PATH", "file:PATH" or a plain
// file path for SQLite. It does not migrate; call Migrate.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	if opts.Keys == nil {
		return nil, errors.New("store: a keyring is required")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MinFreeSpace == 0 {
		opts.MinFreeSpace = 16 << 20
	}
	var (
		s   = &Store{keys: opts.Keys, now: opts.Now, minFree: opts.MinFreeSpace}
		err error
	)
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		err = openPostgres(ctx, s, url)
	default:
		err = openSQLite(ctx, s, url)
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error {
	if s.reads != nil {
		s.reads.close()
	}
	return s.eng.close()
}

// Engine returns "sqlite" or "postgres".
func (s *Store) Engine() string { return s.eng.Name() }

// SweepWorkers is how many batches of a sweep are best claimed and
// recorded side by side: 1 on SQLite, whose one writer would take them in
// turn anyway; 2 on PostgreSQL, where one batch's transaction runs on the
// server while the next one is decided in Go (concurrent claims skip each
// other's rows, as replicas' do).
func (s *Store) SweepWorkers() int { return s.eng.sweepWorkers() }

// SweepBatch is how many pages a sweep best claims and records in one
// transaction: 2,500 on SQLite, where each transaction has costs of its own
// (its commit, the reads of what its pages need) that a larger batch
// shares, and where it holds the one write lock for about a tenth of a
// second when every page of it is alerted; 1,000 on PostgreSQL, whose two
// workers work side by side.
func (s *Store) SweepBatch() int { return s.eng.sweepBatch() }

// DB returns the connection pool that writes. Background work (River) that
// must share the database uses it; on PostgreSQL, PgxPool is the same pool
// for code that speaks pgx.
func (s *Store) DB() *sql.DB { return s.db }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.rdb.PingContext(ctx) }

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// args converts arguments to what the engine stores: times by the engine's
// rule, everything else unchanged.
func (s *Store) args(args []any) []any {
	return s.appendArgs(make([]any, 0, len(args)), args)
}

// appendArgs appends args, converted as args does, to out.
func (s *Store) appendArgs(out []any, args []any) []any {
	for _, a := range args {
		switch v := a.(type) {
		case time.Time:
			out = append(out, s.eng.timeArg(v))
		default:
			out = append(out, a)
		}
	}
	return out
}

func (s *Store) exec(ctx context.Context, q querier, query string, args ...any) (sql.Result, error) {
	res, err := q.ExecContext(ctx, s.text(query), s.args(args)...)
	return res, s.writeError(err)
}

func (s *Store) query(ctx context.Context, q querier, query string, args ...any) (*sql.Rows, error) {
	st, err := s.readStmt(ctx, q, query)
	if err != nil {
		return nil, err
	}
	if st != nil {
		return st.QueryContext(ctx, s.args(args)...)
	}
	return q.QueryContext(ctx, s.text(query), s.args(args)...)
}

func (s *Store) queryRow(ctx context.Context, q querier, query string, args ...any) *sql.Row {
	// A statement that fails to prepare fails again unprepared, and the
	// Row carries the error.
	if st, err := s.readStmt(ctx, q, query); err == nil && st != nil {
		return st.QueryRowContext(ctx, s.args(args)...)
	}
	return q.QueryRowContext(ctx, s.text(query), s.args(args)...)
}

// readStmt returns query prepared on the read pool when q is that pool
// and the store keeps its statements (SQLite), or nil.
func (s *Store) readStmt(ctx context.Context, q querier, query string) (*sql.Stmt, error) {
	if db, ok := q.(*sql.DB); !ok || db != s.rdb || s.reads == nil {
		return nil, nil
	}
	return s.reads.get(ctx, s.text(query))
}

// scanner is what *sql.Row and *sql.Rows have in common.
type scanner interface{ Scan(dest ...any) error }

// scan scans a row, reading *time.Time destinations whatever the engine
// stored (Unix milliseconds on SQLite, timestamptz on PostgreSQL; NULL is
// the zero time).
func scan(sc scanner, dest ...any) error {
	for i, d := range dest {
		if t, ok := d.(*time.Time); ok {
			dest[i] = timeDest{t}
		}
	}
	return sc.Scan(dest...)
}

type timeDest struct{ t *time.Time }

func (d timeDest) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*d.t = time.Time{}
	case int64:
		*d.t = time.UnixMilli(v).UTC()
	case time.Time:
		*d.t = v.UTC()
	default:
		return fmt.Errorf("store: cannot read %T as a time", v)
	}
	return nil
}

// prepare prepares the queries on db once, to be reused by transactions
// (txStmt); nothing on PostgreSQL (see prepares). It must run outside any
// transaction: on SQLite the write pool has a single connection, which a
// transaction holds.
func (s *Store) prepare(ctx context.Context, queries ...string) error {
	if !s.prepares {
		return nil
	}
	for _, q := range queries {
		if _, ok := s.stmts.Load(q); ok {
			continue
		}
		st, err := s.db.PrepareContext(ctx, s.text(q))
		if err != nil {
			return err
		}
		if _, loaded := s.stmts.LoadOrStore(q, st); loaded {
			st.Close()
		}
	}
	return nil
}

// txStmt returns the statement for query in tx: the one prepare made, or
// else one prepared for this transaction only (or the query as it is, see
// prepares).
func (s *Store) txStmt(ctx context.Context, tx *sql.Tx, query string) (statement, error) {
	if !s.prepares {
		return unprepared{tx, s.text(query)}, nil
	}
	if st, ok := s.stmts.Load(query); ok {
		return tx.StmtContext(ctx, st.(*sql.Stmt)), nil
	}
	return tx.PrepareContext(ctx, s.text(query))
}

// stmt returns query prepared on the write pool, preparing it once (see
// prepares).
func (s *Store) stmt(ctx context.Context, query string) (statement, error) {
	if !s.prepares {
		return unprepared{s.db, s.text(query)}, nil
	}
	if err := s.prepare(ctx, query); err != nil {
		return nil, err
	}
	st, _ := s.stmts.Load(query)
	return st.(*sql.Stmt), nil
}

// statement is a query ready to run with its arguments.
type statement interface {
	ExecContext(ctx context.Context, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, args ...any) (*sql.Rows, error)
}

// statement returns query ready to run on q: in a transaction, see txStmt;
// on the write pool, see stmt; on the read pool, see readStmt, or else the
// query as it is.
func (s *Store) statement(ctx context.Context, q querier, query string) (statement, error) {
	switch q := q.(type) {
	case *sql.Tx:
		return s.txStmt(ctx, q, query)
	case *sql.DB:
		if q == s.db {
			return s.stmt(ctx, query)
		}
	}
	if st, err := s.readStmt(ctx, q, query); err != nil || st != nil {
		return st, err
	}
	return unprepared{q, s.text(query)}, nil
}

// unprepared is a query run as it is.
type unprepared struct {
	q     querier
	query string
}

func (u unprepared) ExecContext(ctx context.Context, args ...any) (sql.Result, error) {
	return u.q.ExecContext(ctx, u.query, args...)
}

func (u unprepared) QueryContext(ctx context.Context, args ...any) (*sql.Rows, error) {
	return u.q.QueryContext(ctx, u.query, args...)
}

// schedule adds to the due queue that a page needs attention at t (nothing
// for a zero t: never).
func (s *Store) schedule(ctx context.Context, q querier, pageID int64, t time.Time) error {
	if t.IsZero() {
		return nil
	}
	_, err := s.exec(ctx, q, `INSERT INTO page_due (due_at, page_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, t.UTC(), pageID)
	return err
}

// inTx runs fn in a transaction, committing if it returns nil.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.writeError(fmt.Errorf("store: begin: %w", err))
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return s.writeError(err)
	}
	if err := tx.Commit(); err != nil {
		return s.writeError(fmt.Errorf("store: commit: %w", err))
	}
	return nil
}

// notFound turns sql.ErrNoRows into a tokenwatch not-found error.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return tokenwatch.Errorf(tokenwatch.CodeNotFound, "%s not found", what)
	}
	return err
}

// placeholders returns "$from, $from+1, …" for n arguments.
func placeholders(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", from+i)
	}
	return b.String()
}
