package alert_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
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
)

// TestKilledDuringDeliveryLosesNothing runs the sweep and the delivery in
// a child process (this test binary again) against a SQLite file, kills it
// with SIGKILL while it delivers, starts another, and checks that every
// alert arrives and that the only repeats carry the Message-ID of their
// first copy.
func TestKilledDuringDeliveryLosesNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "tw.db")
	st := storetest.Open(t, db, store.Options{Now: func() time.Time { return t0 }})
	f := storetest.Seed(t, st)
	ctx := context.Background()
	const extraUsers, pages = 40, 8
	for i := range extraUsers {
		u := &tokenwatch.User{AccountID: f.Account.ID, Email: fmt.Sprintf("crew%02d@demo.test", i)}
		must(t, st.CreateUser(ctx, u, "x"))
		must(t, st.SetMembership(ctx, tokenwatch.Membership{LocationID: f.Downtown.ID, UserID: u.ID, Role: tokenwatch.RoleMember}))
	}
	for i := range pages {
		p := storetest.NewPage(f.Downtown.ID, tokenwatch.LinkedIn, fmt.Sprint("li-", i), fmt.Sprint("Page ", i))
		p.AccessExpiresAt, p.LastCheckedAt = t0.Add(2*day), t0
		must(t, st.CreatePage(ctx, p, storetest.Creds("a", "")))
	}
	recipients := extraUsers + 4
	smtp := mailtest.Start(t)
	smtp.SetDelay(3 * time.Millisecond) // slow enough to be killed mid-way

	// Both children run on one clock: t0 when the test began, moving on.
	start := time.Now()
	run := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKillChild$", "-test.v")
		cmd.Env = append(os.Environ(), "TW_KILL_DB="+db, "TW_KILL_SMTP="+smtp.URL(), fmt.Sprint("TW_KILL_START=", start.UnixNano()))
		out, err := os.Create(filepath.Join(dir, fmt.Sprintf("child-%d.log", time.Now().UnixNano())))
		must(t, err)
		cmd.Stdout, cmd.Stderr = out, out
		must(t, cmd.Start())
		return cmd
	}
	first := run()
	// Kill it once some, not all, mails are out.
	got := smtp.Wait(recipients/2, 30*time.Second)
	must(t, first.Process.Signal(syscall.SIGKILL))
	_ = first.Wait()
	atKill := len(got)
	if atKill == 0 {
		t.Fatal("nothing was delivered before the kill")
	}

	second := run()
	defer func() {
		if second.ProcessState == nil { // not stopped yet: the test failed early
			second.Process.Signal(syscall.SIGKILL)
			_ = second.Wait()
		}
	}()
	var ds []*store.Delivery
	for end := time.Now().Add(150 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		ds = storetest.Deliveries(t, st, storetest.DeliveryFilter{Channel: store.ChannelEmail})
		sent := 0
		for _, d := range ds {
			if d.Status == store.DeliverySent {
				sent++
			}
		}
		if len(ds) > 0 && sent == len(ds) {
			break
		}
	}
	// Every e-mail is sent: stop the second child too (SIGQUIT writes its
	// goroutines to its log), and let the mail server's sessions end. No
	// process is left to send, so what the server received is final.
	second.Process.Signal(syscall.SIGQUIT)
	_ = second.Wait()
	smtp.Drain(t, 10*time.Second)
	msgs := smtp.Messages()

	// Every recipient was told about every page, under one Message-ID per
	// digest; any repeat has the Message-ID of its first copy.
	copies := map[string]int{}
	told := map[string]map[string]string{} // recipient → page link → Message-ID
	for _, m := range msgs {
		copies[m.MessageID]++
		if told[m.To] == nil {
			told[m.To] = map[string]string{}
		}
		for _, line := range strings.Split(m.Text, "\n") {
			if i := strings.Index(line, "/pages/"); i >= 0 {
				link := line[i:]
				if id, ok := told[m.To][link]; ok && id != m.MessageID {
					t.Errorf("%s was told about %s twice, under %s and %s", m.To, link, id, m.MessageID)
				}
				told[m.To][link] = m.MessageID
			}
		}
	}
	repeats := 0
	for _, n := range copies {
		repeats += n - 1
	}
	t.Logf("kill test: %d e-mails (digests) queued, %d delivered before the kill, %d received in all, %d distinct Message-IDs, %d repeats (same Message-ID)",
		len(ds), atKill, len(msgs), len(copies), repeats)
	if len(told) != recipients {
		t.Errorf("%d recipients got mail, want %d", len(told), recipients)
	}
	for to, links := range told {
		if len(links) != pages {
			t.Errorf("%s was told about %d pages, want %d", to, len(links), pages)
		}
	}
	for _, d := range ds {
		if d.Status != store.DeliverySent || copies[d.Key] == 0 {
			t.Errorf("delivery %d (%s) is %s, received %d times", d.ID, d.Key, d.Status, copies[d.Key])
		}
	}
	if t.Failed() {
		logs, _ := filepath.Glob(filepath.Join(dir, "child-*.log"))
		for _, l := range logs {
			b, _ := os.ReadFile(l)
			if len(b) > 200000 {
				b = b[len(b)-200000:]
			}
			t.Logf("%s:\n%s", l, b)
		}
	}
}

// TestKillChild is the child process of the kill test: it sweeps and
// delivers until killed.
func TestKillChild(t *testing.T) {
	db := os.Getenv("TW_KILL_DB")
	if db == "" {
		t.Skip("only run by TestKilledDuringDeliveryLosesNothing")
	}
	startNanos, _ := strconv.ParseInt(os.Getenv("TW_KILL_START"), 10, 64)
	start := time.Unix(0, startNanos)
	now := func() time.Time { return t0.Add(time.Since(start)) }
	st := storetest.Open(t, db, store.Options{Now: now})
	sender, err := twmail.NewSMTP(tokenwatch.NewSecret(os.Getenv("TW_KILL_SMTP")), "tokenwatch <alerts@tokenwatch.test>", twmail.SMTPOptions{})
	must(t, err)
	ctx := context.Background()
	_, err = jobs.Migrate(ctx, st)
	must(t, err)
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	j, err := jobs.New(st, jobs.Config{Store: st, Logger: log, Mail: sender, Work: true, Workers: 20, JobTimeout: 5 * time.Second,
		RescueAfter: 6 * time.Second, RetryBase: 50 * time.Millisecond, RetryMax: 200 * time.Millisecond})
	must(t, err)
	must(t, j.Start(ctx))
	sw := alert.New(st, alert.Options{Policy: lifecycle.Default(), BaseURL: "https://tw.example", Queue: j, BatchSize: 3,
		Logger: log, Requeue: 2 * time.Second, Now: now})
	for {
		rep, err := sw.Sweep(ctx)
		if err != nil {
			log.Error("sweep", "err", err)
		}
		if rep.Claimed > 0 || rep.Requeued > 0 {
			log.Info("sweep", "claimed", rep.Claimed, "deliveries", rep.Deliveries, "requeued", rep.Requeued)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
