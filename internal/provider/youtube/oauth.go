package youtube

import (
	"context"

	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// AuthCodeURL returns Google's consent URL with offline access and PKCE.
func (p *Provider) AuthCodeURL(state, verifier, redirectURI string) string {
	return p.oauth.AuthCodeURL(state, verifier, redirectURI)
}

// Exchange trades the code (with the PKCE verifier) for tokens.
func (p *Provider) Exchange(ctx context.Context, code, verifier, redirectURI string) (*provider.Grant, error) {
	return p.oauth.Exchange(ctx, code, verifier, redirectURI)
}
