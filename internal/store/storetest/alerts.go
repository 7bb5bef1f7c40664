package storetest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// duePage creates a page at Downtown due at the given time.
func duePage(t *testing.T, s *store.Store, f *Fixture, name string, due time.Time) *tokenwatch.Page {
	t.Helper()
	p := NewPage(f.Downtown.ID, tokenwatch.LinkedIn, "li-"+name, name)
	p.NextDueAt = due
	must(t, s.CreatePage(context.Background(), p, Creds("a", "")))
	return p
}

// dueAt returns the pages a sweep would claim at the given time, without
// claiming them (the decision fails, so the sweep rolls back).
func dueAt(t *testing.T, s *store.Store, clock *Clock, at time.Time) []int64 {
	t.Helper()
	saved := clock.Now()
	clock.Set(at)
	defer clock.Set(saved)
	var ids []int64
	errPeek := fmt.Errorf("only looking")
	_, err := s.SweepDue(context.Background(), 1000, func(ps []*tokenwatch.Page, _ map[int64][]store.PageAlert) ([]store.Outcome, func(store.Recorded) ([]store.Delivery, error), error) {
		for _, p := range ps {
			ids = append(ids, p.ID)
		}
		return nil, nil, errPeek
	})
	if err != errPeek && err != nil {
		t.Fatal(err)
	}
	return ids
}

func testSweepDue(t *testing.T, e Engine) {
	ctx := context.Background()
	clock := NewClock(t0)
	s := Open(t, e.NewDatabase(t), store.Options{Now: clock.Now})
	f := Seed(t, s) // its two pages are due now (a new page is due at once)
	late := duePage(t, s, f, "late", t0.Add(-time.Hour))
	duePage(t, s, f, "later", t0.Add(time.Hour))

	var claimed []int64
	swept, err := s.SweepDue(ctx, 2, func(ps []*tokenwatch.Page, _ map[int64][]store.PageAlert) ([]store.Outcome, func(store.Recorded) ([]store.Delivery, error), error) {
		var out []store.Outcome
		for _, p := range ps {
			claimed = append(claimed, p.ID)
			out = append(out, store.Outcome{PageID: p.ID, Generation: p.Generation, State: tokenwatch.StateExpiring, NextDueAt: t0.Add(24 * time.Hour)})
		}
		return out, func(store.Recorded) ([]store.Delivery, error) { return nil, nil }, nil
	})
	must(t, err)
	if swept.Claimed != 2 || claimed[0] != late.ID {
		t.Errorf("claimed %v, want 2 pages, the most overdue (%d) first", claimed, late.ID)
	}
	p, _ := s.GetPage(ctx, late.ID)
	if p.State != tokenwatch.StateExpiring {
		t.Errorf("after the sweep: state %s", p.State)
	}
	// The page comes back at its next moment, not before.
	if ids := dueAt(t, s, clock, t0.Add(24*time.Hour-time.Millisecond)); slices.Contains(ids, late.ID) {
		t.Errorf("the swept page is due again before its next moment: %v", ids)
	}
	if ids := dueAt(t, s, clock, t0.Add(24*time.Hour)); !slices.Contains(ids, late.ID) {
		t.Errorf("the swept page is not due at its next moment: %v", ids)
	}
	// A failed decision rolls back: the pages stay due.
	boom := fmt.Errorf("boom")
	_, err = s.SweepDue(ctx, 10, func([]*tokenwatch.Page, map[int64][]store.PageAlert) ([]store.Outcome, func(store.Recorded) ([]store.Delivery, error), error) {
		return nil, nil, boom
	})
	if err != boom {
		t.Errorf("SweepDue returned %v, want the decision's error", err)
	}
	// A health check that finds a page revoked makes it due now.
	must(t, s.SetPageStatus(ctx, late.ID, store.PageStatus{Problem: tokenwatch.ProblemRevoked, State: tokenwatch.StateRevoked, NextDueAt: clock.Now()}))
	var again []int64
	_, err = s.SweepDue(ctx, 10, func(ps []*tokenwatch.Page, _ map[int64][]store.PageAlert) ([]store.Outcome, func(store.Recorded) ([]store.Delivery, error), error) {
		for _, p := range ps {
			again = append(again, p.ID)
		}
		return nil, func(store.Recorded) ([]store.Delivery, error) { return nil, nil }, nil
	})
	must(t, err)
	if len(again) != 2 || !slices.Contains(again, late.ID) {
		t.Errorf("second sweep claimed %v, want the page left over and the one asking for attention", again)
	}
}

