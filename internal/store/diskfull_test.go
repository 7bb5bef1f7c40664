package store_test

import (
	"context"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/store/pgtest"
	"github.com/tokenwatch/tokenwatch/internal/store/storetest"
)

// fillSQLite makes the database full: SQLite may not grow the file beyond
// the pages it has (max_page_count, on the one connection that writes),
// and the pages it has are filled with sessions. Writes then fail with
// SQLITE_FULL, as on a full disk.
func fillSQLite(t *testing.T, s *store.Store, userID int64) {
	t.Helper()
	ctx := context.Background()
	var pages int64
	if err := s.DB().QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if err := s.DB().QueryRowContext(ctx, `PRAGMA max_page_count = `+strconv.FormatInt(pages, 10)).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	for range 10000 {
		if _, err := s.CreateSession(ctx, userID, time.Hour); err != nil {
			return
		}
	}
	t.Fatal("10,000 sessions fitted in a database that may not grow")
}

// diskFull checks what a write on a full database says: that the service
// is unavailable (503, not an internal error), in words a person signing in
// can read; and that the store is not writable for its readiness check.
func diskFull(t *testing.T, s *store.Store, userID int64) {
	t.Helper()
	_, err := s.CreateSession(context.Background(), userID, time.Hour)
	if tokenwatch.ErrorCode(err) != tokenwatch.CodeUnavailable || !strings.Contains(tokenwatch.ErrorMessage(err), "no space left") {
		t.Errorf("a write on a full database: %v (code %s), want unavailable, saying there is no space left", err, tokenwatch.ErrorCode(err))
	}
	if err := s.Writable(context.Background()); tokenwatch.ErrorCode(err) != tokenwatch.CodeUnavailable {
		t.Errorf("Writable after a write failed for want of space: %v", err)
	}
}

func TestSQLiteDiskFullIsUnavailable(t *testing.T) {
	t.Parallel()
	s := storetest.Open(t, newSQLite(t), store.Options{})
	f := storetest.Seed(t, s)
	if err := s.Writable(context.Background()); err != nil {
		t.Fatalf("a new database is not writable: %v", err)
	}
	fillSQLite(t, s, f.Member.ID)
	diskFull(t, s, f.Member.ID)
}

// TestPostgresDiskFullIsUnavailable: PostgreSQL says a full disk with
// SQLSTATE 53100 (disk_full); a trigger says it here, as the server would.
func TestPostgresDiskFullIsUnavailable(t *testing.T) {
	t.Parallel()
	s := storetest.Open(t, pgtest.NewDatabase(t), store.Options{})
	f := storetest.Seed(t, s)
	_, err := s.DB().ExecContext(context.Background(), `
		CREATE FUNCTION disk_is_full() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			RAISE EXCEPTION 'could not extend file "base/16384/16385": No space left on device' USING ERRCODE = 'disk_full';
		END $$;
		CREATE TRIGGER disk_is_full BEFORE INSERT ON sessions FOR EACH ROW EXECUTE FUNCTION disk_is_full();`)
	if err != nil {
		t.Fatal(err)
	}
	diskFull(t, s, f.Member.ID)
}

// The file system holding a SQLite database is checked too, so that
// readiness fails before writes do: here, by asking for more free space
// than any disk has.
func TestSQLiteLowDiskSpaceIsNotWritable(t *testing.T) {
	t.Parallel()
	s := storetest.Open(t, newSQLite(t), store.Options{MinFreeSpace: math.MaxInt64})
	err := s.Writable(context.Background())
	if tokenwatch.ErrorCode(err) != tokenwatch.CodeUnavailable || !strings.Contains(tokenwatch.ErrorMessage(err), "left on the disk") {
		t.Errorf("Writable with less free space than wanted: %v", err)
	}
}
