package instagramfb

import (
	"context"

	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// AuthCodeURL returns Facebook Login's dialog (no PKCE: see meta.Login).
func (p *Provider) AuthCodeURL(state, verifier, redirectURI string) string {
	return p.login.AuthCodeURL(state, redirectURI)
}

// Exchange trades the code for a long-lived Facebook user token.
func (p *Provider) Exchange(ctx context.Context, code, verifier, redirectURI string) (*provider.Grant, error) {
	return p.login.Exchange(ctx, code, redirectURI)
}
