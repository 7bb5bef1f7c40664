package status_test

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/demo"
	"github.com/tokenwatch/tokenwatch/internal/demo/demotest"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/mail"
	"github.com/tokenwatch/tokenwatch/internal/mail/mailtest"
	"github.com/tokenwatch/tokenwatch/internal/metrics"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/linkedin"
	"github.com/tokenwatch/tokenwatch/internal/sandbox"
	"github.com/tokenwatch/tokenwatch/internal/status"
	"github.com/tokenwatch/tokenwatch/internal/tokens"
)

const operator = "ops@tokenwatch.test"

type fixture struct {
	w       *demotest.World
	smtp    *mailtest.Server
	monitor *status.Monitor
	keeper  *tokens.Keeper
}

func newFixture(t *testing.T, providers provider.Registry) *fixture {
	t.Helper()
	w := demotest.New(t, demotest.Options{})
	if providers == nil {
		providers = w.Providers
	}
	srv := mailtest.Start(t)
	sender, err := mail.NewSMTP(tokenwatch.NewSecret(srv.URL()), "tokenwatch <alerts@tokenwatch.test>", mail.SMTPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sender.Close() })
	m := status.New(w.Store, status.Options{Now: w.Clock.Now, Operator: operator, Mail: sender, MailFrom: "tokenwatch <alerts@tokenwatch.test>",
		BaseURL: demotest.BaseURL})
	k := tokens.New(w.Store, tokens.Options{Providers: providers, Policy: lifecycle.Default(), Now: w.Clock.Now, Status: m})
	return &fixture{w: w, smtp: srv, monitor: m, keeper: k}
}

// snapshot is what a person would notice of every page: its state and
// problem.
func snapshot(t *testing.T, w *demotest.World) map[string]string {
	out := map[string]string{}
	for id := range w.Pages {
		p := w.Page(t, id)
		out[id] = string(p.State) + "/" + string(p.Problem)
	}
	return out
}

