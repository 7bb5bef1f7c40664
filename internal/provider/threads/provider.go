// Package threads connects Threads profiles: the profile consents itself,
// its 60-day token is prolonged with th_refresh_token and checked with a
// /me call.
package threads

import (
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/meta"
)

// Real endpoints. Authorization lives at threads.com (PROVIDERS.md, review
// of 28 November 2026); the API answers at graph.threads.net (also
// graph.threads.com): https://developers.facebook.com/docs/threads/overview,
// https://developers.facebook.com/docs/threads/get-started/long-lived-tokens
const (
	authURL      = "https://threads.com/oauth/authorize"
	tokenURL     = "https://graph.threads.net/oauth/access_token"
	longLivedURL = "https://graph.threads.net/access_token"
	refreshURL   = "https://graph.threads.net/refresh_access_token"
)

// graphURL is the Threads API at a version (provider.APIThreads, v1.0).
// https://developers.facebook.com/docs/threads/overview
func graphURL(version string) string { return "https://graph.threads.net/" + version }

var scopes = []string{"threads_basic", "threads_content_publish"}

// MinRefreshAge is how old a long-lived token must be before Threads
// prolongs it.
const MinRefreshAge = 24 * time.Hour

// Provider is Threads.
type Provider struct {
	login *meta.AccountLogin
	graph string // graphURL at the configured version
	poll  meta.Poll
}

var _ provider.Provider = (*Provider)(nil)

// New returns the provider.
func New(cfg provider.Config) *Provider {
	graph := graphURL(cfg.Version(provider.APIThreads))
	return &Provider{graph: graph, poll: meta.DefaultPoll, login: meta.NewAccountLogin(tokenwatch.Threads, cfg, scopes, meta.AccountEndpoints{
		Auth: authURL, Token: tokenURL, LongLived: longLivedURL, Refresh: refreshURL, Me: graph + "/me",
		ExchangeGrant: "th_exchange_token", RefreshGrant: "th_refresh_token", MeFields: "id,username",
	})}
}

// Info describes Threads.
func (p *Provider) Info() provider.Info {
	return meta.Info(tokenwatch.Threads, scopes, scopes, "the Threads profile itself", troubleshooting)
}

var troubleshooting = []string{
	"Sign in to Threads (with its Instagram login) as the profile you are connecting; " +
		"if another profile is signed in on threads.net in this browser, sign out first.",
	"Allow every permission Threads asks for, including publishing.",
	"Still failing? In Threads, Settings → Account → Website permissions, remove the app, then reconnect.",
}
