// Package pinterest connects Pinterest accounts: OAuth with HTTP Basic
// client authentication at the token endpoint, 30-day access tokens
// refreshed on use, continuous refresh tokens (a new 60-day one on every
// refresh), and pins on a board the account owns.
package pinterest

import (
	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/oauthx"
)

// Real endpoints.
const (
	authURL  = "https://www.pinterest.com/oauth/"
	tokenURL = "https://api.pinterest.com/v5/oauth/token"
	apiHost  = "https://api.pinterest.com/"
)

// Scopes. Creating a pin needs boards:read, boards:write, pins:read and
// pins:write (the security of pins/create in Pinterest's OpenAPI
// description, github.com/pinterest/api-description v5/openapi.yaml);
// reading the account needs user_accounts:read.
var scopes = []string{"user_accounts:read", "boards:read", "boards:write", "pins:read", "pins:write"}

// Provider is Pinterest.
type Provider struct {
	// api calls the API, tok the token endpoint: Pinterest words their
	// errors alike ({code, message}) but code 2 means a dead access token
	// at the one and refused app credentials at the other.
	api, tok *oauthx.Client
	cfg      provider.Config
	apiURL   string
}

var (
	_ provider.Provider  = (*Provider)(nil)
	_ provider.Diagnoser = (*Provider)(nil)
)

// New returns the provider.
func New(cfg provider.Config) *Provider {
	return &Provider{
		api: oauthx.NewClient(tokenwatch.Pinterest, cfg, apiTriage),
		tok: oauthx.NewClient(tokenwatch.Pinterest, cfg, tokenTriage),
		cfg: cfg, apiURL: apiHost + cfg.Version(provider.APIPinterest),
	}
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
			"The account needs a board of its own: pins go to its first own board (not a group board it only collaborates on).",
			"Still failing? On pinterest.com, Settings → Security and logins → Apps, revoke the app, then reconnect.",
		},
	}
}
