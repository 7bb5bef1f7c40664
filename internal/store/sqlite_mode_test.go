//go:build unix

package store_test

import (
	"os"
	"testing"

	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/store/storetest"
)

// The database, its write-ahead log and its shared-memory file are
// readable by their owner only: they hold the sealed tokens, the sessions'
// hashes and everyone's e-mail address.
func TestSQLiteFilesAreTheOwnersOnly(t *testing.T) {
	t.Parallel()
	path := newSQLite(t)
	s := storetest.Open(t, path, store.Options{})
	storetest.Seed(t, s)
	for _, name := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if mode := fi.Mode().Perm(); mode != 0o600 {
			t.Errorf("%s has mode %v, want -rw-------", name, mode)
		}
	}
}
