package alert_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/store/storetest"
	"github.com/tokenwatch/tokenwatch/internal/webhook"
)

// receiver is a webhook endpoint that verifies what it gets. A held
// receiver keeps every request open until released (or until the sender
// gives up on it).
type receiver struct {
	t       *testing.T
	secret  tokenwatch.Secret
	hold    chan struct{} // nil: answers at once
	mu      sync.Mutex
	events  []webhook.Event
	letGo   int               // requests answered or abandoned
	whileOf func() (int, int) // another receiver's requests received and let go, read at each event
	seen    [][2]int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if err := webhook.Verify(rc.secret, r.Header, body, time.Now(), 5*time.Minute); err != nil {
		rc.t.Errorf("signature: %v", err)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var ev webhook.Event
	if err := json.Unmarshal(body, &ev); err != nil || ev.ID != r.Header.Get(webhook.HeaderEventID) || ev.Type != r.Header.Get(webhook.HeaderEvent) {
		rc.t.Errorf("event %s: %v", body, err)
	}
	rc.mu.Lock()
	rc.events = append(rc.events, ev)
	if rc.whileOf != nil {
		received, letGo := rc.whileOf()
		rc.seen = append(rc.seen, [2]int{received, letGo})
	}
	rc.mu.Unlock()
	if rc.hold != nil {
		select {
		case <-rc.hold:
		case <-r.Context().Done():
		}
	}
	rc.mu.Lock()
	rc.letGo++
	rc.mu.Unlock()
}

func (rc *receiver) got() []webhook.Event {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]webhook.Event(nil), rc.events...)
}

// counts returns the requests received and those let go.
func (rc *receiver) counts() (received, letGo int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.events), rc.letGo
}

// TestWebhooksAreSignedAndASlowEndpointDelaysNoOther: an endpoint that
// holds every request open does not hold up another: the other gets all
// its events while the slow one still holds its first request. Each
// event is signed, and page.reconnected goes out once per generation.
func TestWebhooksAreSignedAndASlowEndpointDelaysNoOther(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	slow := &receiver{t: t, secret: tokenwatch.NewSecret("slow-endpoint-secret-0123"), hold: make(chan struct{})}
	fast := &receiver{t: t, secret: tokenwatch.NewSecret("fast-endpoint-secret-0123"), whileOf: slow.counts}
	fastSrv, slowSrv := httptest.NewServer(fast), httptest.NewServer(slow)
	t.Cleanup(fastSrv.Close)
	t.Cleanup(slowSrv.Close)
	release := sync.OnceFunc(func() { close(slow.hold) })
	t.Cleanup(release) // before the servers close, which waits for their requests
	if _, err := w.st.CreateWebhookEndpoint(ctx, w.f.Account.ID, slowSrv.URL, slow.secret); err != nil {
		t.Fatal(err)
	}
	if _, err := w.st.CreateWebhookEndpoint(ctx, w.f.Account.ID, fastSrv.URL, fast.secret); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"A", "B", "C"} {
		w.page(t, name, t0.Add(2*day))
	}
	w.sweep(t)
	// Both endpoints are called at once: the fast one gets its three
	// events while the slow one holds what it received. Were webhooks
	// delivered one after another, the fast one would wait for the slow
	// one's requests to be let go (after the client's 10 s timeout).
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		received, _ := slow.counts()
		if len(fast.got()) >= 3 && received > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the fast endpoint got %d events, the slow one %d", len(fast.got()), received)
		}
	}
	fast.mu.Lock()
	for i, s := range fast.seen {
		if s[1] != 0 {
			t.Errorf("the fast endpoint's event %d came after the slow one let go of %d requests", i+1, s[1])
		}
	}
	fast.mu.Unlock()
	for _, ev := range fast.got() {
		if ev.Type != webhook.PageExpiring || ev.Data.Step != "3d" || ev.Data.Page.Deadline == nil || ev.Data.ReconnectURL == "" {
			t.Errorf("event %+v", ev)
		}
	}
	release()

	// page.reconnected goes out once per generation.
	p := w.page(t, "D", t0.Add(40*day))
	if _, err := w.st.SaveGrant(ctx, p.ID, store.Grant{Credentials: storetest.Creds("x", ""), NewGeneration: true, AccessExpiresAt: t0.Add(60 * day)}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := w.sw.Reconnected(ctx, p.ID); err != nil {
			t.Fatal(err)
		}
	}
	w.settle(t)
	evs := fast.got()
	if len(evs) != 4 || evs[3].Type != webhook.PageReconnected || evs[3].Data.Page.Generation != 2 {
		t.Errorf("after the reconnect: %+v", evs)
	}
	// The slow endpoint, once it answers, gets the same events.
	ids := map[string]bool{}
	for _, ev := range slow.got() {
		ids[ev.ID] = true
	}
	for _, ev := range evs {
		if !ids[ev.ID] {
			t.Errorf("the slow endpoint never got %s (%s)", ev.ID, ev.Type)
		}
	}
	ds := storetest.Deliveries(t, w.st, storetest.DeliveryFilter{Channel: store.ChannelWebhook})
	if len(ds) != 8 || slices.ContainsFunc(ds, func(d *store.Delivery) bool { return d.Status != store.DeliverySent }) {
		t.Errorf("webhook deliveries: %+v, want 8 sent (4 events to 2 endpoints)", ds)
	}
}
