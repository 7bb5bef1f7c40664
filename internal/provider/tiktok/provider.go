// Package tiktok connects TikTok accounts through Login Kit for Web: the
// app is identified by client_key (not client_id), access tokens are
// refreshed on use, and the refresh token rotates.
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
	apiURL   = "https://open.tiktokapis.com/v2"
)

var (
	scopes         = []string{"user.info.basic", "video.publish", "video.upload"}
	requiredScopes = []string{"user.info.basic", "video.publish"}
)

// Lifetimes when a response gives none (TikTok's own pages disagree).
const (
	AccessLifetime  = 24 * time.Hour
	RefreshLifetime = 365 * 24 * time.Hour
)

// Provider is TikTok.
type Provider struct {
	c   *oauthx.Client
	cfg provider.Config
}

var _ provider.Provider = (*Provider)(nil)

// New returns the provider.
func New(cfg provider.Config) *Provider {
	return &Provider{c: oauthx.NewClient(tokenwatch.TikTok, cfg, triage), cfg: cfg}
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
