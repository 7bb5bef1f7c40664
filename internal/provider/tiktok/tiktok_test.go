package tiktok_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/providertest"
	"github.com/tokenwatch/tokenwatch/internal/provider/tiktok"
	"github.com/tokenwatch/tokenwatch/internal/sandbox"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	providertest.Run(t, providertest.Spec{
		New:   func(c provider.Config) provider.Provider { return tiktok.New(c) },
		Scope: "video.publish",
		// video/init answers a publish_id, not the post: TikTok names the
		// post only after moderation (content-posting-api-reference-get-video-status).
		NoPostLink: "TikTok gives no post id at publishing",
	})
}

func TestRecorded(t *testing.T) {
	t.Parallel()
	providertest.RunRecorded(t, func(c provider.Config) provider.Provider { return tiktok.New(c) }, "testdata/recorded")
}

// world is a sandbox with tokenwatch's TikTok app and six accounts, each
// connected with every scope tokenwatch asks for.
type world struct {
	sb    *sandbox.Server
	p     *tiktok.Provider
	creds map[string]tokenwatch.Credentials
}

const secret = "tiktok-secret-0123456789"

func newWorld(t *testing.T) *world {
	t.Helper()
	sb, err := sandbox.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	sb.AddApp(tokenwatch.TikTok, sandbox.App{ClientID: "awkey123", ClientSecret: secret, RedirectURIs: []string{"https://tokenwatch.test/cb"}})
	w := &world{sb: sb, creds: map[string]tokenwatch.Credentials{}}
	w.p = tiktok.New(w.config(secret))
	for _, id := range []string{"u1", "u2", "u3", "u4", "u5", "u6"} {
		sb.AddAccount(tokenwatch.TikTok, sandbox.Account{ID: id, Name: "Creator " + id})
		g, err := sb.IssueGrant(tokenwatch.TikTok, sandbox.GrantRequest{ClientID: "awkey123", UserID: id, Scopes: w.p.Info().Scopes})
		if err != nil {
			t.Fatal(err)
		}
		w.creds[id] = tokenwatch.Credentials{AccessToken: tokenwatch.NewSecret(g.AccessToken), RefreshToken: tokenwatch.NewSecret(g.RefreshToken)}
	}
	return w
}

func (w *world) config(secret string) provider.Config {
	return provider.Config{ClientID: "awkey123", ClientSecret: tokenwatch.NewSecret(secret), BaseURL: w.sb.BaseURL(tokenwatch.TikTok),
		HTTPClient: &http.Client{Timeout: 5 * time.Second, Transport: http.DefaultTransport.(*http.Transport).Clone()}}
}

func (w *world) publish(user string) (provider.Published, error) {
	page := &tokenwatch.Page{Provider: tokenwatch.TikTok, ProviderPageID: user, ProviderUserID: user}
	return w.p.Publish(context.Background(), page, w.creds[user], provider.Post{Text: "Bread at 7", MediaURL: w.sb.URL + "/_sandbox/media/bread.mp4"})
}

func wantError(t *testing.T, what string, err error, class tokenwatch.ErrorClass, code string, rejected bool) *provider.Error {
	t.Helper()
	var pe *provider.Error
	if !errors.As(err, &pe) || pe.Class != class || pe.Code != code || pe.Rejected != rejected {
		t.Fatalf("%s: %v, want %s %s rejected %v", what, err, class, code, rejected)
	}
	return pe
}

// TestDirectPostUsesAPrivacyLevelTikTokOffers: creator_info first, then a
// privacy level among those it returned, the most public one
// (developers.tiktok.com/doc/content-posting-api-reference-direct-post).
func TestDirectPostUsesAPrivacyLevelTikTokOffers(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	if _, err := w.publish("u1"); err != nil {
		t.Fatalf("public account: %v", err)
	}
	// A private account is offered FOLLOWER_OF_CREATOR, not PUBLIC_TO_EVERYONE.
	w.sb.SetTikTokCreator("u2", sandbox.TikTokCreator{Private: true})
	if _, err := w.publish("u2"); err != nil {
		t.Fatalf("private account: %v", err)
	}
	if n := len(w.sb.Posts(tokenwatch.TikTok)); n != 2 {
		t.Errorf("%d posts, want 2", n)
	}
}

