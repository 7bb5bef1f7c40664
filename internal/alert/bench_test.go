package alert

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/store/storetest"
)

// BenchmarkSweepVsScan seeds 1,000,000 pages over 1,000 locations (one
// manager each), 1% of them due, and times, side by side, a sweep through
// the due-time index and a naive scan that loads and evaluates every page
// and then does the same work for the due ones. In "checks" the due pages
// need their daily health check (the common case: with no Maintainer
// wired, it is postponed); in "alerts" every due page crosses its 3-day
// threshold (the worst case: both record 10,000 alerts, notifications and
// digests). Seeding takes some seconds and happens only when the
// benchmark runs. See benchSize for the variables that change the size
// (TOKENWATCH_BENCH_PAGES makes a smaller run), leave the scan out or
// profile the sweeps alone:
//
//	go test -run '^$' -bench SweepVsScan -benchtime 3x ./internal/alert/
func BenchmarkSweepVsScan(b *testing.B) {
	b.Run("checks", func(b *testing.B) { benchSweep(b, false) })
	b.Run("alerts", func(b *testing.B) { benchSweep(b, true) })
}

// benchSize reads the size of a sweep benchmark: TOKENWATCH_BENCH_PAGES
// pages (default 1,000,000), TOKENWATCH_BENCH_DUE of them due (default
// 1%; it must divide the pages), so that the same due pages can be swept
// in databases of different sizes. Every duePer-th page is due.
func benchSize(b *testing.B) (pages, duePer int) {
	pages = 1_000_000
	if n, err := strconv.Atoi(os.Getenv("TOKENWATCH_BENCH_PAGES")); err == nil && n > 0 {
		pages = n
	}
	due := pages / 100
	if n, err := strconv.Atoi(os.Getenv("TOKENWATCH_BENCH_DUE")); err == nil && n > 0 {
		due = n
	}
	if due > pages || pages%due != 0 {
		b.Fatalf("TOKENWATCH_BENCH_DUE=%d does not divide TOKENWATCH_BENCH_PAGES=%d", due, pages)
	}
	return pages, pages / due
}

// benchWorkers is the sweep's Options.Workers: TOKENWATCH_BENCH_WORKERS,
// or else the store's default.
func benchWorkers() int {
	n, _ := strconv.Atoi(os.Getenv("TOKENWATCH_BENCH_WORKERS"))
	return n
}

// benchScan says whether the benchmark also times the naive scan
// (TOKENWATCH_BENCH_SCAN=0 leaves it out, for quicker runs).
func benchScan() bool { return os.Getenv("TOKENWATCH_BENCH_SCAN") != "0" }

