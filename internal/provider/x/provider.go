// Package x connects X accounts with OAuth 2.0 and PKCE: two-hour access
// tokens refreshed on use with single-use, rotating refresh tokens.
package x

import (
	"golang.org/x/oauth2"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/oauthx"
)

// Real endpoints.
const (
	authURL  = "https://x.com/i/oauth2/authorize"
	tokenURL = "https://api.x.com/2/oauth2/token"
	apiURL   = "https://api.x.com/2"
)

// offline.access is what makes X issue a refresh token.
var scopes = []string{"tweet.read", "tweet.write", "users.read", "offline.access"}

// Provider is X.
type Provider struct {
	oauth *oauthx.OAuth2
}

var _ provider.Provider = (*Provider)(nil)

// New returns the provider; the app is a confidential client (basic auth
// at the token endpoint).
func New(cfg provider.Config) *Provider {
	c := oauthx.NewClient(tokenwatch.X, cfg, triage)
	o := oauthx.NewOAuth2(c, cfg, authURL, tokenURL, oauth2.AuthStyleInHeader, scopes)
	o.PKCE = true
	return &Provider{oauth: o}
}

// Info describes X. Refresh tokens rotate: the caller must persist the new
// one before using the new access token, one refresh at a time per page.
func (p *Provider) Info() provider.Info {
	return provider.Info{
		Name:           tokenwatch.X,
		Scopes:         scopes,
		RequiredScopes: scopes,
		PKCE:           true,
		AutoRefresh:    true,
		RefreshLead:    0,
		RequiredRole:   "the X account itself",
		Troubleshooting: []string{
			"Sign in to X as the account you are connecting; if another account is signed in on x.com in this browser, " +
				"switch to the right one or sign out first.",
			"Allow every permission X asks for, including \"Stay connected\" (offline access): without it the connection lasts two hours.",
			"If X says the account is locked or suspended, resolve that on x.com first.",
			"Still failing? On x.com, Settings → Security and account access → Apps and sessions → Connected apps, " +
				"revoke the app, then reconnect.",
		},
	}
}
