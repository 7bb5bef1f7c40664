package youtube_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/youtube"
	"github.com/tokenwatch/tokenwatch/internal/sandbox"
)

const (
	clientID = "tokenwatch-app"
	secret   = "yt-app-secret-0123456789"
	redirect = "https://tokenwatch.test/oauth/youtube/callback"
	alice    = "1784140001"
	channel  = "UC_x5XG1OV2P6uZZ5FSM9Ttw"
)

func sandboxed(t *testing.T, app sandbox.App) (*sandbox.Server, *youtube.Provider, *tokenwatch.Page, tokenwatch.Credentials) {
	t.Helper()
	sb, err := sandbox.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	app.ClientID, app.ClientSecret, app.RedirectURIs = clientID, secret, []string{redirect}
	sb.AddApp(tokenwatch.YouTube, app)
	sb.AddAccount(tokenwatch.YouTube, sandbox.Account{ID: alice, Name: "Alice Example"})
	sb.AddPage(tokenwatch.YouTube, sandbox.Page{ID: channel, Name: "Bakery TV"})
	sb.SetRole(tokenwatch.YouTube, channel, alice, "owner")
	p := youtube.New(config(sb, secret))
	issued, err := sb.IssueGrant(tokenwatch.YouTube, sandbox.GrantRequest{ClientID: clientID, UserID: alice, Scopes: p.Info().Scopes})
	if err != nil {
		t.Fatal(err)
	}
	page := &tokenwatch.Page{Provider: tokenwatch.YouTube, ProviderPageID: channel, ProviderUserID: alice, AutoRefresh: true}
	return sb, p, page, tokenwatch.Credentials{AccessToken: tokenwatch.NewSecret(issued.AccessToken), RefreshToken: tokenwatch.NewSecret(issued.RefreshToken)}
}

func config(sb *sandbox.Server, secret string) provider.Config {
	return provider.Config{ClientID: clientID, ClientSecret: tokenwatch.NewSecret(secret), BaseURL: sb.BaseURL(tokenwatch.YouTube),
		HTTPClient: &http.Client{Timeout: 10 * time.Second, Transport: http.DefaultTransport.(*http.Transport).Clone()}}
}

func video(sb *sandbox.Server) provider.Post {
	return provider.Post{Text: "Fresh bread at 7", Link: "https://bakery.example/today", MediaURL: sb.URL + "/_sandbox/media/bread.mp4"}
}

// TestUnauditedUploadIsPrivateWithANote: YouTube restricts uploads from
// API projects it has not audited to private viewing
// (https://developers.google.com/youtube/v3/docs/videos/insert). The
// upload is published all the same; the note says why it is private. It
// is neither an error nor a page problem.
func TestUnauditedUploadIsPrivateWithANote(t *testing.T) {
	t.Parallel()
	for _, audited := range []bool{false, true} {
		sb, p, page, creds := sandboxed(t, sandbox.App{Audited: audited})
		pub, err := p.Publish(context.Background(), page, creds, video(sb))
		if err != nil || pub.ID == "" {
			t.Fatalf("audited %v: Publish = %+v, %v", audited, pub, err)
		}
		if noted := strings.Contains(pub.Note, "private"); noted == audited {
			t.Errorf("audited %v: note %q", audited, pub.Note)
		}
		// The video's watch page, https://www.youtube.com/watch?v={id},
		// moved to the sandbox.
		if want := sb.BaseURL(tokenwatch.YouTube) + "/watch?v=" + pub.ID; pub.URL != want {
			t.Errorf("audited %v: the video's link is %q, want %q", audited, pub.URL, want)
		}
	}
}

// TestDailyQuota: videos.insert costs 1,600 units of a project's default
// 10,000 a day (https://developers.google.com/youtube/v3/docs/videos/insert,
// https://developers.google.com/youtube/v3/getting-started#quota); the
// seventh upload of the day is refused with quotaExceeded, a service
// problem of tokenwatch's app, not of the page. The quota comes back the
// next day (midnight Pacific Time).
func TestDailyQuota(t *testing.T) {
	t.Parallel()
	sb, p, page, _ := sandboxed(t, sandbox.App{})
	ctx := context.Background()
	// The day's uploads at noon Pacific Time, the next one a day later, on
	// the sandbox's clock: run just before midnight on the real clock, the
	// uploads would straddle the quota's new day.
	pacific, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	noon := time.Date(2026, 11, 20, 12, 0, 0, 0, pacific)
	at := func(now time.Time) tokenwatch.Credentials {
		t.Helper()
		sb.SetClock(func() time.Time { return now })
		issued, err := sb.IssueGrant(tokenwatch.YouTube, sandbox.GrantRequest{ClientID: clientID, UserID: alice, Scopes: p.Info().Scopes})
		if err != nil {
			t.Fatal(err)
		}
		return tokenwatch.Credentials{AccessToken: tokenwatch.NewSecret(issued.AccessToken)}
	}
	creds := at(noon)
	for i := range 6 {
		if _, err := p.Publish(ctx, page, creds, video(sb)); err != nil {
			t.Fatalf("upload %d: %v", i+1, err)
		}
	}
	_, err = p.Publish(ctx, page, creds, video(sb))
	var pe *provider.Error
	if !errors.As(err, &pe) || pe.Class != tokenwatch.ClassService || pe.Code != "quotaExceeded" || pe.RefreshMayFix {
		t.Fatalf("seventh upload: %v, want a quotaExceeded service problem", err)
	}
	if _, err := p.Pages(ctx, &provider.Grant{Token: provider.Token{AccessToken: creds.AccessToken}}); err != nil {
		t.Errorf("a 1-unit channels.list with 400 units left: %v", err)
	}
	if _, err := p.Publish(ctx, page, at(noon.Add(24*time.Hour)), video(sb)); err != nil {
		t.Errorf("an upload the next day: %v", err)
	}
}

// TestAPINotEnabled: a project without the YouTube Data API enabled is
// answered 403 accessNotConfigured: the app's configuration.
func TestAPINotEnabled(t *testing.T) {
	t.Parallel()
	sb, p, page, creds := sandboxed(t, sandbox.App{Standing: sandbox.StandingAPIDisabled})
	_, err := p.Publish(context.Background(), page, creds, video(sb))
	if provider.ClassOf(err) != tokenwatch.ClassService {
		t.Errorf("publish with the API disabled: %v, want a service problem", err)
	}
}

func TestDiagnose(t *testing.T) {
	t.Parallel()
	sb, _, _, _ := sandboxed(t, sandbox.App{})
	for _, tc := range []struct {
		secret string
		ok     bool
	}{{secret, true}, {"a-wrong-secret-0123456789", false}} {
		f := youtube.New(config(sb, tc.secret)).Diagnose(context.Background(), redirect)
		if len(f) != 2 || f[0].OK != tc.ok || !f[1].OK {
			t.Errorf("secret %q: %+v, want credentials OK %v", tc.secret, f, tc.ok)
		}
	}
}
