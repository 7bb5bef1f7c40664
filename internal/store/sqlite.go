package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite" // the pure-Go SQLite driver, registered as "sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/sqlite/*.sql
var sqliteMigrations embed.FS

// sqliteEngine keeps the data in one SQLite file in WAL mode. Writes go
// through a single connection (SQLite has one writer at a time; queueing in
// Go beats SQLITE_BUSY), reads through a small pool of read-only ones, and
// checkpoints through a connection of their own (see checkpoints).
type sqliteEngine struct {
	path string
	db   *sql.DB
	rdb  *sql.DB
	// ckpt is the checkpointer's connection; stop ends it and waits.
	ckpt *sql.DB
	stop func()
}

// checkpointEvery is how often the checkpointer copies what the
// write-ahead log holds back into the database file.
const checkpointEvery = time.Second

// autoCheckpoint is the size of the write-ahead log, in pages of 4 KiB,
// past which a commit checkpoints by itself (SQLite's default is 1,000): a
// safety net, should the checkpointer fall behind.
const autoCheckpoint = 25_000

// sqlitePath extracts the file path from "sqlite:PATH", "sqlite://PATH",
// "file:PATH" or a plain path.
func sqlitePath(u string) (string, error) {
	p := u
	for _, prefix := range []string{"sqlite://", "sqlite:", "file:"} {
		if strings.HasPrefix(p, prefix) {
			p = strings.TrimPrefix(p, prefix)
			break
		}
	}
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	if p == "" || strings.Contains(p, ":memory:") {
		return "", fmt.Errorf("store: %q does not name a SQLite file", u)
	}
	return filepath.Clean(p), nil
}

func openSQLite(ctx context.Context, s *Store, rawURL string) error {
	path, err := sqlitePath(rawURL)
	if err != nil {
		return err
	}
	if err := createPrivate(path); err != nil {
		return fmt.Errorf("store: create %s: %w", path, err)
	}
	// Each connection has its own page cache (cache_size in KiB when
	// negative): the write connection's is large, as sweeps touch rows all
	// over large tables; the four readers' are smaller, since the
	// operating system's file cache serves what they miss and a process
	// that answers a 100,000-page user at 500 requests/s would otherwise
	// hold 320 MiB of them.
	dsn := func(cacheKiB int, extra string) string {
		q := url.Values{}
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "foreign_keys(1)")
		// In WAL mode, NORMAL syncs the log at each checkpoint, not at
		// each commit: a commit survives the process crashing (the log is
		// written before the commit returns) and the file is never
		// corrupted; a power loss may take back the commits since the
		// last checkpoint (about a second, see checkpoints).
		q.Add("_pragma", "synchronous(NORMAL)")
		q.Add("_pragma", fmt.Sprintf("cache_size(-%d)", cacheKiB))
		return "file:" + path + "?" + q.Encode() + extra
	}
	// BEGIN IMMEDIATE takes the write lock at once, so that two processes
	// on one file (serve and keys rotate, say) wait instead of deadlocking.
	// The write connection keeps its statement journals in memory: a
	// statement of many rows in a transaction (a sweep's inserts) journals
	// the pages it changes, in case it must be undone alone, and SQLite
	// spills that journal to a temporary file past 64 KiB.
	// Its commits leave checkpoints to the checkpointer (autoCheckpoint).
	db, err := sql.Open("sqlite", dsn(64<<10, fmt.Sprintf("&_txlock=immediate&_pragma=temp_store(2)&_pragma=wal_autocheckpoint(%d)", autoCheckpoint)))
	if err != nil {
		return fmt.Errorf("store: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	db.SetConnMaxIdleTime(0)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return fmt.Errorf("store: open %s: %w", path, err)
	}
	rdb, err := sql.Open("sqlite", dsn(16<<10, "&_pragma=query_only(1)"))
	if err != nil {
		db.Close()
		return fmt.Errorf("store: open %s: %w", path, err)
	}
	// The readers stay open, with their caches and prepared statements
	// (database/sql would close all but two after each burst of
	// requests, and open them again for the next).
	rdb.SetMaxOpenConns(4)
	rdb.SetMaxIdleConns(4)
	rdb.SetConnMaxIdleTime(0)
	ckpt, err := sql.Open("sqlite", dsn(1<<10, ""))
	if err != nil {
		db.Close()
		rdb.Close()
		return fmt.Errorf("store: open %s: %w", path, err)
	}
	ckpt.SetMaxOpenConns(1)
	e := &sqliteEngine{path: path, db: db, rdb: rdb, ckpt: ckpt}
	e.stop = e.checkpoints(checkpointEvery)
	s.eng, s.db, s.rdb, s.reads, s.positional, s.prepares = e, db, rdb, newStmtCache(rdb), &positionalCache{}, true
	return nil
}

// checkpoints copies, every period until stop is called, the pages that
// the write-ahead log holds back into the database file, on a connection
// of its own. A commit then only appends to the log: with SQLite's
// automatic checkpoints, the commit that filled the log past 1,000 pages
// copied them back and synced the file first, which was 19% of the CPU of
// a sweep alerting 10,000 pages among 1,000,000 (and a page that several
// commits rewrote in the meantime is now copied once). A PASSIVE
// checkpoint waits for nobody: the writer goes on appending meanwhile, and
// what readers still need stays for the next one.
func (e *sqliteEngine) checkpoints(period time.Duration) (stop func()) {
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				// A failure (the file busy, or being closed) is retried
				// at the next tick; the writer's autoCheckpoint is the
				// safety net.
				_, _ = e.ckpt.Exec(`PRAGMA wal_checkpoint(PASSIVE)`)
			}
		}
	}()
	return sync.OnceFunc(func() {
		close(done)
		<-finished
	})
}

// createPrivate creates the database file, if it does not exist, readable
// and writable by its owner only: it holds sealed tokens, session hashes and
// everyone's e-mail address. SQLite gives the write-ahead log and the
// shared-memory file it makes beside it the same mode.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return f.Close()
}

func (e *sqliteEngine) Name() string { return "sqlite" }

func (e *sqliteEngine) migrations() fs.FS { return embeddedDir(sqliteMigrations, "migrations/sqlite") }

// lockMigrations has nothing to do: the transaction began IMMEDIATE and so
// already holds the file's write lock.
func (e *sqliteEngine) lockMigrations(context.Context, *sql.Tx) error { return nil }

// holdMigrationLock has nothing to hold: a SQLite file serves one process
// (River's migrations run on the store's single write connection).
func (e *sqliteEngine) holdMigrationLock(context.Context) (func(), error) { return func() {}, nil }

func (e *sqliteEngine) timeArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

func (e *sqliteEngine) close() error {
	e.stop()
	return errors.Join(e.ckpt.Close(), e.rdb.Close(), e.db.Close())
}

func (e *sqliteEngine) isUniqueViolation(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && (se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
}

func (e *sqliteEngine) isDiskFull(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_FULL
}

func (e *sqliteEngine) freeSpace() (int64, bool) { return freeSpace(filepath.Dir(e.path)) }

// claimDue reads the rows and their pages, then deletes the range of the
// queue up to the last row read. A row whose page is gone does not count
// against the limit; it goes with the range of a later row.
func (e *sqliteEngine) claimDue(ctx context.Context, tx *sql.Tx, now any, limit int, cols string, each func(r *sql.Rows, key ...any) error) error {
	rows, err := tx.QueryContext(ctx, `SELECT d.due_at, d.page_id, `+cols+`
		FROM page_due d JOIN pages p ON p.id = d.page_id WHERE d.due_at <= $1 ORDER BY d.due_at, d.page_id LIMIT $2`, now, limit)
	if err != nil {
		return err
	}
	var (
		lastDue, lastID int64
		found           bool
	)
	err = scanAll(rows, func(r *sql.Rows) error {
		found = true
		return each(r, &lastDue, &lastID)
	})
	if err != nil || !found {
		return err
	}
	// The rows taken are exactly those up to the last one, in key order: a
	// range at the head of the table.
	_, err = tx.ExecContext(ctx, `DELETE FROM page_due WHERE due_at < $1 OR (due_at = $1 AND page_id <= $2)`, lastDue, lastID)
	return err
}

// lockAlerted has no lock to take (the transaction holds the one write
// lock: nobody deletes a page or a user until it ends), and returns the
// users deleted since the sweep read them, whose alerts it must not record:
// the rows a sweep writes have no foreign keys since migration 0015.
func (e *sqliteEngine) lockAlerted(ctx context.Context, tx *sql.Tx, _ []int64, userIDs []int64) (map[int64]bool, error) {
	found := make(map[int64]bool, len(userIDs))
	// 500 ids a statement: a batch's recipients are a few hundred, and a
	// statement read once per batch needs no preparing.
	for ids := userIDs; len(ids) > 0; {
		list := ids[:min(len(ids), 500)]
		ids = ids[len(list):]
		rows, err := tx.QueryContext(ctx, `SELECT id FROM users WHERE id IN (`+strings.Repeat("?, ", len(list)-1)+`?)`, idArgs(list)...)
		if err != nil {
			return nil, err
		}
		if err := scanIDs(rows, found); err != nil {
			return nil, err
		}
	}
	return goneOf(userIDs, found), nil
}

func (e *sqliteEngine) claimHoldsPages() bool { return true }

func (e *sqliteEngine) sweepWorkers() int { return 1 }

func (e *sqliteEngine) sweepBatch() int { return 2500 }

// pagesByState counts the issues once (the CTE is materialized) for
// both their rows and the healthy pages' (the total's rest).
func (e *sqliteEngine) pagesByState() string {
	return `WITH issues AS MATERIALIZED (SELECT state, count(*) AS n FROM pages WHERE state <> 'healthy' GROUP BY state)
		SELECT state, n FROM issues
		UNION ALL SELECT 'healthy', t.n - (SELECT coalesce(sum(n), 0) FROM issues) FROM page_total t`
}

// dayBucket: times are Unix milliseconds.
func (e *sqliteEngine) dayBucket(col, from string) string {
	return "((" + col + " - " + from + ") / 86400000)"
}

// skipLocked is the lock clause of ClaimDigests' select.
func (e *sqliteEngine) skipLocked() string { return "" }

func (e *sqliteEngine) limit(n int, arg func(any) string) string { return arg(n) }

func (e *sqliteEngine) risksInRows() bool { return false }

// rowValues is a VALUES list of n rows (SQLite names its columns column1,
// column2, …): a statement per batch of rowsPer rows, prepared once, costs
// less than one per row. Its parameters are anonymous (?): SQLite numbers
// each one past the largest before it, so they follow the lead parameters
// $1 … $from-1, which must come before the rows in the statement; binding
// a named one costs a search of all the statement's names.
func (e *sqliteEngine) rowValues(types []string, from, n int) string {
	row := "(?" + strings.Repeat(", ?", len(types)-1) + ")"
	return "VALUES " + row + strings.Repeat(", "+row, n-1)
}

// rowArgs lays the rows' values out one row after the other.
func (e *sqliteEngine) rowArgs(cols int, rows [][]any) []any {
	out := make([]any, 0, cols*len(rows))
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}

func (e *sqliteEngine) rowsPer() int { return insertRows }

func (e *sqliteEngine) idListLengths() []int { return idListLengths }
