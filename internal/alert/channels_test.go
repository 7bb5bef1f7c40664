package alert_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/alert"
	"github.com/tokenwatch/tokenwatch/internal/chat"
	"github.com/tokenwatch/tokenwatch/internal/jobs"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/store/storetest"
)

// chatReceiver is a Slack or Teams webhook on loopback: it keeps every
// request and answers as answer says (200 "ok" by default).
type chatReceiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	bodies [][]byte // every request
	okays  int      // requests answered 2xx
	answer func() (status int, body string, header http.Header)
}

func newChatReceiver(t *testing.T) *chatReceiver {
	t.Helper()
	rc := &chatReceiver{}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.bodies = append(rc.bodies, b)
		answer := rc.answer
		rc.mu.Unlock()
		status, body, h := 200, "ok", http.Header(nil)
		if answer != nil {
			status, body, h = answer()
		}
		for k, v := range h {
			w.Header()[k] = v
		}
		if r.Header.Get("Content-Type") != "application/json" || r.Method != http.MethodPost {
			status, body = 400, "invalid_payload"
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
		if status < 300 {
			rc.mu.Lock()
			rc.okays++
			rc.mu.Unlock()
		}
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *chatReceiver) setAnswer(f func() (int, string, http.Header)) {
	rc.mu.Lock()
	rc.answer = f
	rc.mu.Unlock()
}

// received returns the bodies of the requests answered 2xx and how many
// requests came in all.
func (rc *chatReceiver) received() (delivered int, requests [][]byte) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.okays, append([][]byte(nil), rc.bodies...)
}

// addChannel adds a channel of the kind to a location, posting to rc.
func (w *world) addChannel(t *testing.T, loc *tokenwatch.Location, kind string, rc *chatReceiver) *store.Channel {
	t.Helper()
	c := &store.Channel{LocationID: loc.ID, Kind: kind, Name: kind + " of " + loc.Name}
	url := rc.srv.URL + "/services/T0/B0/secret-" + kind
	if err := chat.CheckURL(chat.Kind(kind), url, true); err != nil {
		t.Fatal(err)
	}
	if err := w.st.CreateChannel(context.Background(), c, tokenwatch.NewSecret(url)); err != nil {
		t.Fatal(err)
	}
	return c
}

// settleChat waits until no chat message is pending (recorded state).
func (w *world) settleChat(t *testing.T) []*store.Delivery {
	t.Helper()
	for end := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var all, pending []*store.Delivery
		for _, ch := range []string{store.ChannelSlack, store.ChannelTeams} {
			all = append(all, storetest.Deliveries(t, w.st, storetest.DeliveryFilter{Channel: ch})...)
		}
		for _, d := range all {
			if d.Status == store.DeliveryPending {
				pending = append(pending, d)
			}
		}
		if len(pending) == 0 {
			return all
		}
		if time.Now().After(end) {
			t.Fatalf("%d chat messages still pending", len(pending))
		}
	}
}

// riverStart sets the world's clock, which River runs on, to the present
// and returns it: River's rescuer of stuck jobs reads the real clock, and
// would take any job started at a moment days away from it for one left
// running by a dead process.
func riverStart(w *world) time.Time {
	start := time.Now().UTC().Truncate(time.Second)
	w.clock.Set(start)
	return start
}

// jobScheduled waits until River has recorded what comes next for the
// (only) job of the kind, and returns its state, when it is scheduled and
// its errors.
func (w *world) jobScheduled(t *testing.T, kind string) (state string, at time.Time, errs string) {
	t.Helper()
	var scheduled string
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if err := w.st.DB().QueryRowContext(context.Background(), `SELECT state, scheduled_at, coalesce(errors, '') FROM river_job WHERE kind = $1`, kind).
			Scan(&state, &scheduled, &errs); err != nil {
			t.Fatal(err)
		}
		if state != "running" {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("the %s job is still running", kind)
		}
	}
	at, err := time.Parse(time.RFC3339Nano, scheduled)
	if err != nil {
		t.Fatal(err)
	}
	return state, at, errs
}

