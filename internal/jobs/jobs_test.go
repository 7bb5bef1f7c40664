package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
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

// engines name a new database per engine: a SQLite file (River on the
// store's write pool) and, when TOKENWATCH_TEST_POSTGRES_URL is set, a
// PostgreSQL schema (River's pgx driver).
var engines = []struct {
	name string
	url  func(t testing.TB) string
}{
	{"sqlite", func(t testing.TB) string { return filepath.Join(t.TempDir(), "tw.db") }},
	{"postgres", pgtest.NewDatabase},
}

// world is a store, a loopback SMTP server and the jobs that deliver the
// store's outbox to it.
type world struct {
	st   *store.Store
	f    *storetest.Fixture
	smtp *mailtest.Server
	jobs *jobs.Jobs
	seen *observer
}

// newWorld sets up a world on the database at url; its jobs are not started.
func newWorld(t testing.TB, url string, opts store.Options, cfg jobs.Config) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{st: storetest.Open(t, url, opts), smtp: mailtest.Start(t), seen: &observer{n: map[string]int{}}}
	w.f = storetest.Seed(t, w.st)
	sender, err := mail.NewSMTP(tokenwatch.NewSecret(w.smtp.URL()), "tokenwatch <a@tw.example>", mail.SMTPOptions{Connections: 8, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sender.Close() })
	if _, err := jobs.Migrate(ctx, w.st); err != nil {
		t.Fatal(err)
	}
	cfg.Store, cfg.Mail, cfg.Observer, cfg.Work = w.st, sender, w.seen, true
	if w.jobs, err = jobs.New(w.st, cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.stop)
	return w
}

// stop stops the jobs (again is harmless).
func (w *world) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	w.jobs.Stop(ctx)
}

func (w *world) start(t testing.TB) {
	t.Helper()
	if err := w.jobs.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// queue stores n digests in the outbox, each to the address to(i), with
// Message-IDs m<i>@tw.example.
func (w *world) queue(t testing.TB, n int, to func(i int) string) []store.Delivery {
	t.Helper()
	ds := make([]store.Delivery, n)
	for i := range ds {
		ds[i] = store.Delivery{Channel: store.ChannelEmail, Key: fmt.Sprintf("m%d@tw.example", i), AccountID: w.f.Account.ID,
			UserID: w.f.Member.ID, Payload: fmt.Sprintf(`{"message_id":"m%d@tw.example","to":%q,"name":"M","items":[]}`, i, to(i))}
	}
	queued, err := w.st.QueueDeliveries(context.Background(), ds)
	if err != nil {
		t.Fatal(err)
	}
	return queued
}

// settled waits until no delivery is pending and River has finished every
// job (none will be attempted again), and returns the deliveries and the
// jobs. From then on nothing more is sent: what the mail server holds is
// all it will get.
func (w *world) settled(t testing.TB, timeout time.Duration) ([]*store.Delivery, []jobs.Job) {
	t.Helper()
	ctx := context.Background()
	for end := time.Now().Add(timeout); ; time.Sleep(20 * time.Millisecond) {
		ds := storetest.Deliveries(t, w.st, storetest.DeliveryFilter{})
		js, err := w.jobs.List(ctx)
		must(t, err)
		pending := slices.IndexFunc(ds, func(d *store.Delivery) bool { return d.Status == store.DeliveryPending }) >= 0
		running := slices.IndexFunc(js, func(j jobs.Job) bool { return !j.Finished() }) >= 0
		if !pending && !running {
			return ds, js
		}
		if time.Now().After(end) {
			t.Fatalf("after %v, deliveries %v and jobs %v are not all done", timeout, statuses(ds), js)
		}
	}
}

// statuses counts deliveries by status.
func statuses(ds []*store.Delivery) map[string]int {
	out := map[string]int{}
	for _, d := range ds {
		out[d.Status]++
	}
	return out
}

// observer counts the attempts jobs report, by result as the metrics name
// them.
type observer struct {
	mu sync.Mutex
	n  map[string]int
}

func (o *observer) Delivered(channel string, err error, permanent bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	switch {
	case permanent:
		o.n["failed"]++
	case err != nil:
		o.n["retry"]++
	default:
		o.n["sent"]++
	}
}

func (o *observer) counts() map[string]int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return map[string]int{"sent": o.n["sent"], "retry": o.n["retry"], "failed": o.n["failed"]}
}

