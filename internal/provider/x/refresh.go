package x

import (
	"context"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// Refresh runs the refresh grant. X rotates the refresh token: the new one
// is in the result and the old one is spent (replaying it may kill the
// whole grant).
func (p *Provider) Refresh(ctx context.Context, page *tokenwatch.Page, creds tokenwatch.Credentials) (*provider.Token, error) {
	t, err := p.oauth.Refresh(ctx, creds.RefreshToken)
	if err != nil {
		return nil, err
	}
	return &t, nil
}
