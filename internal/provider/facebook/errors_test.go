package facebook_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/facebook"
	"github.com/tokenwatch/tokenwatch/internal/provider/meta"
	"github.com/tokenwatch/tokenwatch/internal/provider/providertest"
	"github.com/tokenwatch/tokenwatch/internal/sandbox"
)

// connected is a sandbox Facebook with one Page connected by Alice.
type connected struct {
	sb    *sandbox.Server
	p     *facebook.Provider
	page  *tokenwatch.Page
	creds tokenwatch.Credentials
}

func connect(t *testing.T) connected {
	t.Helper()
	sb, err := sandbox.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	sb.AddApp(tokenwatch.Facebook, sandbox.App{ClientID: "app", ClientSecret: "secret-0123456789"})
	sb.AddAccount(tokenwatch.Facebook, sandbox.Account{ID: "1", Name: "Alice"})
	sb.AddPage(tokenwatch.Facebook, sandbox.Page{ID: "501", Name: "Bakery"})
	sb.SetRole(tokenwatch.Facebook, "501", "1", "MANAGE")
	transport := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(transport.CloseIdleConnections)
	p := facebook.New(provider.Config{ClientID: "app", ClientSecret: tokenwatch.NewSecret("secret-0123456789"),
		BaseURL: sb.BaseURL(tokenwatch.Facebook), HTTPClient: &http.Client{Transport: transport, Timeout: 5 * time.Second}})
	issued, err := sb.IssueGrant(tokenwatch.Facebook, sandbox.GrantRequest{ClientID: "app", UserID: "1", PageID: "501", Scopes: p.Info().Scopes})
	if err != nil {
		t.Fatal(err)
	}
	return connected{sb: sb, p: p, page: &tokenwatch.Page{ProviderPageID: "501"},
		creds: tokenwatch.Credentials{AccessToken: tokenwatch.NewSecret(issued.AccessToken)}}
}

// A page token whose user lost their role on the Page: Meta answers 190
// with subcode 492. The page needs its role back (or someone with a role
// to reconnect), which is what the error says: not revoked, not expired.
// https://developers.facebook.com/docs/graph-api/guides/error-handling
func TestRoleLossIsPermissionMissing(t *testing.T) {
	t.Parallel()
	c := connect(t)
	c.sb.SetRole(tokenwatch.Facebook, "501", "1", "")
	for name, call := range map[string]func() error{
		"Inspect": func() error { _, err := c.p.Inspect(context.Background(), c.page, c.creds); return err },
		"Publish": func() error {
			_, err := c.p.Publish(context.Background(), c.page, c.creds, provider.Post{Text: "hello"})
			return err
		},
	} {
		var pe *provider.Error
		if err := call(); !errors.As(err, &pe) || pe.Class != tokenwatch.ClassPermissionMissing || pe.Code != "190/492" || pe.Message != meta.RoleLostMessage {
			t.Errorf("%s after the role was removed: %v, want permission missing 190/492 saying %q", name, err, meta.RoleLostMessage)
		}
	}
	c.sb.SetRole(tokenwatch.Facebook, "501", "1", "MANAGE")
	if _, err := c.p.Inspect(context.Background(), c.page, c.creds); err != nil {
		t.Errorf("once the role is restored the same token works: %v", err)
	}
}

// Rate limits are transient, in the shapes Meta documents: 80001 for a
// Page token's Business Use Case limit (with X-Business-Use-Case-Usage,
// whose estimated_time_to_regain_access is the delay), 32 for the Pages
// API limit with a user token, 4 and 17 for the app and user limits.
// https://developers.facebook.com/docs/graph-api/overview/rate-limiting
func TestRateLimitsAreTransient(t *testing.T) {
	t.Parallel()
	c := connect(t)
	for _, tc := range []struct {
		code    string
		body    string
		headers map[string]string
		delay   time.Duration
	}{
		{"80001", `{"error":{"message":"(#80001) There have been too many calls to this Page account. Wait a bit and try again. For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting.","type":"OAuthException","code":80001,"fbtrace_id":"AmFGcW_3hwDB7qFbl_QdebZ"}}`,
			map[string]string{"X-Business-Use-Case-Usage": `{"501":[{"type":"pages","call_count":100,"total_cputime":25,"total_time":25,"estimated_time_to_regain_access":19}]}`}, 19 * time.Minute},
		{"32", `{"error":{"message":"(#32) Page request limit reached","type":"OAuthException","code":32,"fbtrace_id":"Fz54k3GZrio"}}`, nil, 0},
		{"4", `{"error":{"message":"(#4) Application request limit reached","type":"OAuthException","code":4,"fbtrace_id":"Fz54k3GZrio"}}`,
			map[string]string{"X-App-Usage": `{"call_count":100,"total_time":25,"total_cputime":25}`}, 0},
		{"17", `{"error":{"message":"(#17) User request limit reached","type":"OAuthException","code":17,"fbtrace_id":"Fz54k3GZrio"}}`, nil, 0},
	} {
		c.sb.Fail(sandbox.Fault{Provider: tokenwatch.Facebook, Status: 400, Count: 1, Body: tc.body, Headers: tc.headers})
		_, err := c.p.Publish(context.Background(), c.page, c.creds, provider.Post{Text: "rate " + tc.code})
		var pe *provider.Error
		if !errors.As(err, &pe) || pe.Class != tokenwatch.ClassTransient || pe.Rejected || pe.Code != tc.code || pe.RetryAfter != tc.delay {
			t.Errorf("%s: %+v, want transient, not refused, retry after %v", tc.code, err, tc.delay)
		}
	}
}

// The permissions asked for are what posting to a Page needs; Meta needs
// business_management only for system users.
// https://developers.facebook.com/docs/pages-api/manage-pages
func TestScopesAreWhatMetaRequires(t *testing.T) {
	t.Parallel()
	info := facebook.New(provider.Config{}).Info()
	if got, want := info.Scopes, []string{"pages_show_list", "pages_read_engagement", "pages_manage_posts"}; !slices.Equal(got, want) {
		t.Errorf("scopes = %v, want %v", got, want)
	}
}

// Answers copied from Meta's documentation, one file per behaviour (see
// each file's source), played through the provider's parser and triage.
func TestRecorded(t *testing.T) {
	t.Parallel()
	providertest.RunRecorded(t, func(c provider.Config) provider.Provider { return facebook.New(c) }, "testdata/recorded")
}
