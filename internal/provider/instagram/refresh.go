package instagram

import (
	"context"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// Refresh prolongs the token by 60 days with ig_refresh_token; it must be at
// least MinRefreshAge old and unexpired. No refresh token is issued.
func (p *Provider) Refresh(ctx context.Context, page *tokenwatch.Page, creds tokenwatch.Credentials) (*provider.Token, error) {
	return p.login.Refresh(ctx, creds.AccessToken)
}
