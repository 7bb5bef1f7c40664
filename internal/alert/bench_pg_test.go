package alert

import (
	"context"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/store/pgtest"
	"github.com/tokenwatch/tokenwatch/internal/store/storetest"
)

// BenchmarkSweepVsScanPostgres is BenchmarkSweepVsScan on PostgreSQL: the
// same 1,000,000 pages over 1,000 locations, 1% due, seeded in a few
// INSERT … SELECT generate_series statements into a schema of its own
// (TOKENWATCH_TEST_POSTGRES_URL, as for the tests; skipped without it):
//
//	TOKENWATCH_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	  go test -run '^$' -bench SweepVsScanPostgres -benchtime 3x ./internal/alert/
func BenchmarkSweepVsScanPostgres(b *testing.B) {
	b.Run("checks", func(b *testing.B) { benchSweepPostgres(b, false) })
	b.Run("alerts", func(b *testing.B) { benchSweepPostgres(b, true) })
}

func benchSweepPostgres(b *testing.B, alerts bool) {
	const locations = 1_000
	pages, duePer := benchSize(b)
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	st := storetest.Open(b, pgtest.NewDatabase(b), store.Options{Now: clock})
	start := time.Now()
	pgExec(b, st, seedPostgres(now, pages, locations, duePer, alerts))
	b.Logf("seeded %d pages (%d due) in %v", pages, pages/duePer, time.Since(start).Round(time.Millisecond))

	sw := New(st, Options{Policy: lifecycle.Default(), BaseURL: "https://tw.example", MailFrom: "alerts@tw.example", Now: clock, Workers: benchWorkers()})
	var sweep, scan, sweepCPU, scanCPU, sweepFind, scanFind []time.Duration
	for b.Loop() {
		pgExec(b, st, resetPostgres(now, duePer))
		sweepFind = append(sweepFind, findDuePostgres(b, st, now))
		stop := profileSweep(b, len(sweep))
		t, c := time.Now(), cpuTime()
		rep, err := sw.Sweep(ctx)
		stop()
		if err != nil {
			b.Fatal(err)
		}
		sweep, sweepCPU = append(sweep, time.Since(t)), append(sweepCPU, cpuTime()-c)
		found := rep.Claimed
		if alerts {
			found = rep.Alerts["3d"]
		}
		if found != pages/duePer {
			b.Fatalf("the sweep found %d, want %d", found, pages/duePer)
		}
		if !benchScan() {
			continue
		}

		pgExec(b, st, resetPostgres(now, duePer))
		t, c = time.Now(), cpuTime()
		n, find, err := sw.naiveScan(ctx, now, alerts)
		if err != nil {
			b.Fatal(err)
		}
		scan, scanCPU, scanFind = append(scan, time.Since(t)), append(scanCPU, cpuTime()-c), append(scanFind, find)
		if n != found {
			b.Fatalf("the sweep found %d, the scan %d; want %d", found, n, pages/duePer)
		}
	}
	b.ReportMetric(float64(median(sweep).Microseconds())/1000, "sweep-ms")
	b.ReportMetric(float64(median(sweepCPU).Microseconds())/1000, "sweep-cpu-ms")
	b.ReportMetric(float64(median(sweepFind).Microseconds())/1000, "sweep-find-ms")
	if len(scan) == 0 {
		b.Logf("PostgreSQL, %d pages, %d due: sweep %v (CPU %v); finding the due pages through the index %v", pages, pages/duePer,
			median(sweep).Round(time.Millisecond), median(sweepCPU).Round(time.Millisecond), median(sweepFind).Round(time.Millisecond))
		return
	}
	for unit, d := range map[string]time.Duration{"scan-ms": median(scan), "scan-cpu-ms": median(scanCPU), "scan-find-ms": median(scanFind)} {
		b.ReportMetric(float64(d.Microseconds())/1000, unit)
	}
	b.ReportMetric(float64(median(scan))/float64(median(sweep)), "x-faster")
	b.Logf("PostgreSQL, %d pages, %d due: sweep %v (CPU %v), naive scan %v (CPU %v); finding the due pages: index %v, scan %v",
		pages, pages/duePer, median(sweep).Round(time.Millisecond), median(sweepCPU).Round(time.Millisecond), median(scan).Round(time.Millisecond),
		median(scanCPU).Round(time.Millisecond), median(sweepFind).Round(time.Millisecond), median(scanFind).Round(time.Millisecond))
}

