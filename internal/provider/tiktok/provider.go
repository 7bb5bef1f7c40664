// Package tiktok connects TikTok accounts through Login Kit for Web: the
// app is identified by client_key (not client_id), access tokens live two
// hours and are refreshed on use, the refresh token rotates, and posts are
// direct posts of a video TikTok pulls from a URL, at a privacy level the
// creator's account offers.
package tiktok

import (
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/oauthx"
)

// Real endpoints.
const (
	authURL  = "https://www.tiktok.com/v2/auth/authorize/"
	tokenURL = "https://open.tiktokapis.com/v2/oauth/token/"
	apiHost  = "https://open.tiktokapis.com/"
)

// Scopes: user.info.basic reads the account (GET /v2/user/info/) and
// video.publish makes direct posts and queries creator_info
// (developers.tiktok.com/doc/content-posting-api-reference-direct-post).
// video.upload, for drafts sent to the creator's inbox, is not asked for:
// tokenwatch does not upload drafts, and every scope must be approved for
// the app.
var (
	scopes         = []string{"user.info.basic", "video.publish"}
	requiredScopes = scopes
)

// Lifetimes when a token response gives none. TikTok's token-management
// pages (developers.tiktok.com/docs/en/oauth-user-access-token-management,
// updated November 2026) give 2 hours and 180 days; older pages said 24
// hours and 365 days. The response's expires_in and refresh_expires_in win.
const (
	AccessLifetime  = 2 * time.Hour
	RefreshLifetime = 180 * 24 * time.Hour
)

// Provider is TikTok.
type Provider struct {
	c       *oauthx.Client
	cfg     provider.Config
	apiURL  string
	version string
}

var (
	_ provider.Provider  = (*Provider)(nil)
	_ provider.Diagnoser = (*Provider)(nil)
)

// New returns the provider.
func New(cfg provider.Config) *Provider {
	v := cfg.Version(provider.APITikTok)
	return &Provider{c: oauthx.NewClient(tokenwatch.TikTok, cfg, triage), cfg: cfg, apiURL: apiHost + v, version: v}
}

// Info describes TikTok. Login Kit for Web takes no PKCE (TikTok's desktop
// and mobile kits do, with a hex challenge of their own).
func (p *Provider) Info() provider.Info {
	return provider.Info{
		Name:           tokenwatch.TikTok,
		Scopes:         scopes,
		RequiredScopes: requiredScopes,
		PKCE:           false,
		AutoRefresh:    true,
		RefreshLead:    0,
		RequiredRole:   "the TikTok account itself",
		Troubleshooting: []string{
			"Sign in to TikTok as the account you are connecting; if another account is signed in on tiktok.com in this browser, " +
				"sign out first.",
			"Allow every permission TikTok asks for, including posting videos.",
			"Still failing? In the TikTok app, Settings and privacy → Security → Manage app permissions, remove the app, then reconnect.",
		},
	}
}
