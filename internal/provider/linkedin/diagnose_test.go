package linkedin

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/oauthx"
	"github.com/tokenwatch/tokenwatch/internal/sandbox"
)

// Diagnose against the sandbox: with the app's secret the made-up code is
// refused for the code (LinkedIn's invalid_request "Unable to retrieve
// access token…"), with a wrong one the client is refused (invalid_client).
// https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow#api-error-details
func TestDiagnose(t *testing.T) {
	t.Parallel()
	sb, err := sandbox.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	const redirect = "https://tokenwatch.test/oauth/linkedin/callback"
	sb.AddApp(tokenwatch.LinkedIn, sandbox.App{ClientID: "app", ClientSecret: "the-secret-0123456789", RedirectURIs: []string{redirect}})
	for _, tc := range []struct {
		secret string
		ok     bool
	}{{"the-secret-0123456789", true}, {"a-wrong-secret-0123456789", false}} {
		p := New(provider.Config{ClientID: "app", ClientSecret: tokenwatch.NewSecret(tc.secret), BaseURL: sb.BaseURL(tokenwatch.LinkedIn),
			HTTPClient: &http.Client{Timeout: 5 * time.Second}})
		findings := p.Diagnose(context.Background(), redirect)
		if len(findings) != 3 {
			t.Fatalf("findings = %+v, want credentials, version, redirect URI", findings)
		}
		creds := findings[0]
		if creds.Check != "app credentials" || creds.OK != tc.ok || strings.Contains(creds.Detail, tc.secret) {
			t.Errorf("secret %s: %+v, want OK %v", tc.secret, creds, tc.ok)
		}
		if v := findings[1]; !v.OK || v.Check != "API version "+provider.LookupAPI(provider.APILinkedIn).Default || !strings.Contains(v.Detail, "first call") {
			t.Errorf("version finding = %+v", v)
		}
		if r := findings[2]; !r.OK {
			t.Errorf("redirect finding = %+v", r)
		}
	}
}

// What Diagnose says of a LinkedIn-Version at a given day, from the
// migrations table and the "minimum of one year" rule.
// https://learn.microsoft.com/en-us/linkedin/marketing/integrations/migrations
func TestVersionFinding(t *testing.T) {
	t.Parallel()
	api := provider.LookupAPI(provider.APILinkedIn)
	at := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, time.UTC) }
	for _, tc := range []struct {
		version string
		now     time.Time
		ok      bool
		says    string
	}{
		{"202511", at(2026, time.November, 28), false, "16 November 2026"},
		{"202603", at(2026, time.November, 28), true, "until 16 March 2027, 107 days"},
		{"202601", at(2026, time.November, 28), true, "newer version before then"},
		{"202609", at(2026, time.November, 28), true, "until about September 2027"},
		{"202512", at(2026, time.November, 28), false, "published no version 202512"},
		{"202612", at(2026, time.November, 28), false, "not released"},
		{"202409", at(2026, time.November, 28), false, "older than that"},
		{"2026-03", at(2026, time.November, 28), false, "TOKENWATCH_LINKEDIN_API_VERSION"},
	} {
		f := versionFinding(api, tc.version, tc.now)
		if f.OK != tc.ok || !strings.Contains(f.Detail, tc.says) || f.Check != "API version "+tc.version {
			t.Errorf("%s at %s: %+v, want OK %v saying %q", tc.version, tc.now.Format(time.DateOnly), f, tc.ok, tc.says)
		}
	}
}

func TestRedirectFinding(t *testing.T) {
	t.Parallel()
	for uri, ok := range map[string]bool{
		"https://tokenwatch.example/oauth/linkedin/callback": true,
		"http://localhost:8080/oauth/linkedin/callback":      true,
		"http://127.0.0.1:8080/oauth/linkedin/callback":      true,
		"http://tokenwatch.example/oauth/linkedin/callback":  false,
		"/oauth/linkedin/callback":                           false,
		"https://tokenwatch.example/cb#x":                    false,
		"":                                                   false,
	} {
		if f := oauthx.RedirectFinding(uri, "LinkedIn"); f.OK != ok || f.Detail == "" {
			t.Errorf("%q: %+v, want OK %v", uri, f, ok)
		}
	}
}
