package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/web"
)

// hook is a Slack or Teams webhook on loopback that answers as told.
type hook struct {
	srv    *httptest.Server
	mu     sync.Mutex
	bodies []string
	status int
	answer string
}

func newHook(t *testing.T, status int, answer string) *hook {
	t.Helper()
	h := &hook{status: status, answer: answer}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.bodies = append(h.bodies, string(b))
		h.mu.Unlock()
		w.WriteHeader(h.status)
		io.WriteString(w, h.answer)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hook) got() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.bodies...)
}

// csrfOf reads the page's form token.
func csrfAt(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	_, body, _ := get(t, c, u)
	return csrfOf(t, body)
}

func TestChannelsPageIsForOwnersAndManagers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	downtown := fmt.Sprintf("%s/locations/%d/channels", e.srv.URL, e.fixture.Downtown.ID)
	harbor := fmt.Sprintf("%s/locations/%d/channels", e.srv.URL, e.fixture.Harbor.ID)
	// Another account's location.
	other := &tokenwatch.Account{Name: "Other Brand"}
	if err := e.st.CreateAccount(ctx, other); err != nil {
		t.Fatal(err)
	}
	elsewhere := &tokenwatch.Location{AccountID: other.ID, Name: "Elsewhere", TimeZone: "UTC"}
	if err := e.st.CreateLocation(ctx, elsewhere); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		who, url string
		want     int
	}{
		{"owner@demo.test", downtown, 200},
		{"manager@demo.test", downtown, 200},
		{"member@demo.test", downtown, 403},
		{"downtown@demo.test", harbor, 404},
		{"owner@demo.test", fmt.Sprintf("%s/locations/%d/channels", e.srv.URL, elsewhere.ID), 404},
		{"owner@demo.test", e.srv.URL + "/locations/x/channels", 404},
	}
	for _, tt := range tests {
		status, body, _ := get(t, e.signIn(t, tt.who), tt.url)
		if status != tt.want {
			t.Errorf("%s at %s: %d, want %d", tt.who, tt.url, status, tt.want)
		}
		if status == 404 && strings.Contains(body, "Elsewhere") {
			t.Error("another account's location is named")
		}
	}
	// A member's form posts are refused too.
	c := e.signIn(t, "member@demo.test")
	csrf := csrfAt(t, c, e.srv.URL+"/notifications")
	if status, _, _ := post(t, c, downtown, url.Values{"csrf": {csrf}, "kind": {"slack"}, "url": {"http://127.0.0.1:1/x"}}); status != 403 {
		t.Errorf("a member adds a channel: %d", status)
	}
}

func TestAddChannelChecksTheAddressAndKeepsItSecret(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, func(o *web.Options) { o.AllowPrivateChannels = true })
	c := e.signIn(t, "manager@demo.test")
	page := fmt.Sprintf("%s/locations/%d/channels", e.srv.URL, e.fixture.Downtown.ID)
	csrf := csrfAt(t, c, page)
	add := func(kind, name, addr string) (int, string) {
		t.Helper()
		status, body, _ := post(t, c, page, url.Values{"csrf": {csrf}, "kind": {kind}, "name": {name}, "url": {addr}})
		return status, body
	}
	// Not a Slack address: refused, what was typed kept.
	status, body := add("slack", "#downtown", "https://chat.example.com/hook")
	if status != 400 || !strings.Contains(body, "hooks.slack.com/services/") || !strings.Contains(body, `value="#downtown"`) ||
		!strings.Contains(body, `value="https://chat.example.com/hook"`) {
		t.Errorf("a foreign address: %d\n%s", status, body)
	}
	// A live Slack address given as Teams: refused, and not echoed.
	secret := "https://hooks.slack.com/services/T000/B000/live-secret-1234"
	status, body = add("teams", "#downtown", secret)
	if status != 400 || !strings.Contains(body, "That is a Slack address: choose Slack.") || strings.Contains(body, "live-secret") {
		t.Errorf("a Slack address as Teams: %d\n%s", status, body)
	}
	// https only, on the network's host.
	if status, _ := add("slack", "", "http://hooks.slack.com/services/T/B/x"); status != 400 {
		t.Errorf("http: %d", status)
	}
	// A loopback receiver, allowed here: added; the page shows its hint only.
	h := newHook(t, 200, "ok")
	loop := h.srv.URL + "/services/T0/B0/loopback-secret-WXYZ"
	status, _, hdr := post(t, c, page, url.Values{"csrf": {csrf}, "kind": {"slack"}, "name": {"#downtown"}, "url": {loop}})
	if status != http.StatusSeeOther || !strings.HasSuffix(hdr.Get("Location"), "/channels") {
		t.Fatalf("adding: %d %s", status, hdr.Get("Location"))
	}
	_, body, _ = get(t, c, page)
	if !strings.Contains(body, "#downtown") || !strings.Contains(body, "…WXYZ") || strings.Contains(body, "loopback-secret") {
		t.Errorf("the channels page:\n%s", body)
	}
	if !strings.Contains(body, "added. Send it a test message") {
		t.Error("no notice after adding")
	}
	// Without the form token: refused.
	if status, _, _ := post(t, c, page, url.Values{"csrf": {"forged"}, "kind": {"slack"}, "url": {loop}}); status != 403 {
		t.Errorf("a forged form: %d", status)
	}
}