type slackPost struct {
	Text   string `json:"text"`
	Blocks []struct {
		Type string `json:"type"`
		Text *struct {
			Type string `json:"type"`
			Text string `json:"text"`
		} `json:"text"`
		Fields []struct {
			Text string `json:"text"`
		} `json:"fields"`
		Elements []struct {
			Type string `json:"type"`
			URL  string `json:"url"`
		} `json:"elements"`
	} `json:"blocks"`
}

type teamsPost struct {
	Type        string `json:"type"`
	Attachments []struct {
		ContentType string `json:"contentType"`
		Content     struct {
			Type string `json:"type"`
			Body []struct {
				Type  string `json:"type"`
				Text  string `json:"text"`
				Facts []struct {
					Title string `json:"title"`
					Value string `json:"value"`
				} `json:"facts"`
			} `json:"body"`
			Actions []struct {
				Type string `json:"type"`
				URL  string `json:"url"`
			} `json:"actions"`
		} `json:"content"`
	} `json:"attachments"`
}

// TestChannelsGetEachAlertOnce: a location's Slack and Teams channels get
// each alert of its pages exactly once (sweeps again, another sweeper on
// the same database, nothing twice), with the page, network, location,
// deadline in the location's zone and a link to the page; another
// location's channel gets nothing.
func TestChannelsGetEachAlertOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	slack, teams, other := newChatReceiver(t), newChatReceiver(t), newChatReceiver(t)
	w.addChannel(t, w.f.Downtown, store.ChannelSlack, slack)
	w.addChannel(t, w.f.Downtown, store.ChannelTeams, teams)
	w.addChannel(t, w.f.Harbor, store.ChannelSlack, other)
	deadline := t0.Add(2*day + 3*time.Hour)
	p := w.page(t, "Harbor Jobs", deadline)
	rep := w.sweep(t)
	if rep.Deliveries["slack"] != 1 || rep.Deliveries["teams"] != 1 {
		t.Fatalf("the 3-day alert queued %v", rep.Deliveries)
	}
	w.sweep(t)
	// A second process, sweeping the same database: nothing more.
	second := alert.New(storetest.Open(t, w.path, store.Options{Now: w.clock.Now}), alert.Options{Policy: lifecycle.Default(),
		BaseURL: "https://tw.example", Queue: w.jobs, Now: w.clock.Now})
	if rep, err := second.Sweep(context.Background()); err != nil || len(rep.Deliveries) != 0 {
		t.Fatalf("the second sweeper: %+v, %v", rep, err)
	}
	ds := w.settleChat(t)
	if len(ds) != 2 || ds[0].Status != store.DeliverySent || ds[0].Attempts != 1 {
		t.Fatalf("chat deliveries %+v", ds)
	}
	n, bodies := slack.received()
	if n != 1 || len(bodies) != 1 {
		t.Fatalf("Slack got %d messages", n)
	}
	var sp slackPost
	if err := json.Unmarshal(bodies[0], &sp); err != nil {
		t.Fatal(err)
	}
	pageURL := fmt.Sprintf("https://tw.example/pages/%d", p.ID)
	if sp.Blocks[0].Type != "header" || sp.Blocks[0].Text.Text != "LinkedIn page expires in 2 days – Downtown" ||
		!strings.Contains(sp.Text, "Harbor Jobs") || !strings.Contains(sp.Blocks[1].Text.Text, "*Harbor Jobs* (LinkedIn) at Downtown") ||
		sp.Blocks[2].Fields[0].Text != "*Deadline*\nSun 22 November 2026, 13:00 CET (Europe/Paris)" ||
		sp.Blocks[3].Elements[0].Type != "button" || sp.Blocks[3].Elements[0].URL != pageURL {
		t.Errorf("the Slack message:\n%s", bodies[0])
	}
	n, bodies = teams.received()
	if n != 1 {
		t.Fatalf("Teams got %d messages", n)
	}
	var tp teamsPost
	if err := json.Unmarshal(bodies[0], &tp); err != nil {
		t.Fatal(err)
	}
	card := tp.Attachments[0].Content
	if tp.Type != "message" || tp.Attachments[0].ContentType != "application/vnd.microsoft.card.adaptive" || card.Type != "AdaptiveCard" ||
		card.Body[0].Text != "LinkedIn page expires in 2 days – Downtown" || card.Body[2].Facts[0].Value != "Sun 22 November 2026, 13:00 CET (Europe/Paris)" ||
		card.Actions[0].Type != "Action.OpenUrl" || card.Actions[0].URL != pageURL {
		t.Errorf("the Teams message:\n%s", bodies[0])
	}
	// At expiry: one more each.
	w.at(t, deadline.Add(time.Minute))
	w.sweep(t)
	w.settleChat(t)
	if n, _ := slack.received(); n != 2 {
		t.Errorf("Slack got %d messages after expiry, want 2", n)
	}
	if n, bodies := teams.received(); n != 2 || !strings.Contains(string(bodies[1]), "LinkedIn page has expired – Downtown") {
		t.Errorf("Teams got %d messages after expiry:\n%s", n, bodies[len(bodies)-1])
	}
	if n, bodies := other.received(); n != 0 || len(bodies) != 0 {
		t.Errorf("Harbor's channel got %d messages about a Downtown page", len(bodies))
	}
}

