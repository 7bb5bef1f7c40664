package storetest

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch/internal/store"
)

// DeliveryFilter selects deliveries for Deliveries; zero fields do not
// filter.
type DeliveryFilter struct {
	ID      int64
	Channel string
	Status  string
	UserID  int64
	// ChannelID selects a location channel's messages.
	ChannelID int64
}

// Deliveries returns the deliveries the filter selects, oldest first. It
// reads them straight from the database: the store itself hands deliveries
// only to the jobs that send them.
func Deliveries(t testing.TB, s *store.Store, f DeliveryFilter) []*store.Delivery {
	t.Helper()
	var (
		where = []string{"1 = 1"}
		args  []any
	)
	add := func(col string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf("%s = $%d", col, len(args)))
	}
	if f.ID != 0 {
		add("id", f.ID)
	}
	if f.Channel != "" {
		add("channel", f.Channel)
	}
	if f.Status != "" {
		add("status", f.Status)
	}
	if f.UserID != 0 {
		add("user_id", f.UserID)
	}
	if f.ChannelID != 0 {
		add("channel_id", f.ChannelID)
	}
	rows, err := s.DB().QueryContext(context.Background(), `SELECT id, channel, key, account_id, coalesce(user_id, 0),
			coalesce(endpoint_id, 0), coalesce(channel_id, 0), page_ids, payload, status, attempts, last_error, created_at, enqueued_at, done_at
		FROM deliveries WHERE `+strings.Join(where, " AND ")+` ORDER BY id`, args...)
	must(t, err)
	defer rows.Close()
	var out []*store.Delivery
	for rows.Next() {
		var (
			d                       store.Delivery
			pageIDs                 string
			created, enqueued, done any
		)
		must(t, rows.Scan(&d.ID, &d.Channel, &d.Key, &d.AccountID, &d.UserID, &d.EndpointID, &d.ChannelID, &pageIDs, &d.Payload,
			&d.Status, &d.Attempts, &d.LastError, &created, &enqueued, &done))
		for f := range strings.FieldsSeq(pageIDs) {
			id, err := strconv.ParseInt(f, 10, 64)
			must(t, err)
			d.PageIDs = append(d.PageIDs, id)
		}
		d.CreatedAt, d.EnqueuedAt, d.DoneAt = instant(created), instant(enqueued), instant(done)
		out = append(out, &d)
	}
	must(t, rows.Err())
	return out
}

// instant is a time as either engine stores it: Unix milliseconds on
// SQLite, a timestamptz on PostgreSQL; NULL is the zero time.
func instant(v any) time.Time {
	switch v := v.(type) {
	case int64:
		return time.UnixMilli(v).UTC()
	case time.Time:
		return v.UTC()
	}
	return time.Time{}
}

// delivery returns the delivery with the given id.
func delivery(t testing.TB, s *store.Store, id int64) *store.Delivery {
	t.Helper()
	ds := Deliveries(t, s, DeliveryFilter{ID: id})
	if len(ds) != 1 {
		t.Fatalf("delivery %d not found", id)
	}
	return ds[0]
}

