package alert_test

import (
	"context"
	"fmt"
	"net/mail"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/alert"
	"github.com/tokenwatch/tokenwatch/internal/jobs"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	twmail "github.com/tokenwatch/tokenwatch/internal/mail"
	"github.com/tokenwatch/tokenwatch/internal/mail/mailtest"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/store/storetest"
	"github.com/tokenwatch/tokenwatch/internal/webhook"
)

const day = 24 * time.Hour

var t0 = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

// world is a tokenwatch with a clock the test moves: the store on its own
// SQLite file, River working the outbox, and a real SMTP server.
type world struct {
	st    *store.Store
	clock *storetest.Clock
	f     *storetest.Fixture
	smtp  *mailtest.Server
	jobs  *jobs.Jobs
	sw    *alert.Sweeper
	path  string
}

func newWorld(t *testing.T) *world { t.Helper(); return newWorldWith(t, nil) }

// newWorldWith is newWorld with the jobs' settings adjusted (given the
// world's clock).
func newWorldWith(t *testing.T, adjust func(clock *storetest.Clock, c *jobs.Config)) *world {
	t.Helper()
	w := &world{clock: storetest.NewClock(t0), path: filepath.Join(t.TempDir(), "tw.db")}
	w.st = storetest.Open(t, w.path, store.Options{Now: w.clock.Now})
	w.f = storetest.Seed(t, w.st)
	w.smtp = mailtest.Start(t)
	sender, err := twmail.NewSMTP(tokenwatch.NewSecret(w.smtp.URL()), "tokenwatch <alerts@tokenwatch.test>", twmail.SMTPOptions{Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sender.Close() })
	var adjustJobs func(*jobs.Config)
	if adjust != nil {
		adjustJobs = func(c *jobs.Config) { adjust(w.clock, c) }
	}
	w.jobs = startJobsWith(t, w.st, sender, adjustJobs)
	w.sw = alert.New(w.st, alert.Options{Policy: lifecycle.Default(), BaseURL: "https://tw.example", MailFrom: "tokenwatch <alerts@tokenwatch.test>",
		Queue: w.jobs, Now: w.clock.Now})
	return w
}

func startJobsWith(t *testing.T, st *store.Store, sender twmail.Sender, adjust func(*jobs.Config)) *jobs.Jobs {
	t.Helper()
	ctx := context.Background()
	if _, err := jobs.Migrate(ctx, st); err != nil {
		t.Fatal(err)
	}
	cfg := jobs.Config{Store: st, Mail: sender, Work: true, Workers: 20, RetryBase: 50 * time.Millisecond, RetryMax: 300 * time.Millisecond,
		AllowPrivateChannels: true, Webhooks: webhook.NewClient(10*time.Second, webhook.AnyAddress)}
	if adjust != nil {
		adjust(&cfg)
	}
	j, err := jobs.New(st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		j.Stop(ctx)
	})
	return j
}

// page connects a LinkedIn page (no refresh: its access-token expiry is
// its deadline) at Downtown, due at once.
func (w *world) page(t *testing.T, name string, deadline time.Time) *tokenwatch.Page {
	t.Helper()
	p := storetest.NewPage(w.f.Downtown.ID, tokenwatch.LinkedIn, "li-"+name, name)
	p.AccessExpiresAt = deadline
	p.LastCheckedAt = w.clock.Now()
	if err := w.st.CreatePage(context.Background(), p, storetest.Creds("access-"+name, "")); err != nil {
		t.Fatal(err)
	}
	return p
}

func (w *world) sweep(t *testing.T) alert.Report {
	t.Helper()
	rep, err := w.sw.Sweep(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// at moves the clock to when, once nothing is in flight, and sweeps.
func (w *world) at(t *testing.T, when time.Time) alert.Report {
	t.Helper()
	w.settle(t)
	w.clock.Advance(when.Sub(w.clock.Now()))
	return w.sweep(t)
}

// settle waits until no delivery is pending and River has finished every
// job: from then on nothing more is sent, so what the mail server holds is
// all it will ever get. (A test that moved the clock on by days while a
// message was still in flight would see the sweep hand it over again as
// lost, which is right for a real lost job and not what these tests are
// about.)
func (w *world) settle(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		ds := storetest.Deliveries(t, w.st, storetest.DeliveryFilter{Status: store.DeliveryPending})
		js, err := w.jobs.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		unfinished := slices.DeleteFunc(js, jobs.Job.Finished)
		if len(ds) == 0 && len(unfinished) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d deliveries still pending, jobs not finished: %+v", len(ds), unfinished)
		}
	}
}