// TestChannelDownForAMinuteGetsItsMessageOnce: a receiver down for a
// minute (503) gets the message once it is back. River schedules the
// retries on a clock the test moves (no real minute passes): each attempt
// is recorded on the delivery before the clock moves on.
func TestChannelDownForAMinuteGetsItsMessageOnce(t *testing.T) {
	t.Parallel()
	logs := &lockedBuffer{}
	w := newWorldWith(t, func(clock *storetest.Clock, c *jobs.Config) {
		c.Now, c.RetryBase, c.RetryMax = clock.Now, time.Second, 4*time.Second
		c.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	clock, start := w.clock, riverStart(w)
	slack := newChatReceiver(t)
	back := start.Add(time.Minute)
	slack.setAnswer(func() (int, string, http.Header) {
		if clock.Now().Before(back) {
			return http.StatusServiceUnavailable, "down for maintenance", nil
		}
		return 200, "ok", nil
	})
	w.addChannel(t, w.f.Downtown, store.ChannelSlack, slack)
	w.page(t, "Bakery", start.Add(2*day))
	w.sweep(t)
	attempts := 0
	for end := time.Now().Add(60 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		ds := storetest.Deliveries(t, w.st, storetest.DeliveryFilter{Channel: store.ChannelSlack})
		if len(ds) != 1 {
			t.Fatalf("%d Slack deliveries", len(ds))
		}
		d := ds[0]
		if d.Status == store.DeliverySent {
			attempts = d.Attempts
			break
		}
		if d.Status == store.DeliveryFailed || time.Now().After(end) {
			state, at, errs := w.jobScheduled(t, "deliver_chat")
			t.Fatalf("the delivery: %+v (clock at %v); its job %s at %v, errors %s", d, clock.Now().Sub(start), state, at.Sub(start), errs)
		}
		if d.Attempts > attempts {
			// An attempt failed and is recorded: once River has scheduled
			// its retry (by the clock), move the clock to it.
			attempts = d.Attempts
			if !strings.Contains(d.LastError, "HTTP 503") {
				t.Errorf("attempt %d: %q", d.Attempts, d.LastError)
			}
			w.jobScheduled(t, "deliver_chat")
			clock.Advance(5 * time.Second)
		}
	}
	delivered, requests := slack.received()
	if delivered != 1 || attempts != len(requests) || attempts < 10 || clock.Now().Before(back) {
		t.Errorf("delivered %d times after %d requests, %d attempts recorded, at %v", delivered, len(requests), attempts, clock.Now().Sub(start))
	}
	t.Logf("down for a minute: %d attempts recorded, delivered once at +%v", attempts, clock.Now().Sub(start))
	// Each failed attempt was logged, never with the channel's address.
	if got := logs.String(); !strings.Contains(got, "delivery failed, will retry") || strings.Contains(got, "secret-slack") {
		t.Errorf("the logs:\n%s", got)
	}
}

// lockedBuffer is a log destination for several goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestChannelRefusalIsGivenUp: a permanent refusal (404 channel_not_found)
// is not retried; the delivery is failed with Slack's reason, and the page
// says its alert could not be delivered.
func TestChannelRefusalIsGivenUp(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	slack := newChatReceiver(t)
	slack.setAnswer(func() (int, string, http.Header) { return http.StatusNotFound, "channel_not_found", nil })
	w.addChannel(t, w.f.Downtown, store.ChannelSlack, slack)
	p := w.page(t, "Gone", t0.Add(2*day))
	w.sweep(t)
	ds := w.settleChat(t)
	if len(ds) != 1 || ds[0].Status != store.DeliveryFailed || ds[0].Attempts != 1 || !strings.Contains(ds[0].LastError, "channel_not_found") {
		t.Fatalf("the delivery %+v", ds)
	}
	if _, requests := slack.received(); len(requests) != 1 {
		t.Errorf("%d requests, want 1 (no retry)", len(requests))
	}
	got, _ := w.st.GetPage(context.Background(), p.ID)
	if !strings.Contains(got.DeliveryError, "Slack refused the message: HTTP 404: channel_not_found") || strings.Contains(got.DeliveryError, "secret") {
		t.Errorf("the page's delivery error %q", got.DeliveryError)
	}
}

// TestChannelRateLimitWaitsAsAsked: a 429 with Retry-After: 30 is retried
// after 30 seconds (River's clock), not before.
func TestChannelRateLimitWaitsAsAsked(t *testing.T) {
	t.Parallel()
	w := newWorldWith(t, func(clock *storetest.Clock, c *jobs.Config) {
		c.Now, c.RetryBase, c.RetryMax = clock.Now, time.Second, 4*time.Second
	})
	clock, start := w.clock, riverStart(w)
	slack := newChatReceiver(t)
	slack.setAnswer(func() (int, string, http.Header) {
		slack.setAnswer(nil) // the next one passes
		return http.StatusTooManyRequests, `{"ok":false,"error":"ratelimited"}`, http.Header{"Retry-After": {"30"}}
	})
	w.addChannel(t, w.f.Downtown, store.ChannelSlack, slack)
	w.page(t, "Busy", start.Add(2*day))
	w.sweep(t)
	var d *store.Delivery
	for end := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		d = storetest.Deliveries(t, w.st, storetest.DeliveryFilter{Channel: store.ChannelSlack})[0]
		if d.Attempts == 1 || time.Now().After(end) {
			break
		}
	}
	// Handed back for no sooner than Slack asked.
	if d.Attempts != 1 || d.Status != store.DeliveryPending || d.EnqueuedAt.Before(start.Add(30*time.Second)) || !strings.Contains(d.LastError, "429") {
		t.Fatalf("after the 429: %+v", d)
	}
	// River holds the job until then: its next run is scheduled 30 s on.
	if state, at, errs := w.jobScheduled(t, "deliver_chat"); at.Before(start.Add(30 * time.Second)) {
		t.Fatalf("the job is %s, scheduled at %v, want 30 s after %v; errors %s", state, at, start, errs)
	}
	clock.Advance(31 * time.Second)
	ds := w.settleChat(t)
	if n, requests := slack.received(); n != 1 || len(requests) != 2 || ds[0].Attempts != 2 {
		t.Errorf("delivered %d, %d requests, %d attempts", n, len(requests), ds[0].Attempts)
	}
}