// seedPostgres writes the benchmark's account, locations (a manager each)
// and pages straight into the tables, laid out as seed does (the deadline
// too). Every
// duePer-th page is due: for its
// 3-day alert (expiring in 2 days) or, without alerts, for its daily check
// (expiring in 60 days, checked 25 hours ago).
func seedPostgres(now time.Time, pages, locations, duePer int, alerts bool) []pgStmt {
	dueExpiry, dueChecked := now.Add(2*24*time.Hour), now
	if !alerts {
		dueExpiry, dueChecked = now.Add(60*24*time.Hour), now.Add(-25*time.Hour)
	}
	return []pgStmt{
		{`INSERT INTO accounts (id, name, created_at) VALUES (1, 'Bench', $1)`, []any{now}},
		{`INSERT INTO locations (id, account_id, name, time_zone, created_at)
			SELECT i, 1, 'Location ' || i, 'Europe/Paris', $1 FROM generate_series(1, $2::int) i`, []any{now, locations}},
		{`INSERT INTO users (id, account_id, email, name, password_hash, created_at)
			SELECT i, 1, 'manager' || i || '@bench.test', 'Manager ' || i, 'x', $1 FROM generate_series(1, $2::int) i`, []any{now, locations}},
		{`INSERT INTO memberships (location_id, user_id, role) SELECT id, id, 'manager' FROM locations`, nil},
		{`INSERT INTO pages (id, account_id, location_id, provider, provider_page_id, name, provider_user_id, key_id, access_token,
				access_expires_at, last_checked_at, generation, state, next_due_at, created_at, updated_at, deadline)
			SELECT i, 1, CASE WHEN i % $3::int = 0 THEN 1 + (i / $3::int * 100) % $2::int ELSE 1 + i % $2::int END, 'linkedin', 'li-' || i, 'Page ' || i, 'u' || i, 'k', '\x00'::bytea,
				CASE WHEN i % $3::int = 0 THEN $4::timestamptz ELSE $1::timestamptz + interval '60 days' END,
				CASE WHEN i % $3::int = 0 THEN $5::timestamptz ELSE $1::timestamptz END, 1, 'healthy',
				CASE WHEN i % $3::int = 0 THEN $1::timestamptz - interval '1 minute' ELSE $1::timestamptz + interval '1 day' END, $1, $1,
				CASE WHEN i % $3::int = 0 THEN $4::timestamptz ELSE $1::timestamptz + interval '60 days' END
			FROM generate_series(1, $6::int) i`, []any{now, locations, duePer, dueExpiry, dueChecked, pages}},
		{`INSERT INTO page_due (due_at, page_id) SELECT next_due_at, id FROM pages`, nil},
	}
}

// resetPostgres makes the due pages due again and forgets what sweeps
// recorded.
func resetPostgres(now time.Time, duePer int) []pgStmt {
	return []pgStmt{
		{`DELETE FROM page_alerts`, nil}, {`DELETE FROM alerts`, nil}, {`DELETE FROM notifications`, nil}, {`DELETE FROM deliveries`, nil},
		{`UPDATE pages SET state = 'healthy', next_due_at = $1 WHERE id % $2::int = 0`, []any{now.Add(-time.Minute), duePer}},
		{`DELETE FROM page_due WHERE due_at > $1 AND page_id % $2::int = 0`, []any{now, duePer}},
		{`INSERT INTO page_due (due_at, page_id) SELECT next_due_at, id FROM pages WHERE id % $1::int = 0 ON CONFLICT DO NOTHING`, []any{duePer}},
	}
}

// pgStmt is a statement and its arguments.
type pgStmt struct {
	sql  string
	args []any
}

// pgExec runs the statements, then refreshes the planner's statistics.
func pgExec(b *testing.B, st *store.Store, stmts []pgStmt) {
	for _, q := range append(stmts, pgStmt{sql: `ANALYZE`}) {
		if _, err := st.PgxPool().Exec(context.Background(), q.sql, q.args...); err != nil {
			b.Fatalf("%s: %v", q.sql, err)
		}
	}
}

// findDuePostgres times reading the due pages through the due queue, as
// the sweep finds them.
func findDuePostgres(b *testing.B, st *store.Store, now time.Time) time.Duration {
	start := time.Now()
	rows, err := st.PgxPool().Query(context.Background(), `SELECT p.* FROM page_due d JOIN pages p ON p.id = d.page_id
		WHERE d.due_at <= $1 ORDER BY d.due_at, d.page_id`, now)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		_ = rows.RawValues()
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}
