package facebook

import (
	"context"

	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// AuthCodeURL returns Facebook Login's dialog; Facebook Login takes no PKCE
// outside its OIDC flow, so verifier is unused.
func (p *Provider) AuthCodeURL(state, verifier, redirectURI string) string {
	return p.login.AuthCodeURL(state, redirectURI)
}

// Exchange trades the code for a long-lived user token and says who the
// user is; the page tokens come from Pages.
func (p *Provider) Exchange(ctx context.Context, code, verifier, redirectURI string) (*provider.Grant, error) {
	return p.login.Exchange(ctx, code, redirectURI)
}