// profileSweep starts a CPU profile of one sweep when
// TOKENWATCH_BENCH_PROFILE names a directory: dir/<benchmark>-<n>.prof,
// which go tool pprof reads together with the others (-test.cpuprofile
// would mix in the seeding, the resets and the scans). It returns what
// stops it.
func profileSweep(b *testing.B, n int) (stop func()) {
	dir := os.Getenv("TOKENWATCH_BENCH_PROFILE")
	if dir == "" {
		return func() {}
	}
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%s-%d.prof", strings.ReplaceAll(b.Name(), "/", "-"), n)))
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

func benchSweep(b *testing.B, alerts bool) {
	const locations = 1_000
	pages, duePer := benchSize(b)
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	st := storetest.Open(b, filepath.Join(b.TempDir(), "bench.db"), store.Options{Now: func() time.Time { return now }})
	start := time.Now()
	seed(b, st, pages, locations, duePer, now, alerts)
	b.Logf("seeded %d pages (%d due) in %v", pages, pages/duePer, time.Since(start).Round(time.Millisecond))

	sw := New(st, Options{Policy: lifecycle.Default(), BaseURL: "https://tw.example", MailFrom: "alerts@tw.example", Now: func() time.Time { return now },
		Workers: benchWorkers(), BatchSize: benchBatch()})
	var sweeps, scans, sweepCPU, scanCPU, sweepFind, scanFind []time.Duration
	var found int
	for b.Loop() {
		reset(b, st, duePer, now)
		sweepFind = append(sweepFind, findDue(b, st, now))
		stop := profileSweep(b, len(sweeps))
		t, c := time.Now(), cpuTime()
		rep, err := sw.Sweep(ctx)
		stop()
		if err != nil {
			b.Fatal(err)
		}
		sweeps, sweepCPU = append(sweeps, time.Since(t)), append(sweepCPU, cpuTime()-c)
		found = rep.Alerts["3d"]
		if !alerts {
			found = rep.Claimed
		}
		if found != pages/duePer {
			b.Fatalf("the sweep found %d, want %d", found, pages/duePer)
		}
		if !benchScan() {
			continue
		}

		reset(b, st, duePer, now)
		t, c = time.Now(), cpuTime()
		n, find, err := sw.naiveScan(ctx, now, alerts)
		if err != nil {
			b.Fatal(err)
		}
		scanFind = append(scanFind, find)
		scans, scanCPU = append(scans, time.Since(t)), append(scanCPU, cpuTime()-c)
		if n != found {
			b.Fatalf("the sweep recorded %d alerts, the scan %d; want %d", found, n, pages/duePer)
		}
	}
	sweep := median(sweeps)
	b.ReportMetric(float64(sweep.Microseconds())/1000, "sweep-ms")
	// The fastest sweep is the one least disturbed by the machine's other
	// work: on a shared machine it compares two versions best.
	b.ReportMetric(float64(slices.Min(sweeps).Microseconds())/1000, "sweep-min-ms")
	b.ReportMetric(float64(median(sweepFind).Microseconds())/1000, "sweep-find-ms")
	b.ReportMetric(float64(median(sweepCPU).Microseconds())/1000, "sweep-cpu-ms")
	if len(scans) == 0 {
		b.Logf("%d pages, %d due: sweep %v (CPU %v); finding the due pages through the index %v", pages, found,
			sweep.Round(time.Millisecond), median(sweepCPU).Round(time.Millisecond), median(sweepFind).Round(time.Millisecond))
		return
	}
	scan := median(scans)
	b.ReportMetric(float64(scan.Microseconds())/1000, "scan-ms")
	b.ReportMetric(float64(scan)/float64(sweep), "x-faster")
	b.ReportMetric(float64(median(scanFind).Microseconds())/1000, "scan-find-ms")
	b.ReportMetric(float64(median(scanCPU).Microseconds())/1000, "scan-cpu-ms")
	b.Logf("%d pages, %d due: sweep %v (CPU %v), naive scan %v (CPU %v), %.0f× faster", pages, found, sweep.Round(time.Millisecond),
		median(sweepCPU).Round(time.Millisecond), scan.Round(time.Millisecond), median(scanCPU).Round(time.Millisecond), float64(scan)/float64(sweep))
	b.Logf("finding the due pages alone: through the index %v, by loading and evaluating every page %v, %.0f× faster",
		median(sweepFind).Round(time.Millisecond), median(scanFind).Round(time.Millisecond), float64(median(scanFind))/float64(median(sweepFind)))
}

// naiveScan is what the sweep would cost without the due-time index: load
// every page, evaluate it, and process those that need attention. It
// returns the alerts recorded and how long finding the due pages took.
func (s *Sweeper) naiveScan(ctx context.Context, now time.Time, alerts bool) (int, time.Duration, error) {
	start := time.Now()
	all, err := s.st.ListPages(ctx, store.PageFilter{})
	if err != nil {
		return 0, 0, err
	}
	ids := make([]int64, len(all))
	for i, p := range all {
		ids[i] = p.ID
	}
	sent, err := s.st.PageAlerts(ctx, ids)
	if err != nil {
		return 0, 0, err
	}
	var due []*tokenwatch.Page
	for _, p := range all {
		d := s.opts.Policy.Evaluate(lifecycle.FactsOf(p), sentOf(sent[p.ID]), now)
		if d.Due != lifecycle.StepNone || (!d.NextAt.IsZero() && !d.NextAt.After(now)) {
			due = append(due, p)
		}
	}
	find := time.Since(start)
	rep := newReport()
	if !alerts {
		rep.Alerts["3d"] = len(due)
	}
	for len(due) > 0 {
		n := min(len(due), s.opts.BatchSize)
		if err := s.process(ctx, due[:n], &rep); err != nil {
			return 0, 0, err
		}
		due = due[n:]
	}
	return rep.Alerts["3d"], find, nil
}

// findDue times what the sweep does to find its pages, without the rest:
// reading the due pages through the due queue.
func findDue(b *testing.B, st *store.Store, now time.Time) time.Duration {
	start := time.Now()
	rows, err := st.DB().QueryContext(context.Background(), `SELECT p.* FROM page_due d JOIN pages p ON p.id = d.page_id
		WHERE d.due_at <= $1 ORDER BY d.due_at, d.page_id`, now.UnixMilli())
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	vals := make([]any, len(cols))
	for i := range vals {
		vals[i] = new(any)
	}
	for rows.Next() {
		if err := rows.Scan(vals...); err != nil {
			b.Fatal(err)
		}
	}
	return time.Since(start)
}

// seed writes the benchmark's account, locations (a manager each) and
// pages, with the columns that store.CreatePages writes (the deadline
// too: without it every page sat in the indexes by state and deadline in
// id order, and a sweep rewrote a leaf of each for almost every page). The k-th due page is at location 1 + (100k mod locations), as
// every 100th of 1,000,000 pages is at 1 + (i mod 1,000): the due pages
// fall on the same 10 locations whatever the size of the database, so that
// sweeping the same due pages costs the same work at any size.
func seed(b *testing.B, st *store.Store, pages, locations, duePer int, now time.Time, alerts bool) {
	ctx := context.Background()
	db := st.DB()
	ms := now.UnixMilli()
	day := int64(24 * time.Hour / time.Millisecond)
	dueExpiry, dueChecked := ms+2*day, ms // due with a 3-day alert
	if !alerts {
		dueExpiry, dueChecked = ms+60*day, ms-25*60*60*1000 // due for a health check
	}
	// Plain SQLite: a benchmark fixture, written straight into the tables.
	for _, q := range []string{
		`INSERT INTO accounts (id, name, created_at) VALUES (1, 'Bench', ` + fmt.Sprint(ms) + `)`,
		fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
			INSERT INTO locations (id, account_id, name, time_zone, created_at) SELECT i, 1, 'Location ' || i, 'Europe/Paris', %d FROM n`, locations, ms),
		fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
			INSERT INTO users (id, account_id, email, name, password_hash, created_at) SELECT i, 1, 'manager' || i || '@bench.test', 'Manager ' || i, 'x', %d FROM n`, locations, ms),
		`INSERT INTO memberships (location_id, user_id, role) SELECT id, id, 'manager' FROM locations`,
		fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
			INSERT INTO pages (id, account_id, location_id, provider, provider_page_id, name, provider_user_id, key_id, access_token,
				access_expires_at, last_checked_at, generation, state, next_due_at, created_at, updated_at, deadline)
			SELECT i, 1, CASE WHEN i %% %d = 0 THEN 1 + (i / %d * 100) %% %d ELSE 1 + i %% %d END, 'linkedin', 'li-' || i, 'Page ' || i, 'u' || i, 'k', x'00',
				CASE WHEN i %% %d = 0 THEN %d ELSE %d END, CASE WHEN i %% %d = 0 THEN %d ELSE %d END, 1, 'healthy',
				CASE WHEN i %% %d = 0 THEN %d ELSE %d END, %d, %d, CASE WHEN i %% %d = 0 THEN %d ELSE %d END FROM n`,
			pages, duePer, duePer, locations, locations, duePer, dueExpiry, ms+60*day, duePer, dueChecked, ms, duePer, ms-60_000, ms+day, ms, ms,
			duePer, dueExpiry, ms+60*day),
		`INSERT INTO page_due (due_at, page_id) SELECT next_due_at, id FROM pages`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
}

// reset makes the due pages due again and forgets what sweeps recorded,
// and checkpoints what it wrote.
func reset(b *testing.B, st *store.Store, duePer int, now time.Time) {
	ctx := context.Background()
	for _, q := range []string{
		`DELETE FROM page_alerts`, `DELETE FROM alerts`, `DELETE FROM notifications`, `DELETE FROM deliveries`,
		fmt.Sprintf(`UPDATE pages SET state = 'healthy', next_due_at = %d WHERE id %% %d = 0`, now.UnixMilli()-60_000, duePer),
		fmt.Sprintf(`DELETE FROM page_due WHERE due_at > %d AND page_id %% %d = 0`, now.UnixMilli(), duePer),
		fmt.Sprintf(`INSERT OR IGNORE INTO page_due (due_at, page_id) SELECT next_due_at, id FROM pages WHERE id %% %d = 0`, duePer),
		// The reset's own writes go back into the database file first, as
		// the store's checkpointer would have done within a second: left in
		// the write-ahead log, they pushed it past the size at which the
		// sweep's commit checkpoints it itself.
		`PRAGMA wal_checkpoint(TRUNCATE)`,
	} {
		if _, err := st.DB().ExecContext(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// cpuTime is the CPU time the process used so far (user and system): less
// noisy than wall time on a shared machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchBatch is the sweep's Options.BatchSize: TOKENWATCH_BENCH_BATCH, or
// else the default.
func benchBatch() int {
	n, _ := strconv.Atoi(os.Getenv("TOKENWATCH_BENCH_BATCH"))
	return n
}
