package jobs_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/jobs"
	"github.com/tokenwatch/tokenwatch/internal/mail"
	"github.com/tokenwatch/tokenwatch/internal/mail/mailtest"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/store/pgtest"
	"github.com/tokenwatch/tokenwatch/internal/store/storetest"
)

// BenchmarkDeliveries delivers 2,000 e-mail digests from the outbox
// through River to a loopback SMTP server while the store keeps writing, on
// SQLite (River on the store's own write pool) and, when
// TOKENWATCH_TEST_POSTGRES_URL is set, on PostgreSQL (River's pgx driver).
// It reports e-mails per second end to end and the slowest store write
// meanwhile.
//
//	go test -run '^$' -bench Deliveries -benchtime 1x ./internal/jobs/
func BenchmarkDeliveries(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		for b.Loop() {
			benchDeliveries(b, filepath.Join(b.TempDir(), "tw.db"))
		}
	})
	b.Run("postgres", func(b *testing.B) {
		url := pgtest.NewDatabase(b)
		for b.Loop() {
			benchDeliveries(b, url)
		}
	})
}

func benchDeliveries(b *testing.B, url string) {
	const n = 2000
	ctx := context.Background()
	st := storetest.Open(b, url, store.Options{})
	f := storetest.Seed(b, st)
	srv := mailtest.Start(b)
	sender, err := mail.NewSMTP(tokenwatch.NewSecret(srv.URL()), "tokenwatch <a@tw.example>", mail.SMTPOptions{Connections: 8})
	if err != nil {
		b.Fatal(err)
	}
	defer sender.Close()
	if _, err := jobs.Migrate(ctx, st); err != nil {
		b.Fatal(err)
	}
	j, err := jobs.New(st, jobs.Config{Store: st, Mail: sender, Work: true})
	if err != nil {
		b.Fatal(err)
	}
	if err := j.Start(ctx); err != nil {
		b.Fatal(err)
	}
	defer j.Stop(ctx)
	var ds []store.Delivery
	for i := range n {
		ds = append(ds, store.Delivery{Channel: store.ChannelEmail, Key: fmt.Sprintf("m%d@tw.example", i), AccountID: f.Account.ID,
			UserID: f.Member.ID, Payload: fmt.Sprintf(`{"message_id":"m%d@tw.example","to":"member@demo.test","name":"M","items":[]}`, i)})
	}
	start := time.Now()
	queued, err := st.QueueDeliveries(ctx, ds)
	if err != nil {
		b.Fatal(err)
	}
	if err := j.Deliver(ctx, queued); err != nil {
		b.Fatal(err)
	}
	// Meanwhile the web keeps signing people in (a store write each).
	var writes []time.Duration
	for len(srv.Messages()) < n && time.Since(start) < time.Minute {
		t := time.Now()
		if _, err := st.CreateSession(ctx, f.Owner.ID, time.Hour); err != nil {
			b.Fatal(err)
		}
		writes = append(writes, time.Since(t))
		time.Sleep(5 * time.Millisecond)
	}
	elapsed := time.Since(start)
	if got := len(srv.Messages()); got != n {
		b.Fatalf("%d of %d delivered", got, n)
	}
	slices.Sort(writes)
	b.ReportMetric(float64(n)/elapsed.Seconds(), "emails/s")
	b.ReportMetric(float64(writes[len(writes)*99/100].Microseconds())/1000, "p99-write-ms")
	b.ReportMetric(float64(writes[len(writes)-1].Microseconds())/1000, "max-write-ms")
}
