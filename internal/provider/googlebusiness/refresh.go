package googlebusiness

import (
	"context"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// Refresh runs the refresh grant; Google issues no new refresh token.
func (p *Provider) Refresh(ctx context.Context, page *tokenwatch.Page, creds tokenwatch.Credentials) (*provider.Token, error) {
	return p.oauth.Refresh(ctx, creds)
}