func testOverlappingSweeps(t *testing.T, e Engine) {
	ctx := context.Background()
	url := e.NewDatabase(t)
	s := Open(t, url, store.Options{Now: func() time.Time { return t0 }})
	f := Seed(t, s)
	for i := range 40 {
		duePage(t, s, f, fmt.Sprint("p", i), t0.Add(-time.Minute))
	}
	var (
		mu   sync.Mutex
		seen = map[int64]int{}
		wg   sync.WaitGroup
	)
	for range 3 {
		other := Open(t, url, store.Options{Now: func() time.Time { return t0 }})
		wg.Go(func() {
			for {
				sw, err := other.SweepDue(ctx, 3, func(ps []*tokenwatch.Page, _ map[int64][]store.PageAlert) ([]store.Outcome, func(store.Recorded) ([]store.Delivery, error), error) {
					var out []store.Outcome
					for _, p := range ps {
						mu.Lock()
						seen[p.ID]++
						mu.Unlock()
						out = append(out, store.Outcome{PageID: p.ID, Generation: p.Generation, State: tokenwatch.StateHealthy,
							NextDueAt: t0.Add(time.Hour), Step: "3d", Recipients: []int64{f.Member.ID},
							Notification: tokenwatch.Notification{Kind: "3d", Title: "x"}})
					}
					return out, func(store.Recorded) ([]store.Delivery, error) { return nil, nil }, nil
				})
				if err != nil {
					t.Error(err)
					return
				}
				if sw.Claimed == 0 {
					return
				}
			}
		})
	}
	wg.Wait()
	if len(seen) != 42 {
		t.Errorf("%d pages swept, want 42", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("page %d was claimed %d times", id, n)
		}
	}
}

func testRecordSweep(t *testing.T, e Engine) {
	ctx := context.Background()
	s := Open(t, e.NewDatabase(t), store.Options{Now: func() time.Time { return t0 }})
	f := Seed(t, s)
	pg := f.DowntownPage
	outcome := store.Outcome{PageID: pg.ID, Generation: 1, State: tokenwatch.StateExpiring, NextDueAt: t0.Add(time.Hour), Step: "3d",
		Recipients: []int64{f.Member.ID, f.Owner.ID}, Notification: tokenwatch.Notification{Kind: "3d", Title: "Downtown Bakery expires in 3 days"}}
	build := func(rec store.Recorded) ([]store.Delivery, error) {
		var ds []store.Delivery
		for _, a := range rec.Alerts {
			ds = append(ds, store.Delivery{Channel: store.ChannelEmail, Key: fmt.Sprint("mail-", a.UserID), AccountID: f.Account.ID,
				UserID: a.UserID, PageIDs: []int64{a.PageID}, Payload: "{}"})
		}
		return ds, nil
	}
	rec, ds, err := s.RecordSweep(ctx, []store.Outcome{outcome}, build)
	must(t, err)
	if len(rec.Steps) != 1 || len(rec.Alerts) != 2 || len(ds) != 2 || ds[0].ID == 0 {
		t.Fatalf("first record: %+v, deliveries %+v", rec, ds)
	}
	// The same alert again (an overlapping sweep) records nothing.
	rec, ds, err = s.RecordSweep(ctx, []store.Outcome{outcome}, build)
	must(t, err)
	if len(rec.Steps) != 0 || len(rec.Alerts) != 0 || len(ds) != 0 {
		t.Errorf("second record: %+v, deliveries %+v", rec, ds)
	}
	sent, err := s.PageAlerts(ctx, []int64{pg.ID, f.HarborPage.ID})
	must(t, err)
	if len(sent[pg.ID]) != 1 || sent[pg.ID][0].Step != "3d" || len(sent[f.HarborPage.ID]) != 0 {
		t.Errorf("PageAlerts = %v", sent)
	}
	if n, _ := s.UnreadNotifications(ctx, f.Member.ID); n != 1 {
		t.Errorf("member has %d notifications, want 1", n)
	}
	// A new generation starts the ladder again; an alert about the old
	// one is not recorded.
	_, err = s.SaveGrant(ctx, pg.ID, store.Grant{Credentials: Creds("new", ""), NewGeneration: true})
	must(t, err)
	if sent, _ := s.PageAlerts(ctx, []int64{pg.ID}); len(sent[pg.ID]) != 1 || sent[pg.ID][0].Generation != 1 {
		t.Errorf("after a reconnect: %v, want the alert of generation 1 only", sent)
	}
	rec, _, err = s.RecordSweep(ctx, []store.Outcome{outcome}, build)
	must(t, err)
	if len(rec.Steps) != 0 {
		t.Errorf("an alert of the old generation was recorded: %+v", rec)
	}
	p, _ := s.GetPage(ctx, pg.ID)
	if p.Generation != 2 || p.State != tokenwatch.StateHealthy {
		t.Errorf("the stale outcome changed the reconnected page: generation %d, state %s", p.Generation, p.State)
	}
}

