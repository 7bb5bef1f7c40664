package facebook

import (
	"context"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// Refresh trades the page's still-valid token for a long-lived one with
// fb_exchange_token. Meta issues no refresh token: the result's
// RefreshToken is empty. An expired token cannot be exchanged, hence
// Info.RefreshLead.
func (p *Provider) Refresh(ctx context.Context, page *tokenwatch.Page, creds tokenwatch.Credentials) (*provider.Token, error) {
	return p.login.Prolong(ctx, creds.AccessToken)
}
