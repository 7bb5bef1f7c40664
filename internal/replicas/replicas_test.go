// Package replicas_test runs several `tokenwatch serve` processes on one
// PostgreSQL database, as a production deployment behind a load balancer
// would, and checks what users would notice: every alert arrives, none is
// created twice, and a replica killed mid-way costs at most a repeat of the
// e-mails it had in flight, under their first Message-ID.
package replicas_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/keyring"
	"github.com/tokenwatch/tokenwatch/internal/mail/mailtest"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/store/pgtest"
	"github.com/tokenwatch/tokenwatch/internal/store/storetest"
)

const day = 24 * time.Hour

// The world the replicas share: pages spread over locations, each location
// with a manager and a member, so that every sweep batch (1,000 pages)
// yields a digest for every recipient.
const (
	pages     = 10_000
	locations = 125
	perPage   = 2 // recipients of each page's alert
)

// TestThreeReplicasKilledMidDelivery starts three `tokenwatch serve`
// processes on one PostgreSQL schema holding 10,000 pages that cross their
// 3-day or 10-day threshold, kills one with SIGKILL while e-mails are in
// flight, and counts what the loopback SMTP server received.
func TestThreeReplicasKilledMidDelivery(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := testURL(t, pgtest.NewDatabase(t))
	bin := build(t)
	key := keyring.Generate()
	keys, err := keyring.New(key)
	must(t, err)
	st := storetest.Open(t, dbURL, store.Options{Keys: keys})
	start := time.Now()
	want := seed(t, st)
	t.Logf("seeded %d pages over %d locations in %v", pages, locations, time.Since(start).Round(time.Millisecond))
	// As if every page had just been checked: this test is about alerts,
	// and checks would fail for want of a LinkedIn app.
	_, err = st.DB().ExecContext(ctx, `UPDATE pages SET last_checked_at = now()`)
	must(t, err)

	smtp := mailtest.Start(t)
	// Slow enough that the replicas are still delivering when one is
	// killed; each replica sends over 4 connections.
	smtp.SetDelay(20 * time.Millisecond)
	env := map[string]string{
		"TOKENWATCH_DATABASE_URL":   dbURL,
		"TOKENWATCH_ADDR":           "127.0.0.1:0",
		"TOKENWATCH_BASE_URL":       "https://tw.example",
		"TOKENWATCH_SECRET_KEY":     key,
		"TOKENWATCH_SMTP_URL":       smtp.URL(),
		"TOKENWATCH_MAIL_FROM":      "tokenwatch <alerts@tw.example>",
		"TOKENWATCH_SWEEP_INTERVAL": "1s",
		// A job left running by the killed replica is taken over 10 s
		// after it started (plus River's rescue round, every 30 s).
		"TOKENWATCH_JOB_TIMEOUT": "5s",
	}
	dir := t.TempDir()
	var replicas []*replica
	for i := range 3 {
		replicas = append(replicas, startReplica(t, bin, filepath.Join(dir, fmt.Sprintf("replica-%d.log", i)), env))
	}
	for _, r := range replicas {
		r.waitReady(t)
	}
	defer func() {
		if t.Failed() {
			for _, r := range replicas {
				r.dumpLog(t)
			}
		}
	}()

	// Kill one replica once a good part of the digests has arrived.
	atKill := len(smtp.Wait(750, 60*time.Second))
	// The victim is the replica with the most deliveries in its jobs.
	victim, most := replicas[0], -1
	for _, r := range replicas {
		if n := len(runningDeliveries(t, st, r.riverClient(t))); n > most {
			victim, most = r, n
		}
	}
	victim.kill(t)
	inFlight := runningDeliveries(t, st, victim.riverClient(t))
	if len(inFlight) == 0 {
		t.Error("the killed replica had no delivery in flight; kill it earlier")
	}

	// Wait until no page is due and every digest is sent.
	for deadline := time.Now().Add(80 * time.Second); ; time.Sleep(250 * time.Millisecond) {
		var due, queued, sent int
		must(t, st.DB().QueryRowContext(ctx, `SELECT (SELECT count(DISTINCT page_id) FROM page_due WHERE due_at <= now()),
			count(*), count(*) FILTER (WHERE status = 'sent') FROM deliveries WHERE channel = 'email'`).Scan(&due, &queued, &sent))
		if due == 0 && queued > 0 && sent == queued {
			break
		}
		if time.Now().After(deadline) {
			logJobs(t, st)
			t.Fatalf("after the kill: %d pages still due, %d of %d digests sent", due, sent, queued)
		}
	}
	// The survivors shut down cleanly on SIGTERM; once they are gone and
	// the mail server's sessions have ended, no repeat can still be on the
	// wire: what the server received is final.
	for _, r := range replicas {
		if r != victim {
			r.stop(t)
		}
	}
	smtp.Drain(t, 20*time.Second)
	msgs := smtp.Messages()
	ds := storetest.Deliveries(t, st, storetest.DeliveryFilter{Channel: store.ChannelEmail})

	// No alert was created twice: one per page, generation, step and
	// recipient, and every page has its one.
	var alerts, distinct int
	must(t, st.DB().QueryRowContext(ctx, `SELECT count(*), count(DISTINCT (page_id, generation, step, user_id)) FROM alerts`).Scan(&alerts, &distinct))
	if alerts != distinct || alerts != len(want) {
		t.Errorf("%d alerts recorded, %d distinct; want %d, one per page and recipient", alerts, distinct, len(want))
	}

	// Every alert arrived, in one digest: each (recipient, page) pair is in
	// messages of a single Message-ID.
	copies := map[string]int{}
	told := map[pair]string{} // → Message-ID
	// A manager's digest links to reconnect each page, a member's to ask
	// someone to.
	link := regexp.MustCompile(`/pages/(\d+)/(?:reconnect|ask)`)
	for _, m := range msgs {
		copies[m.MessageID]++
		for _, match := range link.FindAllStringSubmatch(m.Text, -1) {
			id, _ := strconv.ParseInt(match[1], 10, 64)
			k := pair{to: m.To, page: id}
			if first, ok := told[k]; ok && first != m.MessageID {
				t.Errorf("%s was told about page %d twice, under %s and %s", m.To, id, first, m.MessageID)
			}
			told[k] = m.MessageID
		}
	}
	missing := 0
	for k := range want {
		if _, ok := told[k]; !ok {
			missing++
		}
	}
	if missing > 0 || len(told) != len(want) {
		t.Errorf("%d of %d alerts never arrived; %d (recipient, page) pairs received", missing, len(want), len(told))
	}

	// Repeats are only of messages in flight at the kill, each at most
	// once more, under the Message-ID of the first copy.
	keyOf := map[int64]string{}
	for _, d := range ds {
		keyOf[d.ID] = d.Key
		if copies[d.Key] == 0 {
			t.Errorf("digest %s was never received", d.Key)
		}
	}
	wasInFlight := map[string]bool{}
	for id := range inFlight {
		wasInFlight[keyOf[id]] = true
	}
	repeats := 0
	for id, n := range copies {
		repeats += n - 1
		if n > 1 && (n > 2 || !wasInFlight[id]) {
			t.Errorf("%s received %d times; it was in flight at the kill: %v", id, n, wasInFlight[id])
		}
	}
	t.Logf("replicas: %d pages, %d alerts, %d digests queued, %d received before the kill, %d received in all, %d distinct Message-IDs, %d repeats; %d unsent deliveries in the killed replica's running jobs",
		pages, alerts, len(ds), atKill, len(msgs), len(copies), repeats, len(inFlight))
}