// testSweepCascades: what a sweep recorded about a page or for a person
// goes with them (the sweep's rows have no foreign keys; triggers do the
// cascades).
func testSweepCascades(t *testing.T, e Engine) {
	ctx := context.Background()
	s := Open(t, e.NewDatabase(t), store.Options{Now: func() time.Time { return t0 }})
	f := Seed(t, s)
	var outcomes []store.Outcome
	for _, pg := range []*tokenwatch.Page{f.DowntownPage, f.HarborPage} {
		outcomes = append(outcomes, store.Outcome{PageID: pg.ID, Generation: 1, State: tokenwatch.StateExpiring, NextDueAt: t0.Add(time.Hour),
			Step: "3d", Recipients: []int64{f.Member.ID, f.Owner.ID}, Notification: tokenwatch.Notification{Kind: "3d", Title: pg.Name + " expires in 3 days"}})
	}
	none := func(store.Recorded) ([]store.Delivery, error) { return nil, nil }
	rec, _, err := s.RecordSweep(ctx, outcomes, none)
	must(t, err)
	if len(rec.Steps) != 2 || len(rec.Alerts) != 4 {
		t.Fatalf("recorded %+v", rec)
	}
	count := func(table, col string, id int64) int {
		t.Helper()
		var n int
		must(t, s.DB().QueryRowContext(ctx, `SELECT count(*) FROM `+table+` WHERE `+col+` = $1`, id).Scan(&n))
		return n
	}
	check := func(when string, want map[string]int) {
		t.Helper()
		got := map[string]int{
			"member's alerts": count("alerts", "user_id", f.Member.ID), "member's notifications": count("notifications", "user_id", f.Member.ID),
			"owner's alerts": count("alerts", "user_id", f.Owner.ID), "owner's notifications": count("notifications", "user_id", f.Owner.ID),
			"Downtown's steps": count("page_alerts", "page_id", f.DowntownPage.ID), "Downtown's alerts": count("alerts", "page_id", f.DowntownPage.ID),
			"Downtown's notifications": count("notifications", "page_id", f.DowntownPage.ID),
			"Harbor's steps":           count("page_alerts", "page_id", f.HarborPage.ID), "Harbor's alerts": count("alerts", "page_id", f.HarborPage.ID),
			"Harbor's notifications": count("notifications", "page_id", f.HarborPage.ID),
		}
		maps.DeleteFunc(got, func(_ string, n int) bool { return n == 0 })
		if !maps.Equal(got, want) {
			t.Errorf("%s: %v\nwant %v", when, got, want)
		}
	}
	check("recorded", map[string]int{"member's alerts": 2, "member's notifications": 2, "owner's alerts": 2, "owner's notifications": 2,
		"Downtown's steps": 1, "Downtown's alerts": 2, "Downtown's notifications": 2, "Harbor's steps": 1, "Harbor's alerts": 2, "Harbor's notifications": 2})
	must(t, s.DeleteUser(ctx, f.Member.ID, f.Owner.ID))
	check("the member deleted", map[string]int{"owner's alerts": 2, "owner's notifications": 2,
		"Downtown's steps": 1, "Downtown's alerts": 1, "Downtown's notifications": 1, "Harbor's steps": 1, "Harbor's alerts": 1, "Harbor's notifications": 1})
	must(t, s.DeletePage(ctx, f.DowntownPage.ID))
	check("Downtown's page deleted", map[string]int{"owner's alerts": 1, "owner's notifications": 1,
		"Harbor's steps": 1, "Harbor's alerts": 1, "Harbor's notifications": 1})
	must(t, s.DeleteAccount(ctx, f.Account.ID))
	check("the account deleted", map[string]int{})
}