// TestCreatorWhoCannotPostNow: TikTok's refusals of the creator are the
// post's, never the connection's.
func TestCreatorWhoCannotPostNow(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.sb.SetTikTokCreator("u1", sandbox.TikTokCreator{DailyCapReached: true})
	_, err := w.publish("u1")
	wantError(t, "daily cap", err, tokenwatch.ClassTransient, "spam_risk_too_many_posts", false)
	w.sb.SetTikTokCreator("u1", sandbox.TikTokCreator{BannedFromPosting: true})
	_, err = w.publish("u1")
	wantError(t, "banned", err, tokenwatch.ClassTransient, "spam_risk_user_banned_from_posting", true)
}

// TestUnauditedApp: an unaudited app's limits are tokenwatch's problem
// (ClassService), explained (developers.tiktok.com/doc/content-sharing-guidelines).
func TestUnauditedApp(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.sb.SetTikTokApp(sandbox.TikTokApp{Unaudited: true})
	_, err := w.publish("u1")
	pe := wantError(t, "public account, unaudited app", err, tokenwatch.ClassService, "unaudited_client_can_only_post_to_private_accounts", false)
	if !strings.Contains(pe.Message, "audit") {
		t.Errorf("message %q does not say the app needs an audit", pe.Message)
	}
	for _, u := range []string{"u1", "u2", "u3", "u4", "u5", "u6"} {
		w.sb.SetTikTokCreator(u, sandbox.TikTokCreator{Private: true})
	}
	for _, u := range []string{"u1", "u2", "u3", "u4", "u5"} {
		if _, err := w.publish(u); err != nil {
			t.Fatalf("%s: %v", u, err)
		}
	}
	_, err = w.publish("u6")
	wantError(t, "a sixth user in a day", err, tokenwatch.ClassService, "reached_active_user_cap", false)
}

// TestUnverifiedURLPrefix: PULL_FROM_URL needs a URL prefix the app
// verified; the message says where to verify it.
func TestUnverifiedURLPrefix(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	page := &tokenwatch.Page{Provider: tokenwatch.TikTok, ProviderPageID: "u1", ProviderUserID: "u1"}
	_, err := w.p.Publish(context.Background(), page, w.creds["u1"], provider.Post{Text: "x", MediaURL: "https://cdn.bakery.example/v.mp4"})
	pe := wantError(t, "unverified prefix", err, tokenwatch.ClassService, "url_ownership_unverified", false)
	if !strings.Contains(pe.Message, "URL properties") {
		t.Errorf("message %q does not say how to verify the prefix", pe.Message)
	}
}

// TestDiagnose probes the app's credentials at the sandbox, which answers
// a made-up code as TikTok does: invalid_grant for a known app,
// invalid_client for a wrong secret.
func TestDiagnose(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	good := w.p.Diagnose(context.Background(), "https://tokenwatch.test/oauth/tiktok/callback")
	if len(good) != 2 || !good[0].OK || !good[1].OK {
		t.Errorf("right secret: %+v", good)
	}
	bad := tiktok.New(w.config("a-wrong-secret-0123456789")).Diagnose(context.Background(), "http://localhost:8080/oauth/tiktok/callback?x=1")
	if bad[0].OK || !strings.Contains(bad[0].Detail, "client id and secret") {
		t.Errorf("wrong secret: %+v", bad[0])
	}
	if bad[1].OK || !strings.Contains(bad[1].Detail, "https") {
		t.Errorf("an http redirect URI: %+v", bad[1])
	}
	for _, f := range bad {
		if strings.Contains(f.Detail, "a-wrong-secret") {
			t.Errorf("a finding quotes the secret: %+v", f)
		}
	}
}