// TestDeliveriesRetryUntilSentOrFailed sends batches of digests while the
// mail server is down, then up: every good one arrives once, a malformed
// address fails at once, an address the server refuses fails once the
// server answers, and each delivery's status and attempts in the store,
// like the metrics, count every attempt.
func TestDeliveriesRetryUntilSentOrFailed(t *testing.T) {
	t.Parallel()
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			// No sweep runs here to hand over again what a job gave up on:
			// the jobs must not give up however long the server is down.
			w := newWorld(t, e.url(t), store.Options{}, jobs.Config{EmailBatch: 40, RetryBase: 20 * time.Millisecond, RetryMax: 100 * time.Millisecond,
				MaxAttempts: 10000})
			w.smtp.SetReject(func(to string) error {
				if strings.HasPrefix(to, "refused") {
					return errors.New("no such mailbox")
				}
				return nil
			})
			const n = 120
			to := func(i int) string {
				switch i % 40 {
				case 7:
					return "not an address"
				case 13:
					return fmt.Sprintf("refused%d@demo.test", i)
				}
				return fmt.Sprintf("user%d@demo.test", i)
			}
			w.smtp.Stop()
			w.start(t)
			if err := w.jobs.Deliver(context.Background(), w.queue(t, n, to)); err != nil {
				t.Fatal(err)
			}
			// Each delivery fails at least once (a malformed address for good).
			for end := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
				ds := storetest.Deliveries(t, w.st, storetest.DeliveryFilter{})
				if !slices.ContainsFunc(ds, func(d *store.Delivery) bool { return d.Attempts == 0 }) {
					break
				}
				if time.Now().After(end) {
					t.Fatalf("deliveries never attempted while the server is down: %v", statuses(ds))
				}
			}
			if msgs := w.smtp.Messages(); len(msgs) != 0 {
				t.Fatalf("%d messages arrived while the server was down", len(msgs))
			}
			w.smtp.Restart(t)
			ds, js := w.settled(t, 30*time.Second)

			got := map[string]int{}
			for _, m := range w.smtp.Messages() {
				got[m.MessageID]++
			}
			// River retried each job until its deliveries were sent or
			// failed for good: it never gave up on one, and recorded the
			// error of every failed attempt.
			jobOf := map[int64]jobs.Job{}
			for _, j := range js {
				if j.Kind != (jobs.EmailArgs{}).Kind() || j.State != "completed" || j.Attempt < 2 || len(j.Errors) != j.Attempt-1 {
					t.Errorf("job %d (%s) is %s after %d attempts, with errors %q", j.ID, j.Kind, j.State, j.Attempt, j.Errors)
				}
				for _, id := range j.DeliveryIDs {
					jobOf[id] = j
				}
			}
			attempts := 0
			for i, d := range ds {
				attempts += d.Attempts
				if j, ok := jobOf[d.ID]; !ok || d.Attempts > j.Attempt {
					t.Errorf("%s: %d attempts recorded, more than its job's %d", d.Key, d.Attempts, j.Attempt)
				}
				want := store.DeliverySent
				switch i % 40 {
				case 7:
					want = store.DeliveryFailed
					if d.Attempts != 1 || !strings.Contains(d.LastError, "malformed") {
						t.Errorf("malformed address: %d attempts, %q", d.Attempts, d.LastError)
					}
				case 13:
					want = store.DeliveryFailed
					if d.Attempts < 2 || !strings.Contains(d.LastError, "refuses") {
						t.Errorf("refused address: %d attempts, %q", d.Attempts, d.LastError)
					}
				default:
					if got[d.Key] != 1 || d.Attempts < 2 || d.LastError != "" {
						t.Errorf("%s: received %d times, %d attempts, %q", d.Key, got[d.Key], d.Attempts, d.LastError)
					}
				}
				if d.Status != want {
					t.Errorf("%s is %s, want %s", d.Key, d.Status, want)
				}
			}
			seen := w.seen.counts()
			if seen["sent"] != n-6 || seen["failed"] != 6 || seen["retry"] == 0 || seen["sent"]+seen["failed"]+seen["retry"] != attempts {
				t.Errorf("metrics counted %v; the store %d attempts", seen, attempts)
			}
		})
	}
}

// TestHandedOverAgainSentOnce hands the same deliveries to several jobs: the
// same hand-over twice, and again after the sweep found them stale. Each
// e-mail goes out once.
func TestHandedOverAgainSentOnce(t *testing.T) {
	t.Parallel()
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			clock := storetest.NewClock(time.Now())
			w := newWorld(t, e.url(t), store.Options{Now: clock.Now}, jobs.Config{EmailBatch: 30})
			const n = 200
			queued := w.queue(t, n, func(i int) string { return fmt.Sprintf("user%d@demo.test", i) })
			must(t, w.jobs.Deliver(ctx, queued))
			must(t, w.jobs.Deliver(ctx, queued[:n/2]))
			clock.Advance(2 * time.Minute)
			stale, err := w.st.StaleDeliveries(ctx, time.Minute, n/2)
			must(t, err)
			again := make([]store.Delivery, len(stale))
			for i, d := range stale {
				again[i] = *d
			}
			must(t, w.jobs.Deliver(ctx, again))
			must(t, w.jobs.Deliver(ctx, again))
			w.start(t)

			// Once no job is left to run, no repeat can arrive any more.
			ds, js := w.settled(t, 30*time.Second)
			msgs := w.smtp.Messages()
			got := map[string]int{}
			for _, m := range msgs {
				got[m.MessageID]++
			}
			if len(msgs) != n || len(got) != n {
				t.Errorf("%d messages, %d distinct, want %d", len(msgs), len(got), n)
			}
			// Each job ran once, without an error: those handed the same
			// deliveries later found them taken and sent nothing.
			for _, j := range js {
				if j.State != "completed" || j.Attempt != 1 {
					t.Errorf("job %d is %s after %d attempts: %q", j.ID, j.State, j.Attempt, j.Errors)
				}
			}
			for _, d := range ds {
				if d.Status != store.DeliverySent || d.Attempts != 1 {
					t.Errorf("%s is %s after %d attempts", d.Key, d.Status, d.Attempts)
				}
			}
		})
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