func testDeliveries(t *testing.T, e Engine) {
	ctx := context.Background()
	clock := NewClock(t0)
	s := Open(t, e.NewDatabase(t), store.Options{Now: clock.Now})
	f := Seed(t, s)
	ds, err := s.QueueDeliveries(ctx, []store.Delivery{
		{Channel: store.ChannelEmail, Key: "a@x", AccountID: f.Account.ID, UserID: f.Member.ID, PageIDs: []int64{f.DowntownPage.ID, f.HarborPage.ID}, Payload: "{}"},
		{Channel: store.ChannelEmail, Key: "b@x", AccountID: f.Account.ID, UserID: f.Owner.ID, PageIDs: []int64{f.HarborPage.ID}, Payload: "{}"},
		{Channel: store.ChannelEmail, Key: "a@x", AccountID: f.Account.ID, UserID: f.Member.ID, Payload: "{}"},
	})
	must(t, err)
	if len(ds) != 2 {
		t.Fatalf("queued %d deliveries, want 2 (one key twice)", len(ds))
	}
	d := delivery(t, s, ds[0].ID)
	if d.Status != store.DeliveryPending || d.Attempts != 0 || !slices.Equal(d.PageIDs, []int64{f.DowntownPage.ID, f.HarborPage.ID}) {
		t.Errorf("a queued delivery: %+v", d)
	}
	// Nothing is stale yet; a minute later both are, and are handed over once.
	if st, _ := s.StaleDeliveries(ctx, time.Minute, 10); len(st) != 0 {
		t.Errorf("stale at once: %v", st)
	}
	clock.Advance(2 * time.Minute)
	st, err := s.StaleDeliveries(ctx, time.Minute, 10)
	must(t, err)
	if len(st) != 2 {
		t.Errorf("stale after two minutes: %d", len(st))
	}
	if st, _ := s.StaleDeliveries(ctx, time.Minute, 10); len(st) != 0 {
		t.Errorf("handed over twice: %v", st)
	}
	must(t, s.DeliveriesSent(ctx, []int64{ds[1].ID}))
	must(t, s.DeliveryFailed(ctx, ds[0].ID, "The recipient address is malformed"))
	p, _ := s.GetPage(ctx, f.HarborPage.ID)
	if p.DeliveryError != "The recipient address is malformed" {
		t.Errorf("page delivery error %q", p.DeliveryError)
	}
	failed := Deliveries(t, s, DeliveryFilter{Status: store.DeliveryFailed})
	sent := Deliveries(t, s, DeliveryFilter{Status: store.DeliverySent, UserID: f.Owner.ID})
	if len(failed) != 1 || len(sent) != 1 || sent[0].DoneAt.IsZero() {
		t.Errorf("failed %v, sent %v", failed, sent)
	}
}

