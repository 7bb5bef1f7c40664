package linkedin_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/linkedin"
	"github.com/tokenwatch/tokenwatch/internal/sandbox"
)

// world is a sandbox LinkedIn with one app, Alice, Super Admin of page 501,
// and a grant of hers issued at the sandbox's clock.
type world struct {
	sb     *sandbox.Server
	cfg    provider.Config
	page   *tokenwatch.Page
	creds  tokenwatch.Credentials
	issued sandbox.Issued
}

const (
	alice  = "1784140001"
	secret = "app-secret-linkedin-0123456789"
)

func newWorld(t *testing.T, now time.Time, pages int) *world {
	t.Helper()
	sb, err := sandbox.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	sb.SetClock(func() time.Time { return now })
	sb.AddApp(tokenwatch.LinkedIn, sandbox.App{ClientID: "app", ClientSecret: secret, RedirectURIs: []string{"https://tokenwatch.test/cb"}})
	sb.AddAccount(tokenwatch.LinkedIn, sandbox.Account{ID: alice, Name: "Alice Example"})
	for i := range pages {
		id := strconv.Itoa(501 + i)
		sb.AddPage(tokenwatch.LinkedIn, sandbox.Page{ID: id, Name: "Bakery " + id})
		sb.SetRole(tokenwatch.LinkedIn, id, alice, "ADMINISTRATOR")
	}
	cfg := provider.Config{ClientID: "app", ClientSecret: tokenwatch.NewSecret(secret), BaseURL: sb.BaseURL(tokenwatch.LinkedIn),
		RefreshEnabled: true, HTTPClient: &http.Client{Timeout: 5 * time.Second}}
	iss, err := sb.IssueGrant(tokenwatch.LinkedIn, sandbox.GrantRequest{ClientID: "app", UserID: alice, Scopes: linkedin.New(cfg).Info().Scopes})
	if err != nil {
		t.Fatal(err)
	}
	return &world{sb: sb, cfg: cfg, issued: iss,
		page:  &tokenwatch.Page{Provider: tokenwatch.LinkedIn, ProviderPageID: "501", ProviderUserID: alice, RefreshExpiresAt: iss.RefreshExpiresAt},
		creds: tokenwatch.Credentials{AccessToken: tokenwatch.NewSecret(iss.AccessToken), RefreshToken: tokenwatch.NewSecret(iss.RefreshToken)}}
}

func (w *world) provider(version string) *linkedin.Provider {
	cfg := w.cfg
	if version != "" {
		cfg.Versions = map[string]string{provider.APILinkedIn: version}
	}
	return linkedin.New(cfg)
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, time.UTC) }

// The sandbox serves a LinkedIn-Version the way LinkedIn does: a version of
// the migrations table until its published end, a newer one for a year
// from its month, nothing else; a refused version is a service problem for
// every call, never a page problem.
// https://learn.microsoft.com/en-us/linkedin/marketing/integrations/migrations
func TestSandboxServesOnlyActiveVersions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		now     time.Time
		version string
		served  bool
	}{
		{"the default", day(2026, time.November, 28), "", true},
		{"202511 after its end on 16 November 2026", day(2026, time.November, 28), "202511", false},
		{"202511 the day before its end", day(2026, time.November, 15), "202511", true},
		{"202510, retired 15 October 2026", day(2026, time.November, 28), "202510", false},
		{"202609, newer than the table, within its year", day(2026, time.November, 28), "202609", true},
		{"202512, which LinkedIn never released", day(2026, time.November, 28), "202512", false},
		{"202612, a month to come", day(2026, time.November, 28), "202612", false},
		{"the default 202603 after 16 March 2027", day(2027, time.March, 17), "", false},
		{"not a version", day(2026, time.November, 28), "2026-09", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, tc.now, 1)
			p := w.provider(tc.version)
			ctx := context.Background()
			_, pagesErr := p.Pages(ctx, &provider.Grant{Token: provider.Token{AccessToken: w.creds.AccessToken}})
			_, inspectErr := p.Inspect(ctx, w.page, w.creds)
			_, publishErr := p.Publish(ctx, w.page, w.creds, provider.Post{Text: "Fresh bread at 7"})
			for what, err := range map[string]error{"Pages": pagesErr, "Inspect": inspectErr, "Publish": publishErr} {
				if tc.served {
					if err != nil {
						t.Errorf("%s: %v", what, err)
					}
					continue
				}
				var pe *provider.Error
				if !errors.As(err, &pe) || pe.Class != tokenwatch.ClassService || pe.Status != http.StatusUpgradeRequired ||
					!strings.Contains(pe.Action, "TOKENWATCH_LINKEDIN_API_VERSION") {
					t.Errorf("%s = %v, want a 426 service problem naming the setting", what, err)
				}
			}
		})
	}
}