func TestAddChannelRefusesLoopbackUnlessPrivateTargetsAreAllowed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.signIn(t, "owner@demo.test")
	page := fmt.Sprintf("%s/locations/%d/channels", e.srv.URL, e.fixture.Downtown.ID)
	status, body, _ := post(t, c, page, url.Values{"csrf": {csrfAt(t, c, page)}, "kind": {"slack"}, "url": {"http://127.0.0.1:9/services/T/B/x"}})
	if status != 400 || !strings.Contains(body, "starts with https://") {
		t.Errorf("a loopback channel without TOKENWATCH_WEBHOOK_ALLOW_PRIVATE: %d", status)
	}
}

// TestSendATestMessage: the button posts a message now and shows what the
// network answered, a refusal included; the address never shows.
func TestSendATestMessage(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	e := newEnvWith(t, func(o *web.Options) {
		o.AllowPrivateChannels = true
		o.BaseURL = "https://tw.example"
		o.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	ctx := context.Background()
	good, gone := newHook(t, 200, "ok"), newHook(t, 404, "channel_not_found")
	for name, h := range map[string]*hook{"#ok": good, "#gone": gone} {
		ch := &store.Channel{LocationID: e.fixture.Downtown.ID, Kind: store.ChannelSlack, Name: name}
		if err := e.st.CreateChannel(ctx, ch, tokenwatch.NewSecret(h.srv.URL+"/services/T/B/test-secret")); err != nil {
			t.Fatal(err)
		}
		c := e.signIn(t, "manager@demo.test")
		page := fmt.Sprintf("%s/locations/%d/channels", e.srv.URL, e.fixture.Downtown.ID)
		status, body, _ := post(t, c, fmt.Sprintf("%s/%d/test", page, ch.ID), url.Values{"csrf": {csrfAt(t, c, page)}})
		if status != 200 || strings.Contains(body, "test-secret") {
			t.Fatalf("the test: %d\n%s", status, body)
		}
		switch h {
		case good:
			if !strings.Contains(body, "Slack took the message (HTTP 200: ok)") {
				t.Errorf("a good channel:\n%s", body)
			}
			got := h.got()
			if len(got) != 1 || !strings.Contains(got[0], `"text":"Test message – Downtown`) || !strings.Contains(got[0], "https://tw.example/locations/") {
				t.Errorf("the receiver got %q", got)
			}
		case gone:
			if !strings.Contains(body, "Slack refused the message: HTTP 404: channel_not_found") {
				t.Errorf("a removed channel:\n%s", body)
			}
		}
	}
	if strings.Contains(logs.String(), "test-secret") {
		t.Errorf("the logs hold a channel's address:\n%s", logs.String())
	}
}

func TestRemoveChannel(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ch := &store.Channel{LocationID: e.fixture.Downtown.ID, Kind: store.ChannelTeams, Name: "Team"}
	if err := e.st.CreateChannel(context.Background(), ch, tokenwatch.NewSecret("https://x.logic.azure.com/workflows/1")); err != nil {
		t.Fatal(err)
	}
	c := e.signIn(t, "owner@demo.test")
	page := fmt.Sprintf("%s/locations/%d/channels", e.srv.URL, e.fixture.Downtown.ID)
	csrf := csrfAt(t, c, page)
	// Through another location: not found.
	if status, _, _ := post(t, c, fmt.Sprintf("%s/locations/%d/channels/%d/delete", e.srv.URL, e.fixture.Harbor.ID, ch.ID), url.Values{"csrf": {csrf}}); status != 404 {
		t.Errorf("removing through Harbor: %d", status)
	}
	if status, _, _ := post(t, c, fmt.Sprintf("%s/%d/delete", page, ch.ID), url.Values{"csrf": {csrf}}); status != http.StatusSeeOther {
		t.Errorf("removing: %d", status)
	}
	if list, _ := e.st.LocationChannels(context.Background(), e.fixture.Downtown.ID); len(list) != 0 {
		t.Errorf("still there: %v", list)
	}
}