func testWebhookEndpoints(t *testing.T, e Engine) {
	ctx := context.Background()
	s := Open(t, e.NewDatabase(t), store.Options{})
	f := Seed(t, s)
	secret := tokenwatch.NewSecret("whsec-plaintext-secret-123456")
	ep, err := s.CreateWebhookEndpoint(ctx, f.Account.ID, "https://hooks.example/tw", secret)
	must(t, err)
	got, sec, err := s.WebhookEndpoint(ctx, ep.ID)
	must(t, err)
	if got.URL != "https://hooks.example/tw" || !got.Active || !sec.Equal(secret) {
		t.Errorf("WebhookEndpoint = %+v", got)
	}
	active := func(want int) {
		t.Helper()
		eps, err := s.WebhookEndpoints(ctx, []int64{f.Account.ID}, true)
		must(t, err)
		if len(eps[f.Account.ID]) != want {
			t.Errorf("%d active endpoints listed, want %d", len(eps[f.Account.ID]), want)
		}
	}
	active(1)
	must(t, s.SetWebhookEndpointActive(ctx, ep.ID, false))
	active(0)
	eps, err := s.WebhookEndpoints(ctx, []int64{f.Account.ID}, false)
	must(t, err)
	if len(eps[f.Account.ID]) != 1 {
		t.Errorf("all endpoints: %v", eps)
	}
	for _, bad := range []struct{ url, secret string }{{"ftp://x", "long enough secret 1"}, {"https://x", "short"}} {
		if _, err := s.CreateWebhookEndpoint(ctx, f.Account.ID, bad.url, tokenwatch.NewSecret(bad.secret)); tokenwatch.ErrorCode(err) != tokenwatch.CodeInvalid {
			t.Errorf("endpoint %v: %v, want invalid", bad, err)
		}
	}
	rows, err := s.DB().QueryContext(ctx, `SELECT secret FROM webhook_endpoints`)
	must(t, err)
	defer rows.Close()
	for rows.Next() {
		var b []byte
		must(t, rows.Scan(&b))
		if slices.Contains([]string{string(b)}, secret.Reveal()) {
			t.Error("the webhook secret is stored in plaintext")
		}
	}
}

func testOutboxMail(t *testing.T, e Engine) {
	ctx := context.Background()
	s := Open(t, e.NewDatabase(t), store.Options{})
	for range 2 {
		must(t, s.SaveOutboxMail(ctx, &store.OutboxMail{MessageID: "m1@x", To: "a@x", Subject: "S", Text: "T", HTML: "<p>T</p>"}))
	}
	must(t, s.SaveOutboxMail(ctx, &store.OutboxMail{MessageID: "m2@x", To: "b@x", Subject: "S2"}))
	ms, err := s.ListOutboxMail(ctx, "a@x", 0, 10)
	must(t, err)
	if len(ms) != 1 || ms[0].MessageID != "m1@x" || ms[0].HTML != "<p>T</p>" {
		t.Errorf("a@x's outbox = %+v", ms)
	}
	// An account's owner sees the e-mails of its users, and only those.
	f := Seed(t, s)
	must(t, s.SaveOutboxMail(ctx, &store.OutboxMail{MessageID: "m3@x", To: f.Member.Email, Subject: "S3"}))
	ms, err = s.ListOutboxMail(ctx, f.Owner.Email, f.Account.ID, 10)
	must(t, err)
	if len(ms) != 1 || ms[0].MessageID != "m3@x" {
		t.Errorf("the owner's outbox = %+v", ms)
	}
	// One e-mail, with its headers, for whoever may see it.
	withHeaders := &store.OutboxMail{MessageID: "m4@x", To: f.Member.Email, Subject: "S4", Headers: "List-Unsubscribe: <https://x/u>\n", HTML: "<p>4</p>"}
	must(t, s.SaveOutboxMail(ctx, withHeaders))
	ms, _ = s.ListOutboxMail(ctx, f.Member.Email, 0, 1)
	m, err := s.GetOutboxMail(ctx, ms[0].ID, f.Member.Email, 0)
	must(t, err)
	if m.Headers != "List-Unsubscribe: <https://x/u>\n" || m.HTML != "<p>4</p>" {
		t.Errorf("GetOutboxMail = %+v", m)
	}
	if _, err := s.GetOutboxMail(ctx, m.ID, f.Owner.Email, f.Account.ID); err != nil {
		t.Errorf("the owner cannot see an e-mail of their account: %v", err)
	}
	if _, err := s.GetOutboxMail(ctx, m.ID, f.DowntownOnly.Email, 0); !tokenwatch.IsNotFound(err) {
		t.Errorf("another user sees the member's e-mail: %v", err)
	}
}

