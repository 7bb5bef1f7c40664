package web_test

import (
	"context"
	"io"
	"net/http"
	"slices"
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
		banners := parseHTML(t, body).All("p.banner")
		if len(banners) != 1 || !slices.Contains(banners[0].Classes(), "error") || banners[0].Attr("role") != "status" ||
			!strings.HasPrefix(banners[0].Text(), "LinkedIn: tokenwatch's own app is refused since") ||
			!strings.Contains(banners[0].Text(), "This is not a problem of your pages") || banners[0].Maybe(`a[href="/status"]`) == nil {
			t.Errorf("owner %s: banners %q", path, texts(banners))
		}
		_, body, _ = get(t, member, e.srv.URL+path)
		if parseHTML(t, body).Maybe(".banner") != nil {
			t.Errorf("member %s sees the owners' banner", path)
		}
	}
	status, body, _ := get(t, member, e.srv.URL+"/status")
	if status != http.StatusOK {
		t.Fatalf("/status = %d", status)
	}
	doc := parseHTML(t, body)
	if n := len(doc.All("article.service-problem")); n != 1 {
		t.Errorf("/status shows %d problems, want 1", n)
	}
	problem := doc.One("article.service-problem.error#problem-linkedin-api")
	if got := problem.One("h3").Text(); got != "LinkedIn: calls are refused" {
		t.Errorf("the problem's heading: %q", got)
	}
	paras := texts(problem.All("p"))
	if len(paras) != 3 || !strings.HasSuffix(paras[0], "· 3 times") ||
		paras[1] != "What the network said: Requested version 202511 is not active NONEXISTENT_VERSION" ||
		paras[2] != "What the operator must do: Set TOKENWATCH_LINKEDIN_API_VERSION to a supported version." ||
		problem.One("code").Text() != "NONEXISTENT_VERSION" {
		t.Errorf("the problem says %q", paras)
	}
	// The version table: LinkedIn's version, passed its end, and the
	// setting that changes it.
	rows := doc.All("table.versions tbody tr")
	if len(rows) != 1 || !slices.Contains(rows[0].Classes(), "warn") ||
		rows[0].One(`td[data-label="Version"] code`).Text() != "202511" ||
		rows[0].One(`td[data-label="End of support"]`).Text() != "16 November 2026 (passed)" ||
		rows[0].One(`td[data-label="Setting"] code`).Text() != "TOKENWATCH_LINKEDIN_API_VERSION" {
		t.Errorf("the versions: %q", texts(rows))
	}
	if closed := texts(doc.All("p.closed-problem")); len(closed) != 1 || !strings.HasPrefix(closed[0], "Pinterest: Authentication failed. (2), from ") {
		t.Errorf("the last 30 days: %q", closed)
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