// downtownRecipients are the participants of Downtown.
var downtownRecipients = []string{"downtown@demo.test", "manager@demo.test", "member@demo.test", "owner@demo.test"}

// inbox counts the messages per recipient and per subject fragment.
func inbox(msgs []mailtest.Message) map[string][]mailtest.Message {
	out := map[string][]mailtest.Message{}
	for _, m := range msgs {
		out[m.To] = append(out[m.To], m)
	}
	return out
}

// expectMail waits until the outbox is delivered and checks that total
// messages arrived in all, and that each recipient got one message per
// fragment, whose subject contains it, in order.
func (w *world) expectMail(t *testing.T, total int, fragments ...string) []mailtest.Message {
	t.Helper()
	w.settle(t)
	msgs := w.smtp.Messages()
	if len(msgs) != total {
		t.Fatalf("%d messages arrived, want %d:\n%s", len(msgs), total, subjects(msgs))
	}
	box := inbox(msgs)
	for _, to := range downtownRecipients {
		got := box["<"+to+">"]
		if len(got) == 0 {
			got = box[to]
		}
		if len(got) != len(fragments) {
			t.Errorf("%s got %d messages, want %d:\n%s", to, len(got), len(fragments), subjects(got))
			continue
		}
		for i, f := range fragments {
			if !strings.Contains(got[i].Subject, f) {
				t.Errorf("%s message %d: subject %q, want it to say %q", to, i, got[i].Subject, f)
			}
		}
	}
	seen := map[string]bool{}
	for _, m := range msgs {
		if seen[m.MessageID] {
			t.Errorf("Message-ID %s twice", m.MessageID)
		}
		seen[m.MessageID] = true
	}
	return msgs
}

// mailTo returns the messages to one address.
func mailTo(t *testing.T, msgs []mailtest.Message, addr string) []mailtest.Message {
	t.Helper()
	box := inbox(msgs)
	got := append(box[addr], box["<"+addr+">"]...)
	if len(got) == 0 {
		t.Fatalf("no message to %s:\n%s", addr, subjects(msgs))
	}
	return got
}

func subjects(ms []mailtest.Message) string {
	var b strings.Builder
	for _, m := range ms {
		fmt.Fprintf(&b, "  %s: %s [%s]\n", m.To, m.Subject, m.MessageID)
	}
	return b.String()
}

func TestTheLadderArrivesOncePerRecipient(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	deadline := t0.Add(12 * day)
	p := w.page(t, "Harbor Jobs", deadline)

	if rep := w.sweep(t); len(rep.Alerts) != 0 || rep.Claimed == 0 {
		t.Fatalf("12 days ahead: %+v", rep)
	}
	rep := w.at(t, deadline.Add(-10*day+time.Minute))
	if rep.Alerts["10d"] != 4 || rep.Pages["10d"] != 1 || rep.Deliveries["email"] != 4 {
		t.Errorf("10 days ahead: %+v", rep)
	}
	msgs := w.expectMail(t, 4, "expires in 10 days")
	m := mailTo(t, msgs, "owner@demo.test")[0]
	if !strings.Contains(m.Text, "https://tw.example/pages/"+fmt.Sprint(p.ID)+"/reconnect") || !strings.Contains(m.HTML, "/reconnect") ||
		!strings.Contains(m.Text, "Downtown") || !strings.Contains(m.Text, "LinkedIn") {
		t.Errorf("the digest lacks the page, its location or the link:\n%s", m.Text)
	}
	// A member, who cannot reconnect, is told whom to ask instead.
	if m := mailTo(t, msgs, "member@demo.test")[0]; strings.Contains(m.Text, "/reconnect") || !strings.Contains(m.Text, "https://tw.example/pages/"+fmt.Sprint(p.ID)+"/ask") {
		t.Errorf("the member's digest:\n%s", m.Text)
	}
	// Sweeps in between send nothing more.
	w.at(t, deadline.Add(-9*day))
	w.at(t, deadline.Add(-5*day))
	w.at(t, deadline.Add(-3*day+time.Minute))
	w.expectMail(t, 8, "expires in 10 days", "expires in 3 days")
	w.at(t, deadline.Add(-day))
	w.at(t, deadline.Add(time.Minute))
	w.expectMail(t, 12, "expires in 10 days", "expires in 3 days", "expired")
	// Days later, nothing more.
	w.at(t, deadline.Add(2*day))
	w.expectMail(t, 12, "expires in 10 days", "expires in 3 days", "expired")

	// Each recipient has an in-app notification per alert.
	list, err := w.st.ListNotifications(context.Background(), w.f.Member.ID, 10)
	if err != nil || len(list) != 3 {
		t.Errorf("member's notifications: %v %v", list, err)
	}
	got, _ := w.st.GetPage(context.Background(), p.ID)
	if got.State != tokenwatch.StateExpired {
		t.Errorf("state after expiry = %s", got.State)
	}
}

