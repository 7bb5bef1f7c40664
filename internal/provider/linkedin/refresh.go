package linkedin

import (
	"context"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// Refresh runs the refresh grant, for partner apps only (RefreshEnabled).
// LinkedIn returns the same refresh token with its remaining lifetime: the
// first consent's expiry stands.
func (p *Provider) Refresh(ctx context.Context, page *tokenwatch.Page, creds tokenwatch.Credentials) (*provider.Token, error) {
	if !p.cfg.RefreshEnabled {
		return nil, p.oauth.Refuse("refresh_not_enabled", "this LinkedIn app may not refresh tokens: the page must be reconnected before its token expires")
	}
	t, err := p.oauth.Refresh(ctx, creds.RefreshToken)
	if err != nil {
		return nil, err
	}
	if t.RefreshToken.Equal(creds.RefreshToken) {
		t.RefreshToken = tokenwatch.Secret{}
	}
	return &t, nil
}
