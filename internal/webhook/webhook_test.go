package webhook_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/webhook"
)

// now is the test's clock: the sender's and the receiver's.
var now = time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)

const tolerance = 5 * time.Minute // what docs/design.md tells receivers

// request is what an endpoint received.
type request struct {
	header http.Header
	body   []byte
}

// endpoint is a webhook endpoint that records each request and answers
// with status.
type endpoint struct {
	status int
	mu     sync.Mutex
	got    []request
}

func (e *endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	e.mu.Lock()
	e.got = append(e.got, request{header: r.Header.Clone(), body: body})
	e.mu.Unlock()
	w.WriteHeader(e.status)
}

func (e *endpoint) requests() []request {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]request(nil), e.got...)
}

func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func client(at time.Time) *webhook.Client {
	c := webhook.NewClient(5*time.Second, webhook.AnyAddress)
	c.Now = func() time.Time { return at }
	return c
}

// An event sent by the client arrives as the receiver expects: a POST of
// the JSON body, the documented headers, and a signature that Verify and
// the documented receiver code both accept, with no trace of the secret.
func TestSentEventIsSignedAsDocumented(t *testing.T) {
	t.Parallel()
	secret := tokenwatch.NewSecret("whsec_0123456789abcdef")
	ep := &endpoint{status: http.StatusNoContent}
	url := serve(t, ep)
	body := []byte(`{"id":"evt_1","type":"page.expired"}`)
	if err := client(now).Send(context.Background(), url, secret, webhook.PageExpired, "evt_1", body); err != nil {
		t.Fatalf("send: %v", err)
	}
	got := ep.requests()
	if len(got) != 1 {
		t.Fatalf("%d requests, want 1", len(got))
	}
	h, b := got[0].header, got[0].body
	if !bytes.Equal(b, body) {
		t.Errorf("body %s, want %s", b, body)
	}
	for name, want := range map[string]string{
		"Content-Type":         "application/json",
		"Tokenwatch-Event":     "page.expired",
		"Tokenwatch-Event-Id":  "evt_1",
		"Tokenwatch-Timestamp": strconv.FormatInt(now.Unix(), 10),
		"Tokenwatch-Signature": "v1=" + documentedMAC(secret.Reveal(), h.Get("Tokenwatch-Timestamp"), b),
	} {
		if h.Get(name) != want {
			t.Errorf("header %s = %q, want %q", name, h.Get(name), want)
		}
	}
	if sig := h.Get(webhook.HeaderSignature); !regexp.MustCompile(`^v1=[0-9a-f]{64}$`).MatchString(sig) {
		t.Errorf("signature %q is not v1= and 64 hex digits", sig)
	}
	if err := webhook.Verify(secret, h, b, now.Add(time.Minute), tolerance); err != nil {
		t.Errorf("Verify refuses what the client sent: %v", err)
	}
	for name, values := range h {
		if strings.Contains(strings.Join(values, " "), secret.Reveal()) {
			t.Errorf("header %s shows the secret", name)
		}
	}
}

// documentedMAC is the receiver code of docs/design.md: hex HMAC-SHA256
// of timestamp + "." + body.
func documentedMAC(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp + "." + string(body)))
	return hex.EncodeToString(mac.Sum(nil))
}