func scrape(t *testing.T, m *status.Monitor) string {
	t.Helper()
	reg := metrics.New()
	reg.WatchServiceProblems(m.Open)
	rec := httptest.NewRecorder()
	reg.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

// A client secret rotated at LinkedIn but not in tokenwatch: every check of
// a LinkedIn page is refused with invalid_client. That is tokenwatch's own
// problem: one service problem opens, the operator gets one e-mail however
// often it recurs, /metrics says so, and every page keeps its state. Once
// the secret is right again, the next check closes the problem.
func TestWrongClientSecretIsAServiceProblem(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	before := snapshot(t, f.w)
	f.w.Sandbox.AddApp(tokenwatch.LinkedIn, sandbox.App{ClientID: demo.ClientID, ClientSecret: "rotated-at-linkedin",
		RedirectURIs: []string{demotest.BaseURL + "/oauth/linkedin/callback"}})

	for round := range 3 {
		for _, id := range []string{"li-riverside", "li-airport"} {
			if err := f.keeper.Check(ctx, f.w.Pages[id].ID); err == nil {
				t.Fatalf("round %d: checking %s succeeded with a wrong secret", round, id)
			}
			p := f.w.Page(t, id)
			if p.LastError == nil || p.LastError.Class != tokenwatch.ClassService {
				t.Errorf("%s: last error %+v, want a service error", id, p.LastError)
			}
		}
		f.monitor.Notify(ctx)
		f.w.Clock.Advance(7 * time.Hour) // past any backoff
	}
	if after := snapshot(t, f.w); !equal(before, after) {
		t.Errorf("pages changed state:\nbefore %v\nafter  %v", before, after)
	}
	open := f.monitor.Open()
	if len(open) != 1 || open[0].Provider != tokenwatch.LinkedIn || open[0].Severity != status.SeverityError || open[0].Occurrences != 6 {
		t.Fatalf("open problems = %+v, want one LinkedIn error seen 6 times", open)
	}
	if open[0].Code != "invalid_client" || !strings.Contains(open[0].Action, "client id and secret") {
		t.Errorf("problem = %+v, want invalid_client with the operator's action", open[0])
	}
	f.smtp.Wait(1, 5*time.Second)
	f.monitor.Notify(ctx)
	time.Sleep(100 * time.Millisecond)
	if msgs := f.smtp.Messages(); len(msgs) != 1 || msgs[0].To != operator || !strings.Contains(msgs[0].Subject, "LinkedIn") ||
		!strings.Contains(msgs[0].Text, "not by any page") || !strings.Contains(msgs[0].Text, demotest.BaseURL+"/status") {
		t.Fatalf("operator e-mails = %+v, want one about LinkedIn", msgs)
	}
	if m := scrape(t, f.monitor); !strings.Contains(m, `tokenwatch_service_problems{network="linkedin",severity="error"} 1`) ||
		!strings.Contains(m, `tokenwatch_service_problems{network="facebook",severity="error"} 0`) {
		t.Errorf("/metrics:\n%s", grep(m, "service_problems"))
	}

	// The operator fixes the secret: the next check succeeds and closes it.
	f.w.Sandbox.AddApp(tokenwatch.LinkedIn, sandbox.App{ClientID: demo.ClientID, ClientSecret: demo.ClientSecret,
		RedirectURIs: []string{demotest.BaseURL + "/oauth/linkedin/callback"}})
	if err := f.keeper.Check(ctx, f.w.Pages["li-airport"].ID); err != nil {
		t.Fatalf("check with the right secret: %v", err)
	}
	if open := f.monitor.Open(); len(open) != 0 {
		t.Errorf("still open after a success: %+v", open)
	}
	recent, err := f.monitor.Recent(ctx)
	if err != nil || len(recent) != 1 || recent[0].ClosedAt.IsZero() {
		t.Errorf("recent = %+v, %v; want the closed problem", recent, err)
	}
	if m := scrape(t, f.monitor); !strings.Contains(m, `tokenwatch_service_problems{network="linkedin",severity="error"} 0`) {
		t.Errorf("/metrics after the fix:\n%s", grep(m, "service_problems"))
	}
}

// A network removed from the configuration (its client secret taken out)
// while pages of it exist: checks cannot run, which is a service problem
// the operator hears of, not a silence until the pages expire, and no page
// changes state.
func TestUnconfiguredNetworkIsAServiceProblem(t *testing.T) {
	t.Parallel()
	f := newFixture(t, provider.Registry{})
	w := f.w
	reg := provider.Registry{}
	for p, prov := range w.Providers {
		if p != tokenwatch.TikTok {
			reg[p] = prov
		}
	}
	f.keeper = tokens.New(w.Store, tokens.Options{Providers: reg, Policy: lifecycle.Default(), Now: w.Clock.Now, Status: f.monitor})
	ctx := context.Background()
	before := snapshot(t, w)
	if err := f.keeper.Check(ctx, w.Pages["tt-riverside"].ID); err == nil {
		t.Fatal("checking a page of an unconfigured network succeeded")
	}
	if err := f.keeper.Refresh(ctx, w.Pages["tt-riverside"].ID); err == nil {
		t.Log("refresh backed off, as it should after the failed check")
	}
	if after := snapshot(t, w); !equal(before, after) {
		t.Errorf("pages changed state:\nbefore %v\nafter  %v", before, after)
	}
	p := w.Page(t, "tt-riverside")
	if p.LastError == nil || p.LastError.Class != tokenwatch.ClassService || !strings.Contains(p.LastError.Message, "not configured") || !p.RetryAt.After(w.Clock.Now()) {
		t.Errorf("page: last error %+v, retry %v", p.LastError, p.RetryAt)
	}
	open := f.monitor.Open()
	if len(open) != 1 || open[0].Provider != tokenwatch.TikTok || open[0].Code != "not_configured" ||
		!strings.Contains(open[0].Action, "TOKENWATCH_TIKTOK_CLIENT_SECRET") {
		t.Fatalf("open = %+v", open)
	}
	f.monitor.Notify(ctx)
	if msgs := f.smtp.Wait(1, 5*time.Second); len(msgs) != 1 || !strings.Contains(msgs[0].Text, "TOKENWATCH_TIKTOK_CLIENT_ID") {
		t.Errorf("operator e-mails = %+v", msgs)
	}
}

// API versions near or past their published end raise a warning or an
// error; moving to a supported version closes it.
func TestVersionWarnings(t *testing.T) {
	t.Parallel()
	w := demotest.New(t, demotest.Options{})
	ctx := context.Background()
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	onlyLinkedIn := func(p tokenwatch.Provider) bool { return p == tokenwatch.LinkedIn }
	check := func(version string) []string {
		m := status.New(w.Store, status.Options{Now: func() time.Time { return now }, Versions: map[string]string{"linkedin": version}, Configured: onlyLinkedIn})
		m.CheckVersions(ctx)
		var out []string
		for _, sp := range m.Open() {
			out = append(out, string(sp.Provider)+" "+sp.Severity+" "+sp.Code)
		}
		return out
	}
	if got := check("202601"); len(got) != 1 || got[0] != "linkedin warning version_ending" {
		t.Errorf("202601 (ends 15 January 2027) = %v", got)
	}
	if got := check("202511"); len(got) != 1 || got[0] != "linkedin error version_ended" {
		t.Errorf("202511 (ended 16 November 2026) = %v", got)
	}
	if got := check(""); len(got) != 0 {
		t.Errorf("the default version = %v, want nothing open", got)
	}
}

func equal(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// LinkedIn refusing the API version tokenwatch sends (an operator kept a
// retired one): a service problem, and no page changes state.
func TestRefusedAPIVersionIsAServiceProblem(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	w := f.w
	reg := provider.Registry{}
	for p, prov := range w.Providers {
		reg[p] = prov
	}
	reg[tokenwatch.LinkedIn] = linkedin.New(provider.Config{ClientID: demo.ClientID, ClientSecret: tokenwatch.NewSecret(demo.ClientSecret),
		BaseURL: w.Sandbox.BaseURL(tokenwatch.LinkedIn), Versions: map[string]string{provider.APILinkedIn: "202511"}})
	f.keeper = tokens.New(w.Store, tokens.Options{Providers: reg, Policy: lifecycle.Default(), Now: w.Clock.Now, Status: f.monitor})
	ctx := context.Background()
	before := snapshot(t, w)
	for _, id := range []string{"li-riverside", "li-airport"} {
		if err := f.keeper.Check(ctx, w.Pages[id].ID); err == nil {
			t.Fatalf("%s: a check with a retired version succeeded", id)
		}
	}
	if after := snapshot(t, w); !equal(before, after) {
		t.Errorf("pages changed state:\nbefore %v\nafter  %v", before, after)
	}
	open := f.monitor.Open()
	if len(open) != 1 || open[0].Provider != tokenwatch.LinkedIn || open[0].Code != "NONEXISTENT_VERSION" ||
		!strings.Contains(open[0].Action, "TOKENWATCH_LINKEDIN_API_VERSION") {
		t.Fatalf("open = %+v", open)
	}
	f.monitor.Notify(ctx)
	if msgs := f.smtp.Wait(1, 5*time.Second); len(msgs) != 1 || !strings.Contains(msgs[0].Text, "TOKENWATCH_LINKEDIN_API_VERSION") {
		t.Errorf("operator e-mails = %+v", msgs)
	}
	if m := scrape(t, f.monitor); !strings.Contains(m, `tokenwatch_service_problems{network="linkedin",severity="error"} 1`) {
		t.Errorf("/metrics:\n%s", grep(m, "service_problems"))
	}
}
