package oauthx

import (
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
)

func TestURLMovesEveryHostToTheBaseURL(t *testing.T) {
	t.Parallel()
	real := NewClient("x", provider.Config{}, nil)
	sb := NewClient("x", provider.Config{BaseURL: "http://127.0.0.1:9/x/"}, nil)
	for in, want := range map[string]string{
		"https://api.x.com/2/users/me":                "http://127.0.0.1:9/x/2/users/me",
		"https://x.com/i/oauth2/authorize?a=b":        "http://127.0.0.1:9/x/i/oauth2/authorize?a=b",
		"https://open.tiktokapis.com/v2/oauth/token/": "http://127.0.0.1:9/x/v2/oauth/token/",
	} {
		if got := sb.URL(in); got != want {
			t.Errorf("URL(%s) = %s, want %s", in, got, want)
		}
		if got := real.URL(in); got != in {
			t.Errorf("without a base URL, URL(%s) = %s", in, got)
		}
	}
}

func TestScrub(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"GET /me?access_token=EAAB1234567890abc&fields=id",
		`{"refresh_token":"rt-1234567890"}`,
		"Authorization: Bearer abcdefghijklmnop",
		"input_token=zzzzzzzzzzzz failed",
		"the known secret s3cr3t-value appears",
	} {
		out := Scrub(in, "s3cr3t-value")
		for _, leak := range []string{"EAAB1234567890abc", "rt-1234567890", "abcdefghijklmnop", "zzzzzzzzzzzz", "s3cr3t-value"} {
			if strings.Contains(out, leak) {
				t.Errorf("Scrub(%q) = %q still holds %q", in, out, leak)
			}
		}
		if !strings.Contains(out, "[redacted]") {
			t.Errorf("Scrub(%q) = %q, want a [redacted] mark", in, out)
		}
	}
	// Secrets that overlap are scrubbed whole, both of them.
	if out := Scrub("id=app-1234|secret-5678 end", "app-1234|secret", "secret-5678"); out != "id=[redacted] end" {
		t.Errorf("overlapping secrets: %q", out)
	}
}

// A token that crosses the cut of a long message is scrubbed whole, not
// cut first and then missed; the cut never splits a character.
func TestFailScrubsBeforeItCuts(t *testing.T) {
	t.Parallel()
	const token = "EAAGsecretTokenValue0123456789abcdefXYZ"
	echo := func(_ int, body []byte) *provider.Error {
		return &provider.Error{Class: tokenwatch.ClassTransient, Code: string(body), Message: string(body)}
	}
	c := NewClient("test", provider.Config{}, echo)
	for _, lead := range []int{60, 70, 290, 295} {
		body := strings.Repeat("a", lead) + " " + token + " " + strings.Repeat("b", 50)
		e := c.Fail(400, http.Header{}, []byte(body), token)
		for name, s := range map[string]string{"message": e.Message, "code": e.Code} {
			if strings.Contains(s, token[:8]) {
				t.Errorf("token after %d characters: the %s keeps its beginning: %q", lead, name, s)
			}
		}
	}
	for _, lead := range []int{75, 76, 77, 78, 79, 80, 295, 296, 297, 298, 299, 300} {
		body := strings.Repeat("a", lead) + strings.Repeat("é€😀", 40)
		e := c.Fail(400, http.Header{}, []byte(body))
		if !utf8.ValidString(e.Message) || !utf8.ValidString(e.Code) {
			t.Errorf("cut after %d bytes splits a character: message %q, code %q", lead, e.Message[len(e.Message)-8:], e.Code[len(e.Code)-8:])
		}
		if !strings.HasSuffix(e.Message, "…") || len(e.Message) > 300+len("…") || len(e.Code) > 80+len("…") {
			t.Errorf("cut after %d bytes: message of %d bytes, code of %d", lead, len(e.Message), len(e.Code))
		}
	}
}

func TestFailNeverCallsA5xxOr429AnythingButTransient(t *testing.T) {
	t.Parallel()
	reconnect := func(int, []byte) *provider.Error {
		return &provider.Error{Class: tokenwatch.ClassMustReconnect, Code: "dead", Rejected: true}
	}
	c := NewClient("test", provider.Config{}, reconnect)
	for _, status := range []int{500, 501, 502, 503, 504, 599, 429} {
		if e := c.Fail(status, http.Header{}, nil); e.Class != tokenwatch.ClassTransient || e.Rejected {
			t.Errorf("status %d: class %s rejected %v", status, e.Class, e.Rejected)
		}
	}
	if e := c.Fail(401, http.Header{}, nil); e.Class != tokenwatch.ClassMustReconnect {
		t.Errorf("401 with a reconnect triage: %s", e.Class)
	}
	// A 429 may be a refusal of tokenwatch's own app (a usage cap, an
	// exhausted quota): never a page problem, but not a mere retry either.
	service := func(int, []byte) *provider.Error {
		return &provider.Error{Class: tokenwatch.ClassService, Code: "usage-capped", Rejected: true, RefreshMayFix: true}
	}
	c = NewClient("test", provider.Config{}, service)
	if e := c.Fail(429, http.Header{}, nil); e.Class != tokenwatch.ClassService || e.Rejected || e.RefreshMayFix {
		t.Errorf("429 read as a usage cap: class %s rejected %v refresh %v", e.Class, e.Rejected, e.RefreshMayFix)
	}
	if e := c.Fail(503, http.Header{}, nil); e.Class != tokenwatch.ClassTransient {
		t.Errorf("503 with a service triage: %s", e.Class)
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		header http.Header
		want   time.Duration
		ok     bool
	}{
		{http.Header{"Retry-After": {"30"}}, 30 * time.Second, true},
		{http.Header{"Retry-After": {now.Add(2 * time.Minute).Format(http.TimeFormat)}}, 2 * time.Minute, true},
		{http.Header{"X-Rate-Limit-Reset": {"1795622460"}}, time.Unix(1795622460, 0).Sub(now), true},
		{http.Header{}, 0, false},
		{http.Header{"Retry-After": {"soon"}}, 0, false},
	} {
		got, ok := retryAfter(tc.header, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("retryAfter(%v) = %v %v, want %v %v", tc.header, got, ok, tc.want, tc.ok)
		}
	}
}

func TestRedirectFinding(t *testing.T) {
	t.Parallel()
	for uri, ok := range map[string]bool{
		"https://tokenwatch.example/oauth/x/callback": true,
		"http://127.0.0.1:8080/oauth/x/callback":      true,
		"http://localhost:8080/oauth/x/callback":      true,
		"http://[::1]:8080/oauth/x/callback":          true,
		"http://tokenwatch.example/oauth/x/callback":  false,
		"/oauth/x/callback":                           false,
		"https://tokenwatch.example/cb#frag":          false,
		"https://user:pw@tokenwatch.example/cb":       false,
	} {
		if f := RedirectFinding(uri, "the app's redirect URIs"); f.OK != ok || f.Detail == "" || f.Check == "" {
			t.Errorf("RedirectFinding(%s) = %+v, want OK %v", uri, f, ok)
		}
	}
}
