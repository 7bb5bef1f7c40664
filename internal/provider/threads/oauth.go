package threads

import (
	"context"

	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// AuthCodeURL returns Threads' consent URL (Threads has no PKCE).
func (p *Provider) AuthCodeURL(state, verifier, redirectURI string) string {
	return p.login.AuthCodeURL(state, redirectURI)
}

// Exchange trades the code for a 60-day token and reads the profile.
func (p *Provider) Exchange(ctx context.Context, code, verifier, redirectURI string) (*provider.Grant, error) {
	return p.login.Exchange(ctx, code, redirectURI)
}
