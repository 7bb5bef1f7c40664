package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/keyring"
)

func TestPositional(t *testing.T) {
	tests := []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`SELECT a FROM t WHERE id = $1 AND b = $2`, `SELECT a FROM t WHERE id = ? AND b = ?`},
		{`INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4) RETURNING id`, `INSERT INTO t (a, b) VALUES (?, ?), (?, ?) RETURNING id`},
		{`SELECT $10`, `SELECT $10`},                           // not from 1
		{`WHERE a = $1 OR b = $1`, `WHERE a = $1 OR b = $1`},   // used twice
		{`WHERE a = $2 AND b = $1`, `WHERE a = $2 AND b = $1`}, // out of order
		{`WHERE a = $1 AND b = '$2' AND c = $2`, `WHERE a = ? AND b = '$2' AND c = ?`},
		{`SELECT json_extract(x, '$.a') FROM t WHERE id = $1`, `SELECT json_extract(x, '$.a') FROM t WHERE id = ?`},
		{"SELECT a -- $5 is not here\nFROM t WHERE id = $1", "SELECT a -- $5 is not here\nFROM t WHERE id = ?"},
		{`SELECT "$x" FROM t WHERE id = $1`, `SELECT "$x" FROM t WHERE id = ?`},
		{`SELECT 'unterminated $1`, `SELECT 'unterminated $1`},
		{`SELECT $`, `SELECT $`},
		{`INSERT INTO t SELECT $1, column1 FROM (VALUES (?), (?))`, `INSERT INTO t SELECT ?, column1 FROM (VALUES (?), (?))`},
		{`SELECT ? WHERE a = $1`, `SELECT ? WHERE a = $1`}, // a ? before the numbers
		{`SELECT /* $1 */ $2`, `SELECT /* $1 */ $2`},
		{`SELECT $1abc`, `SELECT $1abc`},
	}
	for _, tt := range tests {
		if got := positional(tt.in); got != tt.want {
			t.Errorf("positional(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// BenchmarkCreatePagesSQLite creates 1,000 pages per operation on SQLite
// (multi-row inserts of 32 rows of 25 parameters), with the parameters
// made positional as the store does, and numbered ($1 …) as written, side
// by side.
func BenchmarkCreatePagesSQLite(b *testing.B) {
	for _, mode := range []string{"positional", "numbered"} {
		b.Run(mode, func(b *testing.B) {
			ctx := context.Background()
			keys, err := keyring.New(keyring.Generate())
			if err != nil {
				b.Fatal(err)
			}
			s, err := Open(ctx, filepath.Join(b.TempDir(), "tokenwatch.db"), Options{Keys: keys})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			if _, err := s.Migrate(ctx); err != nil {
				b.Fatal(err)
			}
			if mode == "numbered" {
				s.positional = nil
			}
			acct := &tokenwatch.Account{Name: "Bench"}
			if err := s.CreateAccount(ctx, acct); err != nil {
				b.Fatal(err)
			}
			loc := &tokenwatch.Location{AccountID: acct.ID, Name: "Bench", TimeZone: "UTC"}
			if err := s.CreateLocation(ctx, loc); err != nil {
				b.Fatal(err)
			}
			now := time.Now()
			for i := 0; b.Loop(); i++ {
				batch := make([]NewPage, 1000)
				for j := range batch {
					batch[j] = NewPage{Page: &tokenwatch.Page{LocationID: loc.ID, Provider: tokenwatch.Facebook,
						ProviderPageID: fmt.Sprintf("bench-%d-%d", i, j), Name: "Page", ProviderUserID: "admin",
						AccessExpiresAt: now.Add(60 * 24 * time.Hour), NextDueAt: now.Add(time.Hour), State: tokenwatch.StateHealthy},
						Credentials: tokenwatch.Credentials{AccessToken: tokenwatch.NewSecret("token")}}
				}
				if n, err := s.CreatePages(ctx, batch); err != nil || n != len(batch) {
					b.Fatalf("CreatePages: %d, %v", n, err)
				}
			}
		})
	}
}