// pair is a recipient told about a page.
type pair struct {
	to   string
	page int64
}

// seed creates the account, its locations with a manager and a member each,
// and the pages, each expiring within 2 or 8 days (its 3-day or 10-day
// alert is due at once); it returns every (recipient, page) pair to alert.
func seed(t *testing.T, st *store.Store) map[pair]bool {
	ctx := context.Background()
	acct := &tokenwatch.Account{Name: "Replicas"}
	must(t, st.CreateAccount(ctx, acct))
	locs := make([]*tokenwatch.Location, locations)
	people := make([][]string, locations)
	for i := range locs {
		locs[i] = &tokenwatch.Location{AccountID: acct.ID, Name: fmt.Sprintf("Location %d", i), TimeZone: "Europe/Paris"}
		must(t, st.CreateLocation(ctx, locs[i]))
		for _, role := range []tokenwatch.Role{tokenwatch.RoleManager, tokenwatch.RoleMember} {
			u := &tokenwatch.User{AccountID: acct.ID, Email: fmt.Sprintf("%s%d@replicas.test", role, i), Name: fmt.Sprintf("%s %d", role, i)}
			must(t, st.CreateUser(ctx, u, "x"))
			must(t, st.SetMembership(ctx, tokenwatch.Membership{LocationID: locs[i].ID, UserID: u.ID, Role: role}))
			people[i] = append(people[i], u.Email)
		}
	}
	now := time.Now()
	want := map[pair]bool{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	const writers = 4
	for w := range writers {
		wg.Go(func() {
			for i := w; i < pages; i += writers {
				loc := i % locations
				p := storetest.NewPage(locs[loc].ID, tokenwatch.LinkedIn, fmt.Sprint("li-", i), fmt.Sprint("Page ", i))
				p.AccessExpiresAt, p.LastCheckedAt = now.Add(2*day), now
				if i%2 == 1 {
					p.AccessExpiresAt = now.Add(8 * day)
				}
				if err := st.CreatePage(ctx, p, storetest.Creds(fmt.Sprint("access-", i), "")); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				for _, to := range people[loc] {
					want[pair{to: to, page: p.ID}] = true
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	if len(want) != pages*perPage {
		t.Fatalf("%d alerts to expect, want %d", len(want), pages*perPage)
	}
	return want
}

// runningDeliveries returns the pending e-mail deliveries of the jobs that
// the River client runs: those of a killed replica were in flight at its
// kill (River does not learn of it before its rescuer runs).
func runningDeliveries(t *testing.T, st *store.Store, client string) map[int64]bool {
	rows, err := st.DB().QueryContext(context.Background(),
		`SELECT d.id FROM river_job j
			CROSS JOIN LATERAL jsonb_array_elements_text(j.args->'delivery_ids') AS a(id)
			JOIN deliveries d ON d.id = a.id::bigint
		WHERE j.kind = 'deliver_email' AND j.state = 'running' AND j.attempted_by[cardinality(j.attempted_by)] = $1
			AND d.status = 'pending'`, client)
	must(t, err)
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		must(t, rows.Scan(&id))
		out[id] = true
	}
	must(t, rows.Err())
	return out
}

// logJobs logs the pending deliveries and their jobs.
func logJobs(t *testing.T, st *store.Store) {
	rows, err := st.DB().QueryContext(context.Background(), `SELECT d.id, d.status, d.attempts, d.enqueued_at, coalesce(j.id, 0), coalesce(j.state::text, ''),
			coalesce(j.attempt, 0), coalesce(j.attempted_at::text, ''), coalesce(j.scheduled_at::text, ''), coalesce(j.errors::text, '')
		FROM deliveries d LEFT JOIN river_job j ON j.kind = 'deliver_email' AND j.args->'delivery_ids' @> to_jsonb(d.id)
		WHERE d.status <> 'sent'`)
	must(t, err)
	defer rows.Close()
	for rows.Next() {
		var (
			id, jobID                                     int64
			status, state, attemptedAt, scheduledAt, errs string
			attempts, attempt                             int
			enqueued                                      time.Time
		)
		must(t, rows.Scan(&id, &status, &attempts, &enqueued, &jobID, &state, &attempt, &attemptedAt, &scheduledAt, &errs))
		t.Logf("delivery %d %s (%d attempts, enqueued %v): job %d %s attempt %d at %s, scheduled %s, errors %s",
			id, status, attempts, enqueued, jobID, state, attempt, attemptedAt, scheduledAt, errs)
	}
}

// testURL gives each replica 8 connections, and spares the disk: commits
// do not wait for their flush (synchronous_commit=off loses nothing when a
// client dies, only if the server crashes), so that the suite's other
// tests, running beside this one, are not slowed down.
func testURL(t *testing.T, dbURL string) string {
	t.Helper()
	return regexp.MustCompile(`pool_max_conns=\d+`).ReplaceAllString(dbURL, "pool_max_conns=8") + "&synchronous_commit=off"
}

// build compiles cmd/tokenwatch once. Without the race detector even when
// this test has it: three instrumented servers would slow the rest of the
// suite, which runs beside this test, beyond its timing assumptions.
func build(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build tokenwatch: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "tokenwatch")
	start := time.Now()
	out, err := exec.Command(goTool, "build", "-o", bin, "github.com/tokenwatch/tokenwatch/cmd/tokenwatch").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Logf("built tokenwatch in %v", time.Since(start).Round(time.Millisecond))
	return bin
}

// replica is one `tokenwatch serve` process.
type replica struct {
	cmd  *exec.Cmd
	log  string
	addr string
	done chan struct{}
	err  error // the process's exit, once done is closed
}

func startReplica(t *testing.T, bin, logFile string, vars map[string]string) *replica {
	t.Helper()
	out, err := os.Create(logFile)
	must(t, err)
	cmd := exec.Command(bin, "serve")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TOKENWATCH_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = out, out
	must(t, cmd.Start())
	r := &replica{cmd: cmd, log: logFile, done: make(chan struct{})}
	go func() {
		r.err = cmd.Wait()
		out.Close()
		close(r.done)
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGKILL)
		<-r.done
	})
	return r
}

// waitReady reads the address the replica listens on from its log and
// waits until /readyz says it is ready.
func (r *replica) waitReady(t *testing.T) {
	t.Helper()
	listening := regexp.MustCompile(`msg=listening addr=(\S+)`)
	for end := time.Now().Add(60 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		select {
		case <-r.done:
			r.dumpLog(t)
			t.Fatalf("replica exited before it was ready: %v", r.err)
		default:
		}
		if r.addr == "" {
			if b, err := os.ReadFile(r.log); err == nil {
				if m := listening.FindSubmatch(b); m != nil {
					r.addr = string(m[1])
				}
			}
			continue
		}
		resp, err := http.Get("http://" + r.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
	}
	r.dumpLog(t)
	t.Fatalf("replica not ready after a minute")
}

// riverClient returns the id of the replica's River client, from its log.
func (r *replica) riverClient(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(r.log)
	must(t, err)
	m := regexp.MustCompile(`msg="River client started".* client_id=(\S+)`).FindSubmatch(b)
	if m == nil {
		t.Fatal("the replica did not log its River client id")
	}
	return string(m[1])
}

func (r *replica) kill(t *testing.T) {
	t.Helper()
	must(t, r.cmd.Process.Signal(syscall.SIGKILL))
	<-r.done
}

// stop sends SIGTERM and expects a clean exit within 20 seconds.
func (r *replica) stop(t *testing.T) {
	t.Helper()
	must(t, r.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-r.done:
		if r.err != nil {
			t.Errorf("replica at %s exited with %v on SIGTERM", r.addr, r.err)
		}
	case <-time.After(20 * time.Second):
		t.Errorf("replica at %s still running 20 s after SIGTERM", r.addr)
	}
}

// dumpLog logs the end of the replica's log.
func (r *replica) dumpLog(t *testing.T) {
	f, err := os.Open(r.log)
	if err != nil {
		return
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) > 60 {
		lines = lines[len(lines)-60:]
	}
	t.Logf("%s:\n%s", filepath.Base(r.log), strings.Join(lines, "\n"))
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