// Without a LinkedIn-Version every /rest call is refused; without
// X-Restli-Protocol-Version: 2.0.0 the finder and the Posts API are; the
// answers have LinkedIn's shape.
func TestSandboxRequiresTheHeaders(t *testing.T) {
	t.Parallel()
	w := newWorld(t, day(2026, time.November, 28), 1)
	base := w.sb.BaseURL(tokenwatch.LinkedIn)
	for _, tc := range []struct {
		method, path string
		header       map[string]string
		status       int
		code         string
	}{
		{"GET", "/rest/organizationAcls?q=roleAssignee", map[string]string{"X-Restli-Protocol-Version": "2.0.0"}, 426, "VERSION_MISSING"},
		{"GET", "/rest/organizations/501", nil, 426, "VERSION_MISSING"},
		{"POST", "/rest/posts", map[string]string{"LinkedIn-Version": "202511", "X-Restli-Protocol-Version": "2.0.0"}, 426, "NONEXISTENT_VERSION"},
		{"GET", "/rest/organizationAcls?q=roleAssignee", map[string]string{"LinkedIn-Version": "202603"}, 400, ""},
		{"POST", "/rest/posts", map[string]string{"LinkedIn-Version": "202603"}, 400, ""},
		{"GET", "/rest/organizations/501", map[string]string{"LinkedIn-Version": "202603"}, 200, ""},
	} {
		req, _ := http.NewRequest(tc.method, base+tc.path, strings.NewReader(`{}`))
		req.Header.Set("Authorization", "Bearer "+w.issued.AccessToken)
		for k, v := range tc.header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Status int    `json:"status"`
			Code   string `json:"code"`
		}
		_ = jsonDecode(resp, &body)
		if resp.StatusCode != tc.status || (tc.code != "" && (body.Code != tc.code || body.Status != tc.status)) {
			t.Errorf("%s %s %v: %d %+v, want %d %s", tc.method, tc.path, tc.header, resp.StatusCode, body, tc.status, tc.code)
		}
	}
}

