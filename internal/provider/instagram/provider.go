// Package instagram connects Instagram professional accounts through
// Instagram Login (no Facebook Page): the account consents itself, its
// 60-day token is prolonged with ig_refresh_token, and a /me call checks it.
package instagram

import (
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/meta"
)

// Real endpoints.
const (
	authURL      = "https://www.instagram.com/oauth/authorize"
	tokenURL     = "https://api.instagram.com/oauth/access_token"
	longLivedURL = "https://graph.instagram.com/access_token"
	refreshURL   = "https://graph.instagram.com/refresh_access_token"
)

// graphURL is graph.instagram.com at a Graph API version: the Instagram
// Platform follows the Graph API's versions (provider.APIMetaGraph).
// https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/get-started
func graphURL(version string) string { return "https://graph.instagram.com/" + version }

var scopes = []string{"instagram_business_basic", "instagram_business_content_publish"}

// MinRefreshAge is how old a long-lived token must be before Instagram
// prolongs it.
const MinRefreshAge = 24 * time.Hour

// Provider is Instagram through Instagram Login.
type Provider struct {
	login *meta.AccountLogin
	graph string // graphURL at the configured version
	poll  meta.Poll
}

var _ provider.Provider = (*Provider)(nil)

// New returns the provider.
func New(cfg provider.Config) *Provider {
	graph := graphURL(cfg.Version(provider.APIMetaGraph))
	return &Provider{graph: graph, poll: meta.DefaultPoll, login: meta.NewAccountLogin(tokenwatch.Instagram, cfg, scopes, meta.AccountEndpoints{
		Auth: authURL, Token: tokenURL, LongLived: longLivedURL, Refresh: refreshURL, Me: graph + "/me",
		ExchangeGrant: "ig_exchange_token", RefreshGrant: "ig_refresh_token", MeFields: "user_id,username",
		AccountIsUserID: true,
	})}
}

// Info describes Instagram Login.
func (p *Provider) Info() provider.Info {
	return meta.Info(tokenwatch.Instagram, scopes, scopes, "the Instagram professional account itself", troubleshooting)
}

var troubleshooting = []string{
	"Sign in to Instagram as the account you are connecting (not a personal account that manages it), " +
		"and make sure it is a professional account: Settings → Account type and tools.",
	"If you are signed in to another Instagram account in this browser, sign out of instagram.com first.",
	"Allow every permission Instagram asks for, including publishing content.",
	"Still failing? In Instagram, Settings → Website permissions → Apps and websites, remove the app, then reconnect.",
}
