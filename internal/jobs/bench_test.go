package jobs_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch/internal/jobs"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// BenchmarkDeliveries delivers 2,000 e-mail digests from the outbox
// through River to a loopback SMTP server (8 connections) while the store
// keeps writing, on SQLite (River on the store's own write pool) and, when
// TOKENWATCH_TEST_POSTGRES_URL is set, on PostgreSQL (River's pgx driver),
// each run on a new database. It logs each run and reports, over all runs,
// e-mails per second end to end and the slowest store write meanwhile.
//
//	go test -run '^$' -bench Deliveries -benchtime 3x ./internal/jobs/
func BenchmarkDeliveries(b *testing.B) {
	for _, e := range engines {
		b.Run(e.name, func(b *testing.B) {
			var (
				sent    int
				elapsed time.Duration
				writes  []time.Duration
			)
			for b.Loop() {
				n, d, ws := benchDeliveries(b, e.url(b))
				b.Logf("%d e-mails in %v: %.0f e-mails/s, slowest store write %v", n, d.Round(time.Millisecond), float64(n)/d.Seconds(), slices.Max(ws).Round(time.Millisecond))
				sent, elapsed, writes = sent+n, elapsed+d, append(writes, ws...)
			}
			slices.Sort(writes)
			b.ReportMetric(float64(sent)/elapsed.Seconds(), "emails/s")
			b.ReportMetric(float64(writes[len(writes)*99/100].Microseconds())/1000, "p99-write-ms")
			b.ReportMetric(float64(writes[len(writes)-1].Microseconds())/1000, "max-write-ms")
		})
	}
}

// benchDeliveries queues 2,000 digests, hands them to the jobs and waits
// until the SMTP server has them all, signing people in (a store write
// each) every 5 ms meanwhile. It returns how many were delivered, in what
// time, and how long each store write took.
func benchDeliveries(b *testing.B, url string) (int, time.Duration, []time.Duration) {
	const n = 2000
	ctx := context.Background()
	w := newWorld(b, url, store.Options{}, jobs.Config{})
	w.start(b)
	defer w.stop() // the next run is not to share the machine with these workers
	start := time.Now()
	queued := w.queue(b, n, func(int) string { return "member@demo.test" })
	if err := w.jobs.Deliver(ctx, queued); err != nil {
		b.Fatal(err)
	}
	var writes []time.Duration
	for len(w.smtp.Messages()) < n && time.Since(start) < time.Minute {
		t := time.Now()
		if _, err := w.st.CreateSession(ctx, w.f.Owner.ID, time.Hour); err != nil {
			b.Fatal(err)
		}
		writes = append(writes, time.Since(t))
		time.Sleep(5 * time.Millisecond)
	}
	elapsed := time.Since(start)
	if got := len(w.smtp.Messages()); got != n {
		b.Fatalf("%d of %d delivered", got, n)
	}
	return n, elapsed, writes
}