func TestAfterDowntimeOnlyTheMostUrgentArrives(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	deadline := t0.Add(12 * day)
	w.page(t, "Quiet", deadline)
	w.sweep(t)
	// Down from 12 days ahead until 2 days ahead: 10d and 3d were crossed.
	rep := w.at(t, deadline.Add(-2*day))
	if rep.Alerts["10d"] != 0 || rep.Alerts["3d"] != 4 {
		t.Errorf("after downtime: %+v", rep.Alerts)
	}
	w.expectMail(t, 4, "expires in 2 days")
}

func TestReconnectRestartsTheLadder(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	deadline := t0.Add(2 * day)
	p := w.page(t, "Bakery", deadline)
	w.sweep(t) // 3d
	w.expectMail(t, 4, "expires in 2 days")
	w.at(t, deadline.Add(time.Hour))
	w.expectMail(t, 8, "expires in 2 days", "expired")

	newDeadline := w.clock.Now().Add(60 * day)
	if _, err := w.st.SaveGrant(context.Background(), p.ID, store.Grant{Credentials: storetest.Creds("new", ""),
		AccessExpiresAt: newDeadline, NewGeneration: true}); err != nil {
		t.Fatal(err)
	}
	w.sweep(t)
	w.at(t, newDeadline.Add(-10*day))
	w.expectMail(t, 12, "expires in 2 days", "expired", "expires in 10 days")
}

func TestRevokedPageAlertsAtOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	p := w.page(t, "Revoked", t0.Add(50*day))
	w.sweep(t)
	// A health check finds the grant dead and asks for attention now.
	w.clock.Advance(time.Minute)
	if err := w.st.SetPageStatus(context.Background(), p.ID, store.PageStatus{Problem: tokenwatch.ProblemRevoked, State: tokenwatch.StateRevoked,
		NextDueAt: w.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	rep := w.sweep(t)
	if rep.Alerts["revoked"] != 4 {
		t.Errorf("revoked: %+v", rep.Alerts)
	}
	w.expectMail(t, 4, "access revoked")
}

func TestOverlappingSweepsCreateNoAlertTwice(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	const n = 60
	for i := range n {
		w.page(t, fmt.Sprint("Page ", i), t0.Add(2*day+time.Duration(i)*time.Minute))
	}
	// Three processes on the same file, each with its own connections,
	// sweep at once, in small batches.
	var sweepers []*alert.Sweeper
	for range 3 {
		st := storetest.Open(t, w.path, store.Options{Now: w.clock.Now})
		sweepers = append(sweepers, alert.New(st, alert.Options{Policy: lifecycle.Default(), Queue: w.jobs, Now: w.clock.Now, BatchSize: 7}))
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		total int
	)
	for _, sw := range sweepers {
		wg.Go(func() {
			rep, err := sw.Sweep(context.Background())
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			total += rep.Alerts["3d"]
			mu.Unlock()
		})
	}
	wg.Wait()
	if total != n*4 {
		t.Errorf("%d alerts recorded, want %d", total, n*4)
	}
	// One digest per recipient per batch, each page in exactly one digest.
	w.settle(t)
	msgs := w.smtp.Messages()
	perRecipient := map[string]int{}
	for _, m := range msgs {
		perRecipient[m.To] += strings.Count(m.Text, "/pages/")
	}
	for to, pages := range perRecipient {
		if pages != n {
			t.Errorf("%s was told about %d pages, want %d", to, pages, n)
		}
	}
	if len(perRecipient) != 4 {
		t.Errorf("recipients: %v", perRecipient)
	}
}

func TestMalformedAddressIsReportedNotRetried(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	bad := &tokenwatch.User{AccountID: w.f.Account.ID, Email: "not an address@demo.test"}
	if err := w.st.CreateUser(ctx, bad, "x"); err != nil {
		t.Fatal(err)
	}
	if err := w.st.SetMembership(ctx, tokenwatch.Membership{LocationID: w.f.Downtown.ID, UserID: bad.ID, Role: tokenwatch.RoleMember}); err != nil {
		t.Fatal(err)
	}
	p := w.page(t, "Broken", t0.Add(2*day))
	w.sweep(t)
	w.settle(t)
	failed := storetest.Deliveries(t, w.st, storetest.DeliveryFilter{Status: store.DeliveryFailed})
	if len(failed) != 1 || failed[0].UserID != bad.ID || failed[0].Attempts != 1 || !strings.Contains(failed[0].LastError, "malformed") {
		t.Fatalf("failed deliveries: %+v", failed)
	}
	// River ran the digests' job once, and it succeeded: nothing was left
	// to retry.
	js, err := w.jobs.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range js {
		if j.State != "completed" || j.Attempt != 1 || len(j.Errors) != 0 {
			t.Errorf("job %d (%s) is %s after %d attempts: %q", j.ID, j.Kind, j.State, j.Attempt, j.Errors)
		}
	}
	got, _ := w.st.GetPage(ctx, p.ID)
	if !strings.Contains(got.DeliveryError, "malformed") {
		t.Errorf("the page does not say the alert could not be delivered: %q", got.DeliveryError)
	}
	if n := len(w.smtp.Messages()); n != 4 {
		t.Errorf("%d messages, want the 4 good ones", n)
	}
}

// TestSMTPDownThenBack: while the mail server is down, every attempt at
// the alert e-mails is recorded, and fails, and River keeps the job to try
// again; once the server is back, each recipient gets the alert exactly
// once.
func TestSMTPDownThenBack(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	w.smtp.Stop()
	w.page(t, "One", t0.Add(2*day))
	w.page(t, "Two", t0.Add(20*day))
	w.sweep(t)

	// Down: three attempts at each e-mail, each recorded as failed.
	const down = 3
	var ds []*store.Delivery
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		ds = storetest.Deliveries(t, w.st, storetest.DeliveryFilter{Channel: store.ChannelEmail})
		if len(ds) == 4 && !slices.ContainsFunc(ds, func(d *store.Delivery) bool { return d.Attempts < down }) {
			break
		}
		if time.Now().After(deadline) {
			var got []string
			for _, d := range ds {
				got = append(got, fmt.Sprintf("%s: %d attempts", d.Key, d.Attempts))
			}
			t.Fatalf("while the server is down, the deliveries are %q, want 4 attempted %d times", got, down)
		}
	}
	for _, d := range ds {
		if d.Status != store.DeliveryPending || !strings.Contains(d.LastError, "cannot be reached") {
			t.Errorf("delivery %s while the server is down: %s, last error %q", d.Key, d.Status, d.LastError)
		}
	}
	js, err := w.jobs.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(js) != 1 || js[0].Finished() || len(js[0].Errors) < down-1 {
		t.Fatalf("while the server is down, River's jobs are %+v, want one to retry, with its errors", js)
	}
	if n := len(w.smtp.Messages()); n != 0 {
		t.Fatalf("%d messages arrived while the server was down", n)
	}

	// Back: every e-mail arrives, once.
	w.smtp.Restart(t)
	msgs := w.expectMail(t, 4, "expires in 2 days")
	ds = storetest.Deliveries(t, w.st, storetest.DeliveryFilter{Channel: store.ChannelEmail})
	received := map[string]int{}
	for _, m := range msgs {
		received[m.MessageID]++
	}
	if js, err = w.jobs.List(ctx); err != nil {
		t.Fatal(err)
	}
	if len(js) != 1 || js[0].State != "completed" || len(js[0].Errors) != js[0].Attempt-1 {
		t.Fatalf("River's jobs once the server is back: %+v, want one completed, with the error of each failed attempt", js)
	}
	for _, d := range ds {
		if d.Status != store.DeliverySent || d.Attempts < down+1 || d.Attempts > js[0].Attempt || d.LastError != "" || received[d.Key] != 1 {
			t.Errorf("delivery %s: %s after %d attempts (its job made %d), last error %q, received %d times",
				d.Key, d.Status, d.Attempts, js[0].Attempt, d.LastError, received[d.Key])
		}
	}
}