// signed returns the headers of body signed with secret at ts.
func signed(secret tokenwatch.Secret, ts time.Time, body []byte) http.Header {
	h := http.Header{}
	h.Set(webhook.HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(webhook.HeaderSignature, webhook.Sign(secret, ts.Unix(), body))
	return h
}

func TestVerify(t *testing.T) {
	t.Parallel()
	secret := tokenwatch.NewSecret("whsec_right")
	body := []byte(`{"id":"evt_1","type":"page.revoked"}`)
	good := signed(secret, now, body)
	with := func(name, value string) http.Header {
		h := good.Clone()
		if value == "" {
			h.Del(name)
		} else {
			h.Set(name, value)
		}
		return h
	}
	tests := []struct {
		name     string
		secret   tokenwatch.Secret
		header   http.Header
		body     []byte
		at       time.Time // the receiver's clock
		accepted bool
	}{
		{"as sent", secret, good, body, now, true},
		{"received 5 minutes later", secret, good, body, now.Add(tolerance), true},
		{"the receiver's clock 5 minutes behind", secret, good, body, now.Add(-tolerance), true},
		{"one signature of several matches (a secret being rotated)", secret,
			with(webhook.HeaderSignature, "v1="+strings.Repeat("0", 64)+", "+good.Get(webhook.HeaderSignature)), body, now, true},

		{"a tampered body", secret, good, []byte(`{"id":"evt_1","type":"page.reconnected"}`), now, false},
		{"a body with a byte more", secret, good, append(body, ' '), now, false},
		{"another secret", tokenwatch.NewSecret("whsec_wrong"), good, body, now, false},
		{"a stale timestamp (a replay)", secret, good, body, now.Add(tolerance + time.Second), false},
		{"a timestamp in the future", secret, good, body, now.Add(-tolerance - time.Second), false},
		{"a timestamp changed after signing", secret, with(webhook.HeaderTimestamp, strconv.FormatInt(now.Unix()+1, 10)), body, now, false},
		{"no timestamp", secret, with(webhook.HeaderTimestamp, ""), body, now, false},
		{"a timestamp that is not a number", secret, with(webhook.HeaderTimestamp, "yesterday"), body, now, false},
		{"no signature", secret, with(webhook.HeaderSignature, ""), body, now, false},
		{"the signature without its v1= prefix", secret, with(webhook.HeaderSignature, strings.TrimPrefix(good.Get(webhook.HeaderSignature), "v1=")), body, now, false},
		{"another scheme", secret, with(webhook.HeaderSignature, "v2="+strings.TrimPrefix(good.Get(webhook.HeaderSignature), "v1=")), body, now, false},
	}
	for _, tt := range tests {
		err := webhook.Verify(tt.secret, tt.header, tt.body, tt.at, tolerance)
		switch {
		case tt.accepted && err != nil:
			t.Errorf("%s: refused: %v", tt.name, err)
		case !tt.accepted && err == nil:
			t.Errorf("%s: accepted", tt.name)
		case !tt.accepted && tokenwatch.ErrorCode(err) != tokenwatch.CodeUnauthorized:
			t.Errorf("%s: %v, want an unauthorized error", tt.name, err)
		}
	}
}

// The client's answers: 2xx is success; 4xx other than 408 and 429 a
// permanent refusal (code invalid, not retried); anything else, and an
// endpoint that cannot be reached or does not answer in time, worth a
// retry (code unavailable).
func TestSendOutcomes(t *testing.T) {
	t.Parallel()
	secret := tokenwatch.NewSecret("whsec_x")
	for status, want := range map[int]tokenwatch.Code{
		200: "", 201: "", 202: "", 204: "",
		400: tokenwatch.CodeInvalid, 401: tokenwatch.CodeInvalid, 404: tokenwatch.CodeInvalid, 410: tokenwatch.CodeInvalid,
		408: tokenwatch.CodeUnavailable, 429: tokenwatch.CodeUnavailable,
		500: tokenwatch.CodeUnavailable, 502: tokenwatch.CodeUnavailable, 503: tokenwatch.CodeUnavailable,
		301: tokenwatch.CodeInvalid, // redirects are not followed: they fail for good
	} {
		url := serve(t, &endpoint{status: status})
		err := client(now).Send(context.Background(), url, secret, webhook.PageExpiring, "evt_1", []byte(`{}`))
		if got := tokenwatch.ErrorCode(err); (err == nil) != (want == "") || (err != nil && got != want) {
			t.Errorf("HTTP %d: %v (%s), want %q", status, err, got, want)
		}
	}

	// Nothing listens.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	if err := client(now).Send(context.Background(), closed, secret, webhook.PageExpiring, "evt_1", []byte(`{}`)); tokenwatch.ErrorCode(err) != tokenwatch.CodeUnavailable {
		t.Errorf("unreachable endpoint: %v, want unavailable", err)
	}
	// It answers after the client's timeout.
	release := make(chan struct{})
	url := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer close(release)
	c := webhook.NewClient(50*time.Millisecond, webhook.AnyAddress)
	if err := c.Send(context.Background(), url, secret, webhook.PageExpiring, "evt_1", []byte(`{}`)); tokenwatch.ErrorCode(err) != tokenwatch.CodeUnavailable {
		t.Errorf("endpoint slower than the timeout: %v, want unavailable", err)
	}
	// A URL that is not one is refused for good.
	if err := c.Send(context.Background(), "http://bad host/", secret, webhook.PageExpiring, "evt_1", []byte(`{}`)); tokenwatch.ErrorCode(err) != tokenwatch.CodeInvalid {
		t.Errorf("bad URL: %v, want invalid", err)
	}
}

