package alert_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/store/storetest"
	"github.com/tokenwatch/tokenwatch/internal/webhook"
)

// receiver is a webhook endpoint that verifies what it gets.
type receiver struct {
	t      *testing.T
	secret tokenwatch.Secret
	delay  time.Duration
	mu     sync.Mutex
	events []webhook.Event
	at     []time.Time
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
	rc.at = append(rc.at, time.Now())
	rc.mu.Unlock()
	select {
	case <-time.After(rc.delay):
	case <-r.Context().Done():
	}
}

func (rc *receiver) got() []webhook.Event {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]webhook.Event(nil), rc.events...)
}

func TestWebhooksAreSignedAndASlowEndpointDelaysNoOther(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	fast := &receiver{t: t, secret: tokenwatch.NewSecret("fast-endpoint-secret-0123")}
	slow := &receiver{t: t, secret: tokenwatch.NewSecret("slow-endpoint-secret-0123"), delay: 5 * time.Second}
	fastSrv, slowSrv := httptest.NewServer(fast), httptest.NewServer(slow)
	t.Cleanup(fastSrv.Close)
	t.Cleanup(slowSrv.Close)
	if _, err := w.st.CreateWebhookEndpoint(ctx, w.f.Account.ID, slowSrv.URL, slow.secret); err != nil {
		t.Fatal(err)
	}
	if _, err := w.st.CreateWebhookEndpoint(ctx, w.f.Account.ID, fastSrv.URL, fast.secret); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"A", "B", "C"} {
		w.page(t, name, t0.Add(2*day))
	}
	start := time.Now()
	w.sweep(t)
	for len(fast.got()) < 3 && time.Since(start) < 10*time.Second {
		time.Sleep(20 * time.Millisecond)
	}
	// All of them while the slow endpoint still holds its first requests.
	if elapsed := time.Since(start); len(fast.got()) != 3 || elapsed > 4*time.Second {
		t.Fatalf("the fast endpoint got %d events in %v, with the slow one taking 5 s each", len(fast.got()), elapsed)
	}
	for _, ev := range fast.got() {
		if ev.Type != webhook.PageExpiring || ev.Data.Step != "3d" || ev.Data.Page.Deadline == nil || ev.Data.ReconnectURL == "" {
			t.Errorf("event %+v", ev)
		}
	}
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
	for len(fast.got()) < 4 && time.Since(start) < 10*time.Second {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	evs := fast.got()
	if len(evs) != 4 || evs[3].Type != webhook.PageReconnected || evs[3].Data.Page.Generation != 2 {
		t.Errorf("after the reconnect: %+v", evs)
	}
}

func TestWebhookSignature(t *testing.T) {
	t.Parallel()
	secret := tokenwatch.NewSecret("a-long-enough-secret")
	body := []byte(`{"id":"evt_1"}`)
	now := time.Unix(1_800_000_000, 0)
	h := http.Header{}
	h.Set(webhook.HeaderTimestamp, "1800000000")
	h.Set(webhook.HeaderSignature, webhook.Sign(secret, now.Unix(), body))
	if err := webhook.Verify(secret, h, body, now.Add(time.Minute), 5*time.Minute); err != nil {
		t.Errorf("a good signature: %v", err)
	}
	for name, check := range map[string]func() error{
		"another body":   func() error { return webhook.Verify(secret, h, []byte(`{"id":"evt_2"}`), now, 5*time.Minute) },
		"another secret": func() error { return webhook.Verify(tokenwatch.NewSecret("x"), h, body, now, 5*time.Minute) },
		"a replay":       func() error { return webhook.Verify(secret, h, body, now.Add(time.Hour), 5*time.Minute) },
	} {
		if err := check(); err == nil {
			t.Errorf("%s verifies", name)
		}
	}
}
