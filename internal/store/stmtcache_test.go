package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/tokenwatch/tokenwatch/internal/keyring"
)

// TestReadStatementsBounded runs more distinct queries on SQLite's read
// pool than the cache keeps: each answers right, prepared or not, and the
// cache stops growing at its bound.
func TestReadStatementsBounded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	keys, err := keyring.New(keyring.Generate())
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, filepath.Join(t.TempDir(), "tokenwatch.db"), Options{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for round := range 2 {
		for i := range readStmtsMax + 50 {
			var got int
			if err := s.queryRow(ctx, s.rdb, fmt.Sprintf("SELECT %d + $1", i), 1).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != i+1 {
				t.Fatalf("round %d: SELECT %d + 1 = %d", round, i, got)
			}
		}
	}
	s.reads.mu.RLock()
	n := len(s.reads.stmts)
	s.reads.mu.RUnlock()
	if n != readStmtsMax {
		t.Errorf("%d statements kept, want the bound %d", n, readStmtsMax)
	}
}
