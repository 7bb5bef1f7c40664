package store_test

import (
	"path/filepath"
	"testing"

	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/store/storetest"
)

// BenchmarkNewTestDatabase is what a test pays for a fresh, migrated
// SQLite database (storetest.Open: a copy of a template migrated once per
// process). Side by side in one run on this shared machine: 27–33 ms a
// database at f4c90dc (each migrated, eight migrations), 4.6–5.8 ms for
// the copy of twelve:
//
//	go test -run '^$' -bench NewTestDatabase -benchtime 30x ./internal/store
func BenchmarkNewTestDatabase(b *testing.B) {
	for b.Loop() {
		storetest.Open(b, filepath.Join(b.TempDir(), "t.db"), store.Options{})
	}
}
