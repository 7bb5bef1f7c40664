// Package pinterest connects Pinterest accounts: OAuth with basic client
// authentication, 30-day access tokens refreshed on use, and pins on the
// account's first board.
package pinterest

import (
	"strings"

	"golang.org/x/oauth2"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/oauthx"
)

// Real endpoints.
const (
	authURL  = "https://www.pinterest.com/oauth/"
	tokenURL = "https://api.pinterest.com/v5/oauth/token"
	apiURL   = "https://api.pinterest.com/v5"
)

var scopes = []string{"user_accounts:read", "boards:read", "pins:read", "pins:write"}

// Provider is Pinterest.
type Provider struct {
	oauth *oauthx.OAuth2
}

var _ provider.Provider = (*Provider)(nil)

// New returns the provider.
func New(cfg provider.Config) *Provider {
	c := oauthx.NewClient(tokenwatch.Pinterest, cfg, triage)
	// Pinterest wants comma-separated scopes, which golang.org/x/oauth2
	// does not write: they go in as a plain parameter.
	o := oauthx.NewOAuth2(c, cfg, authURL, tokenURL, oauth2.AuthStyleInHeader, nil)
	o.AuthParams = map[string]string{"scope": strings.Join(scopes, ",")}
	o.RefreshExpiryField = "refresh_token_expires_in"
	return &Provider{oauth: o}
}

// Info describes Pinterest. Pinterest documents no PKCE for its web flow.
func (p *Provider) Info() provider.Info {
	return provider.Info{
		Name:           tokenwatch.Pinterest,
		Scopes:         scopes,
		RequiredScopes: scopes,
		PKCE:           false,
		AutoRefresh:    true,
		RefreshLead:    0,
		RequiredRole:   "the Pinterest account itself",
		Troubleshooting: []string{
			"Sign in to Pinterest as the account you are connecting (a business account); if another account is " +
				"signed in on pinterest.com in this browser, sign out first.",
			"The account needs at least one board: pins go to its first board.",
			"Still failing? On pinterest.com, Settings → Security and logins → Apps, revoke the app, then reconnect.",
		},
	}
}
