package pinterest

import (
	"context"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// Refresh runs the refresh grant. With continuous refresh Pinterest sends a
// new refresh token, returned here; otherwise the result's RefreshToken is
// empty and the stored one stays.
func (p *Provider) Refresh(ctx context.Context, page *tokenwatch.Page, creds tokenwatch.Credentials) (*provider.Token, error) {
	t, err := p.oauth.Refresh(ctx, creds.RefreshToken)
	if err != nil {
		return nil, err
	}
	return &t, nil
}