// testSweepRecipientGone: a recipient deleted between the sweep's reading
// of the recipients and its recording gets no alert, and the others get
// theirs (the sweep's rows have no foreign keys, so it checks).
func testSweepRecipientGone(t *testing.T, e Engine) {
	ctx := context.Background()
	s := Open(t, e.NewDatabase(t), store.Options{Now: func() time.Time { return t0 }})
	f := Seed(t, s)
	must(t, s.DeleteUser(ctx, f.Member.ID, f.Owner.ID)) // after the sweep read its recipients
	outcomes := []store.Outcome{{PageID: f.DowntownPage.ID, Generation: 1, State: tokenwatch.StateExpiring, NextDueAt: t0.Add(time.Hour),
		Step: "3d", Recipients: []int64{f.Member.ID, f.Owner.ID}, Notification: tokenwatch.Notification{Kind: "3d", Title: "expires in 3 days"}}}
	rec, _, err := s.RecordSweep(ctx, outcomes, func(store.Recorded) ([]store.Delivery, error) { return nil, nil })
	var alerts, notifications int
	must(t, s.DB().QueryRowContext(ctx, `SELECT count(*) FROM alerts WHERE user_id = $1`, f.Member.ID).Scan(&alerts))
	must(t, s.DB().QueryRowContext(ctx, `SELECT count(*) FROM notifications WHERE user_id = $1`, f.Member.ID).Scan(&notifications))
	if alerts+notifications != 0 {
		t.Errorf("the deleted member has %d alerts and %d notifications", alerts, notifications)
	}
	must(t, err)
	if len(rec.Alerts) != 1 || rec.Alerts[0].UserID != f.Owner.ID {
		t.Errorf("recorded alerts %+v, want the owner's alone", rec.Alerts)
	}
}

// testSweepStepOfUnclaimedPage: a decision that names a page the sweep did
// not claim records nothing about it unless that page exists at that
// generation (the step's insert checks it; only the steps of pages read in
// the transaction go without the check). The sweep's rows have no foreign
// keys: without the check they would stay, orphans.
func testSweepStepOfUnclaimedPage(t *testing.T, e Engine) {
	ctx := context.Background()
	s := Open(t, e.NewDatabase(t), store.Options{Now: func() time.Time { return t0 }})
	f := Seed(t, s)
	const gone = 1 << 40
	rec := func() store.Recorded {
		t.Helper()
		swept, err := s.SweepDue(ctx, 1, func(ps []*tokenwatch.Page, _ map[int64][]store.PageAlert) ([]store.Outcome, func(store.Recorded) ([]store.Delivery, error), error) {
			out := []store.Outcome{{PageID: gone, Generation: 1, State: tokenwatch.StateExpiring, Step: "3d", Recipients: []int64{f.Owner.ID},
				Notification: tokenwatch.Notification{Kind: "3d", Title: "a page that is not there"}}}
			for _, p := range ps {
				out = append(out, store.Outcome{PageID: p.ID, Generation: p.Generation, State: tokenwatch.StateExpiring, Step: "3d",
					Recipients: []int64{f.Owner.ID}, Notification: tokenwatch.Notification{Kind: "3d", Title: p.Name}})
			}
			return out, func(store.Recorded) ([]store.Delivery, error) { return nil, nil }, nil
		})
		must(t, err)
		return swept.Recorded
	}
	r := rec()
	if len(r.Steps) != 1 || r.Steps[0].PageID == gone {
		t.Errorf("recorded steps %+v, want the claimed page's alone", r.Steps)
	}
	var n int
	must(t, s.DB().QueryRowContext(ctx, `SELECT (SELECT count(*) FROM page_alerts WHERE page_id = $1) + (SELECT count(*) FROM alerts WHERE page_id = $1)
		+ (SELECT count(*) FROM notifications WHERE page_id = $1)`, int64(gone)).Scan(&n))
	if n != 0 {
		t.Errorf("%d rows about a page that does not exist", n)
	}
}
