package store_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/store/storetest"
)

func newSQLite(t *testing.T) string { return filepath.Join(t.TempDir(), "tokenwatch.db") }

func TestSQLite(t *testing.T) {
	t.Parallel()
	storetest.Run(t, storetest.Engine{NewDatabase: newSQLite})
}

// TestSQLiteFileHoldsNoPlaintextToken reads the database file and its
// write-ahead log byte by byte.
func TestSQLiteFileHoldsNoPlaintextToken(t *testing.T) {
	t.Parallel()
	path := newSQLite(t)
	s := storetest.Open(t, path, store.Options{})
	f := storetest.Seed(t, s)
	const token = "EAAG-raw-file-plaintext-token-4711"
	p := storetest.NewPage(f.Harbor.ID, "x", "x-raw", "Raw")
	if err := s.CreatePage(context.Background(), p, storetest.Creds(token, token+"-refresh")); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, name := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(name)
		if err != nil {
			continue
		}
		found = found || bytes.Contains(b, []byte("Raw")) // the page name is there, in clear
		if bytes.Contains(b, []byte(token)) {
			t.Errorf("%s holds the token in plaintext", name)
		}
	}
	if !found {
		t.Fatal("the page was not found in the files: the test reads the wrong files")
	}
}

func TestOpenRejectsBadURLs(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"", "sqlite::memory:", "file:"} {
		if _, err := store.Open(context.Background(), u, store.Options{}); err == nil {
			t.Errorf("Open(%q) accepted", u)
		}
	}
}