// A post with every little-text reserved character reaches the page whole:
// tokenwatch escapes it, and the sandbox, like LinkedIn, shows escaped
// characters as themselves and cuts unescaped text at the first reserved
// one.
// https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/little-text-format
func TestPostTextSurvivesWhole(t *testing.T) {
	t.Parallel()
	w := newWorld(t, day(2026, time.November, 28), 1)
	text := `Croissants (fresh) at 7 — 50% off #bakery @home [today] {only} <3 *really* _new_ ~soon~ a|b back\slash`
	if _, err := w.provider("").Publish(context.Background(), w.page, w.creds, provider.Post{Text: text, Link: "https://bakery.example/a_(b)"}); err != nil {
		t.Fatal(err)
	}
	posts := w.sb.Posts(tokenwatch.LinkedIn)
	if len(posts) != 1 || posts[0].Text != text {
		t.Fatalf("LinkedIn shows %q, want %q", posts[0].Text, text)
	}

	// Unescaped, LinkedIn would have cut it at the parenthesis.
	req, _ := http.NewRequest(http.MethodPost, w.sb.BaseURL(tokenwatch.LinkedIn)+"/rest/posts",
		strings.NewReader(`{"author":"urn:li:organization:501","commentary":"Croissants (fresh) at 7"}`))
	for k, v := range map[string]string{"Authorization": "Bearer " + w.issued.AccessToken, "LinkedIn-Version": "202603",
		"X-Restli-Protocol-Version": "2.0.0", "Content-Type": "application/json"} {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if posts := w.sb.Posts(tokenwatch.LinkedIn); resp.StatusCode != 201 || len(posts) != 2 || posts[1].Text != "Croissants " {
		t.Errorf("unescaped post: %d %+v, want the text cut at the parenthesis", resp.StatusCode, posts)
	}
}

// A member with more organizations than one organizationAcls page (the
// sandbox pages at most 50) sees them all, and a page on a later page is
// checked like any other.
func TestManyOrganizations(t *testing.T) {
	t.Parallel()
	const n = 120
	w := newWorld(t, day(2026, time.November, 28), n)
	p := w.provider("")
	ctx := context.Background()
	cands, err := p.Pages(ctx, &provider.Grant{Token: provider.Token{AccessToken: w.creds.AccessToken}})
	if err != nil {
		t.Fatal(err)
	}
	if len(cands) != n {
		t.Fatalf("Pages gave %d organizations, want %d", len(cands), n)
	}
	last := *w.page
	last.ProviderPageID = strconv.Itoa(501 + n - 1)
	if _, err := p.Inspect(ctx, &last, w.creds); err != nil {
		t.Errorf("Inspect of the last organization: %v", err)
	}
	w.sb.SetRole(tokenwatch.LinkedIn, last.ProviderPageID, alice, "ANALYST")
	if _, err := p.Inspect(ctx, &last, w.creds); provider.ClassOf(err) != tokenwatch.ClassPermissionMissing {
		t.Errorf("Inspect after the role was lost = %v, want permission missing", err)
	}
}

// introspectToken refuses a wrong client secret with 401: the app's
// problem, not the page's.
// https://learn.microsoft.com/en-us/linkedin/shared/authentication/token-introspection
func TestWrongSecretIsAServiceProblem(t *testing.T) {
	t.Parallel()
	w := newWorld(t, day(2026, time.November, 28), 1)
	w.cfg.ClientSecret = tokenwatch.NewSecret("a-rotated-secret-0123456789")
	p := w.provider("")
	_, err := p.Inspect(context.Background(), w.page, w.creds)
	if provider.ClassOf(err) != tokenwatch.ClassService {
		t.Errorf("Inspect with a wrong client secret = %v, want a service problem", err)
	}
	_, err = p.Refresh(context.Background(), w.page, w.creds)
	if provider.ClassOf(err) != tokenwatch.ClassService {
		t.Errorf("Refresh with a wrong client secret = %v, want a service problem", err)
	}
}

// The refresh token lives 365 days from the first consent; refreshing does
// not extend it, and on day 360 the new access token expires with it.
// https://learn.microsoft.com/en-us/linkedin/shared/authentication/programmatic-refresh-tokens
func TestRefreshNearTheEndOfTheRefreshToken(t *testing.T) {
	t.Parallel()
	start := day(2026, time.January, 5)
	w := newWorld(t, start, 1)
	now := start.AddDate(0, 0, 360)
	w.sb.SetClock(func() time.Time { return now })
	tok, err := w.provider("").Refresh(context.Background(), w.page, w.creds)
	if err != nil {
		t.Fatal(err)
	}
	// The provider reads lifetimes against the real clock; the sandbox's
	// answers are relative to its own.
	left := 5 * 24 * time.Hour
	if d := time.Until(tok.AccessExpiresAt) - left; d < -time.Minute || d > time.Minute {
		t.Errorf("access token expires in %v, want about %v", time.Until(tok.AccessExpiresAt), left)
	}
	if d := time.Until(tok.RefreshExpiresAt) - left; d < -time.Minute || d > time.Minute {
		t.Errorf("refresh token expires in %v, want about %v", time.Until(tok.RefreshExpiresAt), left)
	}
	if !tok.RefreshToken.IsZero() {
		t.Error("LinkedIn returns the same refresh token: nothing new to store")
	}
	later := start.AddDate(0, 0, 366)
	w.sb.SetClock(func() time.Time { return later })
	if _, err := w.provider("").Refresh(context.Background(), w.page, w.creds); provider.ClassOf(err) != tokenwatch.ClassMustReconnect {
		t.Errorf("Refresh after 365 days = %v, want must reconnect", err)
	}
}

func jsonDecode(resp *http.Response, v any) error {
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(v)
}
