package instagramfb_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/instagramfb"
	"github.com/tokenwatch/tokenwatch/internal/provider/meta"
	"github.com/tokenwatch/tokenwatch/internal/provider/providertest"
	"github.com/tokenwatch/tokenwatch/internal/sandbox"
)

const igID = "17841405822304914"

var post = provider.Post{Text: "Fresh bread", MediaURL: "https://cdn.example/bread.jpg"}

// connect connects Alice's Instagram account, linked to a Page on which she
// has CREATE_CONTENT (through a Business Portfolio when business), with a
// grant of scopes (default: everything tokenwatch asks for).
func connect(t *testing.T, business bool, scopes []string, configure func(*sandbox.Options)) (*sandbox.Server, *instagramfb.Provider, *tokenwatch.Page, tokenwatch.Credentials) {
	t.Helper()
	sb, err := sandbox.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	sb.AddApp(tokenwatch.InstagramFacebook, sandbox.App{ClientID: "app", ClientSecret: "secret-0123456789"})
	sb.AddAccount(tokenwatch.InstagramFacebook, sandbox.Account{ID: "1", Name: "Alice"})
	sb.AddPage(tokenwatch.InstagramFacebook, sandbox.Page{ID: igID, Name: "bakery", LinkedPageID: "501", LinkedPageName: "Bakery", Business: business})
	sb.SetRole(tokenwatch.InstagramFacebook, igID, "1", "CREATE_CONTENT")
	if configure != nil {
		sb.Configure(tokenwatch.InstagramFacebook, configure)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(transport.CloseIdleConnections)
	p := instagramfb.New(provider.Config{ClientID: "app", ClientSecret: tokenwatch.NewSecret("secret-0123456789"),
		BaseURL: sb.BaseURL(tokenwatch.InstagramFacebook), HTTPClient: &http.Client{Transport: transport, Timeout: 5 * time.Second}})
	p.SetPoll(meta.Poll{Interval: time.Millisecond, Timeout: 200 * time.Millisecond})
	if scopes == nil {
		scopes = p.Info().Scopes
	}
	issued, err := sb.IssueGrant(tokenwatch.InstagramFacebook, sandbox.GrantRequest{ClientID: "app", UserID: "1", PageID: igID, Scopes: scopes})
	if err != nil {
		t.Fatal(err)
	}
	return sb, p, &tokenwatch.Page{ProviderPageID: igID, Scopes: scopes}, tokenwatch.Credentials{AccessToken: tokenwatch.NewSecret(issued.AccessToken)}
}

// "If the app user was granted a role via the Business Manager on the
// Page connected to the targeted IG User, you will also need one of:
// ads_management, ads_read." tokenwatch asks for ads_read; with it such an
// account works, without it the refusal says what to do.
// https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-container
func TestBusinessPortfolioRoleNeedsAdsRead(t *testing.T) {
	t.Parallel()
	if !slices.Contains(instagramfb.New(provider.Config{}).Info().Scopes, "ads_read") {
		t.Fatal("ads_read is not requested")
	}
	sb, p, page, creds := connect(t, true, nil, nil)
	if _, err := p.Inspect(context.Background(), page, creds); err != nil {
		t.Errorf("Inspect with ads_read: %v", err)
	}
	if _, err := p.Publish(context.Background(), page, creds, post); err != nil {
		t.Errorf("Publish with ads_read: %v", err)
	}
	if len(sb.Posts(tokenwatch.InstagramFacebook)) != 1 {
		t.Error("nothing was published")
	}

	without := slices.DeleteFunc(slices.Clone(p.Info().Scopes), func(s string) bool { return s == "ads_read" })
	_, p, page, creds = connect(t, true, without, nil)
	for name, call := range map[string]func() error{
		"Inspect": func() error { _, err := p.Inspect(context.Background(), page, creds); return err },
		"Publish": func() error { _, err := p.Publish(context.Background(), page, creds, post); return err },
	} {
		var pe *provider.Error
		if err := call(); !errors.As(err, &pe) || pe.Class != tokenwatch.ClassPermissionMissing || !strings.Contains(pe.Message, "ads_read") ||
			!strings.Contains(pe.Message, "Business Portfolio") {
			t.Errorf("%s of a Business-Portfolio account without ads_read: %v, want permission missing naming ads_read", name, err)
		}
	}
	// A Page role given directly needs no ads permission.
	_, p, page, creds = connect(t, false, without, nil)
	if _, err := p.Inspect(context.Background(), page, creds); err != nil {
		t.Errorf("Inspect of a directly managed Page without ads_read: %v", err)
	}
}

// Publishing waits for the container (status_code) and refuses an ERROR
// container with Instagram's reason.
// https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-container
func TestPublishWaitsForTheContainer(t *testing.T) {
	t.Parallel()
	sb, p, page, creds := connect(t, false, nil, func(o *sandbox.Options) { o.ContainerReads = 2 })
	if _, err := p.Publish(context.Background(), page, creds, post); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if sb.Calls(tokenwatch.InstagramFacebook, sandbox.OpPublish) != 1 {
		t.Errorf("media_publish calls = %d, want 1", sb.Calls(tokenwatch.InstagramFacebook, sandbox.OpPublish))
	}
	sb.Configure(tokenwatch.InstagramFacebook, func(o *sandbox.Options) { o.ContainerError = "2207026" })
	_, err := p.Publish(context.Background(), page, creds, post)
	var pe *provider.Error
	if !errors.As(err, &pe) || !pe.Rejected || !strings.Contains(pe.Message, "2207026") {
		t.Errorf("ERROR container: %v, want a refused post", err)
	}
}

// Instagram's Business Use Case limit (80002) is transient; its delay is
// the header's estimated_time_to_regain_access.
// https://developers.facebook.com/docs/graph-api/overview/rate-limiting
func TestInstagramRateLimitIsTransient(t *testing.T) {
	t.Parallel()
	sb, p, page, creds := connect(t, false, nil, nil)
	sb.Fail(sandbox.Fault{Provider: tokenwatch.InstagramFacebook, Status: 400, Count: 1, Path: "/media",
		Headers: map[string]string{"X-Business-Use-Case-Usage": `{"` + igID + `":[{"type":"instagram","call_count":100,"total_cputime":10,"total_time":10,"estimated_time_to_regain_access":7}]}`},
		Body:    `{"error":{"message":"(#80002) There have been too many calls to this Instagram account. Wait a bit and try again.","type":"OAuthException","code":80002,"fbtrace_id":"AmFGcW_3hwDB7qFbl_QdebZ"}}`})
	_, err := p.Publish(context.Background(), page, creds, post)
	var pe *provider.Error
	if !errors.As(err, &pe) || pe.Class != tokenwatch.ClassTransient || pe.Rejected || pe.Code != "80002" || pe.RetryAfter != 7*time.Minute {
		t.Errorf("80002: %v, want transient after 7m", err)
	}
}

// The permissions asked for are the ones Meta documents for reading and
// publishing to the account, ads_read for Business-Portfolio roles, and no
// business_management (only for system users).
// https://developers.facebook.com/docs/instagram-platform/content-publishing
func TestScopesAreWhatMetaRequires(t *testing.T) {
	t.Parallel()
	info := instagramfb.New(provider.Config{}).Info()
	want := []string{"instagram_basic", "instagram_content_publish", "pages_show_list", "pages_read_engagement", "ads_read"}
	if !slices.Equal(info.Scopes, want) {
		t.Errorf("scopes = %v, want %v", info.Scopes, want)
	}
	if slices.Contains(info.RequiredScopes, "ads_read") {
		t.Error("ads_read cannot be required: only Business-Portfolio roles need it")
	}
}

// Answers copied from Meta's documentation, one file per behaviour (see
// each file's source), played through the provider's parser and triage.
func TestRecorded(t *testing.T) {
	t.Parallel()
	providertest.RunRecorded(t, func(c provider.Config) provider.Provider {
		p := instagramfb.New(c)
		p.SetPoll(meta.Poll{Interval: time.Millisecond, Timeout: time.Second})
		return p
	}, "testdata/recorded")
}
