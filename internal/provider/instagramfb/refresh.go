package instagramfb

import (
	"context"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// Refresh prolongs the still-valid token with fb_exchange_token; no refresh
// token is issued.
func (p *Provider) Refresh(ctx context.Context, page *tokenwatch.Page, creds tokenwatch.Credentials) (*provider.Token, error) {
	return p.login.Prolong(ctx, creds.AccessToken)
}
