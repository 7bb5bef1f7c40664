package web_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/web"
)

// fakeStatus is a service-problem source with one open LinkedIn problem.
type fakeStatus struct{ open []store.ServiceProblem }

func (f fakeStatus) Open() []store.ServiceProblem { return f.open }
func (f fakeStatus) Recent(context.Context) ([]*store.ServiceProblem, error) {
	return []*store.ServiceProblem{{Provider: tokenwatch.Pinterest, Message: "Authentication failed.", Code: "2",
		OpenedAt: demoNow.Add(-48 * time.Hour), ClosedAt: demoNow.Add(-47 * time.Hour)}}, nil
}
func (f fakeStatus) Versions() []provider.VersionStatus {
	return provider.VersionStatuses(map[string]string{"linkedin": "202511"}, func(p tokenwatch.Provider) bool { return p == tokenwatch.LinkedIn },
		time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC))
}

// Service problems are shown to owners as a banner on every page, to
// everyone at /status with what the operator must do, and in /readyz,
// which stays ready.
func TestServiceProblemsShown(t *testing.T) {
	t.Parallel()
	sp := store.ServiceProblem{Provider: tokenwatch.LinkedIn, Scope: "api", Severity: "error", Code: "NONEXISTENT_VERSION",
		Message: "Requested version 202511 is not active", Action: "Set TOKENWATCH_LINKEDIN_API_VERSION to a supported version.",
		Occurrences: 3, OpenedAt: demoNow.Add(-time.Hour), LastSeenAt: demoNow}
	e := newDemoWith(t, func(o *web.Options) { o.Status = fakeStatus{open: []store.ServiceProblem{sp}} })
	owner, _ := e.signIn(t, "owner@demo.test")
	member, _ := e.signIn(t, "member@demo.test")
	for _, path := range []string{"/", "/issues"} {
		_, body, _ := get(t, owner, e.srv.URL+path)
		banner := section(body, `<p class="banner error"`, `</p>`)
		if !strings.Contains(banner, "LinkedIn") || !strings.Contains(banner, "not a problem of your pages") || !strings.Contains(banner, `href="/status"`) {
			t.Errorf("owner %s: banner %q", path, banner)
		}
		_, body, _ = get(t, member, e.srv.URL+path)
		if strings.Contains(body, `class="banner`) {
			t.Errorf("member %s sees the owners' banner", path)
		}
	}
	status, body, _ := get(t, member, e.srv.URL+"/status")
	if status != http.StatusOK {
		t.Fatalf("/status = %d", status)
	}
	problem := section(body, `<article class="service-problem error" id="problem-linkedin-api">`, `</article>`)
	for _, want := range []string{"LinkedIn: calls are refused", "Requested version 202511 is not active", "NONEXISTENT_VERSION",
		"Set TOKENWATCH_LINKEDIN_API_VERSION to a supported version.", "3 times"} {
		if !strings.Contains(problem, want) {
			t.Errorf("/status lacks %q:\n%s", want, problem)
		}
	}
	for _, want := range []string{"<code>202511</code>", "16 November 2026 (passed)", "TOKENWATCH_LINKEDIN_API_VERSION", "Pinterest: Authentication failed."} {
		if !strings.Contains(body, want) {
			t.Errorf("/status lacks %q", want)
		}
	}
	resp, err := http.Get(e.srv.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "ready\nservice error: linkedin since") {
		t.Errorf("/readyz = %d %q", resp.StatusCode, b)
	}
}