// testDeliveryClaims follows deliveries handed to a job in a batch: the job
// claims them, sends some, hands the others back to itself for a later
// attempt; a job they were taken from (the sweep handed them over again)
// claims nothing.
func testDeliveryClaims(t *testing.T, e Engine) {
	ctx := context.Background()
	clock := NewClock(t0)
	s := Open(t, e.NewDatabase(t), store.Options{Now: clock.Now})
	f := Seed(t, s)
	var in []store.Delivery
	for i := range 4 {
		in = append(in, store.Delivery{Channel: store.ChannelEmail, Key: fmt.Sprintf("m%d@x", i), AccountID: f.Account.ID, UserID: f.Member.ID, Payload: "{}"})
	}
	ds, err := s.QueueDeliveries(ctx, in)
	must(t, err)
	ids := []int64{ds[3].ID, ds[0].ID, ds[1].ID, ds[2].ID}
	handed := ds[0].EnqueuedAt

	// The job claims all four, by id; a second claim of the same hand-over
	// (the job inserted twice, or run twice at once) gets none.
	got, err := s.ClaimDeliveries(ctx, ids, handed, time.Minute)
	must(t, err)
	if len(got) != 4 || got[0].ID != ds[0].ID || got[0].Payload != "{}" || !got[0].EnqueuedAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("claimed %+v", got)
	}
	claimed := got[0].EnqueuedAt
	if again, _ := s.ClaimDeliveries(ctx, ids, handed, time.Minute); len(again) != 0 {
		t.Errorf("claimed twice: %v", again)
	}
	// One goes out, one fails for good, one fails for now, one is not
	// reached.
	must(t, s.DeliveriesSent(ctx, []int64{ds[0].ID}))
	must(t, s.DeliveryFailed(ctx, ds[1].ID, "The recipient address is malformed"))
	next, err := s.RetryDeliveries(ctx, claimed, []store.DeliveryRetry{{ID: ds[2].ID, Reason: "421 try later"}, {ID: ds[3].ID}, {ID: ds[0].ID, Reason: "late"}}, 5*time.Second)
	must(t, err)
	if !next.Equal(t0.Add(5 * time.Second)) {
		t.Errorf("handed back at %v", next)
	}
	want := map[int64]struct {
		status   string
		attempts int
		err      string
	}{
		ds[0].ID: {store.DeliverySent, 1, ""},
		ds[1].ID: {store.DeliveryFailed, 1, "The recipient address is malformed"},
		ds[2].ID: {store.DeliveryPending, 1, "421 try later"},
		ds[3].ID: {store.DeliveryPending, 0, ""},
	}
	for id, w := range want {
		d := delivery(t, s, id)
		if d.Status != w.status || d.Attempts != w.attempts || d.LastError != w.err {
			t.Errorf("delivery %d: %s, %d attempts, %q; want %+v", id, d.Status, d.Attempts, d.LastError, w)
		}
	}
	// Not stale while the job means to retry them: a minute after that.
	clock.Advance(30 * time.Second)
	if st, _ := s.StaleDeliveries(ctx, time.Minute, 10); len(st) != 0 {
		t.Errorf("stale before their retry is due: %v", st)
	}
	// The job's retry claims the two still pending, by the new hand-over.
	if old, _ := s.ClaimDeliveries(ctx, ids, handed, time.Minute); len(old) != 0 {
		t.Errorf("claimed by the old hand-over: %v", old)
	}
	got, err = s.ClaimDeliveries(ctx, ids, next, time.Minute)
	must(t, err)
	if len(got) != 2 || got[0].ID != ds[2].ID || got[1].ID != ds[3].ID {
		t.Fatalf("retry claimed %+v", got)
	}
	// That attempt is lost (its process killed): once its claim is a minute
	// old, the sweep hands the two to a new job, and the lost one's retry
	// gets nothing.
	claimed = got[0].EnqueuedAt
	clock.Advance(90 * time.Second)
	if st, _ := s.StaleDeliveries(ctx, time.Minute, 10); len(st) != 0 {
		t.Errorf("stale while claimed: %v", st)
	}
	clock.Advance(time.Minute)
	st, err := s.StaleDeliveries(ctx, time.Minute, 10)
	must(t, err)
	if len(st) != 2 {
		t.Fatalf("stale after the claim ran out: %v", st)
	}
	next, err = s.RetryDeliveries(ctx, claimed, []store.DeliveryRetry{{ID: ds[2].ID, Reason: "timeout"}}, time.Second)
	must(t, err)
	if again, _ := s.ClaimDeliveries(ctx, ids, next, time.Minute); len(again) != 0 {
		t.Errorf("the lost job took its deliveries back: %v", again)
	}
	got, err = s.ClaimDeliveries(ctx, ids, st[0].EnqueuedAt, time.Minute)
	must(t, err)
	if len(got) != 2 || got[0].Attempts != 2 || got[0].LastError != "timeout" {
		t.Errorf("the new job claimed %+v", got)
	}
}