func TestMessageIDIsStable(t *testing.T) {
	t.Parallel()
	a := twmail.MessageID([]string{"p1.g1.3d.u2", "p2.g1.3d.u2"}, "example.com")
	b := twmail.MessageID([]string{"p2.g1.3d.u2", "p1.g1.3d.u2"}, "example.com")
	c := twmail.MessageID([]string{"p1.g2.3d.u2", "p2.g1.3d.u2"}, "example.com")
	if a != b || a == c {
		t.Errorf("ids %s %s %s", a, b, c)
	}
	if _, err := mail.ParseAddress("<" + a + ">"); err != nil {
		t.Errorf("%s is not an addr-spec: %v", a, err)
	}
}

// TestABatchOfManyPagesIsOneDigest: 600 pages of one location cross a
// threshold at once. They fit in one batch (SQLite's are of 2,500): every
// page is alerted once, and each recipient gets one e-mail that lists every
// page.
func TestABatchOfManyPagesIsOneDigest(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	deadline := t0.Add(12 * day)
	const n = 600
	batch := make([]store.NewPage, n)
	for i := range batch {
		p := storetest.NewPage(w.f.Downtown.ID, tokenwatch.LinkedIn, fmt.Sprintf("li-many-%d", i), fmt.Sprintf("Many %04d", i))
		p.AccessExpiresAt, p.LastCheckedAt = deadline, w.clock.Now()
		batch[i] = store.NewPage{Page: p, Credentials: storetest.Creds(fmt.Sprintf("access-many-%d", i), "")}
	}
	if got, err := w.st.CreatePages(ctx, batch); err != nil || got != n {
		t.Fatalf("CreatePages: %d, %v", got, err)
	}
	if w.st.SweepBatch() < n+10 {
		t.Fatalf("the store's batch is %d pages: the test needs its pages in one", w.st.SweepBatch())
	}
	w.sweep(t)
	rep := w.at(t, deadline.Add(-10*day+time.Minute))
	if rep.Pages["10d"] != n || rep.Alerts["10d"] != n*len(downtownRecipients) || rep.Deliveries["email"] != len(downtownRecipients) {
		t.Fatalf("10 days ahead: %d pages, %d alerts, %d e-mails; want %d, %d, %d", rep.Pages["10d"], rep.Alerts["10d"], rep.Deliveries["email"],
			n, n*len(downtownRecipients), len(downtownRecipients))
	}
	msgs := w.expectMail(t, len(downtownRecipients), "600 pages need reconnecting")
	text := mailTo(t, msgs, "manager@demo.test")[0].Text
	for _, np := range []store.NewPage{batch[0], batch[n/2], batch[n-1]} {
		if !strings.Contains(text, np.Page.Name) {
			t.Errorf("the manager's e-mail does not name %s", np.Page.Name)
		}
	}
	list, err := w.st.ListNotifications(ctx, w.f.Manager.ID, 2*n)
	if err != nil || len(list) != n {
		t.Errorf("the manager has %d notifications (%v), want %d", len(list), err, n)
	}
}