// The event's JSON is the one docs/design.md shows, field for field, and
// its headers are those the documentation's table names.
func TestEventAsDocumented(t *testing.T) {
	t.Parallel()
	doc := designSection(t, "### Webhooks")

	example := regexp.MustCompile("(?s)```json\n(.*?)```").FindStringSubmatch(doc)
	if example == nil {
		t.Fatal("docs/design.md shows no JSON event under Webhooks")
	}
	deadline := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	ev := webhook.Event{ID: "evt_…", Type: webhook.PageExpiring, CreatedAt: time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC),
		Data: webhook.Data{Step: "3d", ReconnectURL: "https://tokenwatch.example/pages/12/reconnect",
			Page: webhook.Page{ID: 12, AccountID: 1, LocationID: 3, Location: "Downtown", Network: tokenwatch.Facebook,
				Name: "Demo Bakery Downtown", State: tokenwatch.StateExpiring, Deadline: &deadline, Generation: 4}}}
	body, err := webhook.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	var got, want any
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(example[1]), &want); err != nil {
		t.Fatalf("the documented event is not JSON: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("event\n%s\nwant, as documented,\n%s", body, example[1])
	}

	// The header table, in order.
	var headers []string
	for _, m := range regexp.MustCompile("(?m)^\\| `(Tokenwatch-[A-Za-z-]+)` \\|").FindAllStringSubmatch(doc, -1) {
		headers = append(headers, m[1])
	}
	if code := []string{webhook.HeaderEvent, webhook.HeaderEventID, webhook.HeaderTimestamp, webhook.HeaderSignature}; !reflect.DeepEqual(headers, code) {
		t.Errorf("documented headers %q, the code sends %q", headers, code)
	}
	for _, typ := range []string{webhook.PageExpiring, webhook.PageExpired, webhook.PageRevoked, webhook.PageReconnected} {
		if !strings.Contains(doc, "`"+typ+"`") {
			t.Errorf("docs/design.md does not list the type %s", typ)
		}
	}
}

// designSection returns the section of docs/design.md under heading.
func designSection(t *testing.T, heading string) string {
	t.Helper()
	b, err := os.ReadFile("../../docs/design.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	i := strings.Index(doc, "\n"+heading+"\n")
	if i < 0 {
		t.Fatalf("docs/design.md has no %q", heading)
	}
	doc = doc[i+1:]
	level := heading[:strings.IndexByte(heading, ' ')+1]
	if j := strings.Index(doc[len(heading):], "\n"+level); j >= 0 {
		doc = doc[:len(heading)+j]
	}
	return doc
}

// A page.reconnected event carries no step and no reconnect link; a page
// without a deadline has a null one; an event reads back as it was
// written.
func TestEventJSON(t *testing.T) {
	t.Parallel()
	ev := webhook.Event{ID: webhook.EventID(12, 5, "reconnected"), Type: webhook.PageReconnected, CreatedAt: now,
		Data: webhook.Data{Page: webhook.Page{ID: 12, AccountID: 1, LocationID: 3, Location: "Downtown", Network: tokenwatch.LinkedIn,
			Name: "Demo Bakery", State: tokenwatch.StateHealthy, Generation: 5}}}
	body, err := webhook.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	var shape struct {
		Data map[string]json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal([]byte(body), &shape); err != nil {
		t.Fatal(err)
	}
	if _, ok := shape.Data["step"]; ok {
		t.Errorf("page.reconnected has a step: %s", body)
	}
	if _, ok := shape.Data["reconnect_url"]; ok {
		t.Errorf("page.reconnected has a reconnect link: %s", body)
	}
	if !strings.Contains(body, `"deadline":null`) || !strings.Contains(body, `"created_at":"2026-11-29T09:00:00Z"`) {
		t.Errorf("deadline or creation time: %s", body)
	}
	var back webhook.Event
	if err := json.Unmarshal([]byte(body), &back); err != nil || !reflect.DeepEqual(back, ev) {
		t.Errorf("read back %+v (%v), want %+v", back, err, ev)
	}
}

// The same alert always has the same event id, so receivers can drop
// repeats; another page, generation or step has another.
func TestEventID(t *testing.T) {
	t.Parallel()
	id := webhook.EventID(12, 4, "3d")
	if id != webhook.EventID(12, 4, "3d") {
		t.Error("the same alert has two ids")
	}
	if !regexp.MustCompile(`^evt_[0-9a-f]{24}$`).MatchString(id) {
		t.Errorf("id %q", id)
	}
	seen := map[string]bool{id: true}
	for _, other := range []string{webhook.EventID(13, 4, "3d"), webhook.EventID(12, 5, "3d"), webhook.EventID(12, 4, "10d"),
		webhook.EventID(1, 24, "3d"), webhook.EventID(124, 0, "3d")} {
		if seen[other] {
			t.Errorf("id %s twice", other)
		}
		seen[other] = true
	}
}

func TestTypeOf(t *testing.T) {
	t.Parallel()
	for step, want := range map[string]string{
		"10d": webhook.PageExpiring, "3d": webhook.PageExpiring, "1d": webhook.PageExpiring,
		"expired": webhook.PageExpired,
		"revoked": webhook.PageRevoked, "permission_missing": webhook.PageRevoked, "account_blocked": webhook.PageRevoked,
	} {
		if got := webhook.TypeOf(step); got != want {
			t.Errorf("TypeOf(%q) = %s, want %s", step, got, want)
		}
	}
}
