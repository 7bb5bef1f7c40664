package linkedin

import (
	"context"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// Refresh runs the refresh grant, for partner apps only (RefreshEnabled).
// LinkedIn returns the same refresh token with what is left of its
// first-consent lifetime (refreshing does not extend it), and a new access
// token that never outlives it ("on day 360 … both expire in 5 days").
// https://learn.microsoft.com/en-us/linkedin/shared/authentication/programmatic-refresh-tokens
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
	end := t.RefreshExpiresAt
	if end.IsZero() {
		end = page.RefreshExpiresAt
	}
	if !end.IsZero() && t.AccessExpiresAt.After(end) {
		t.AccessExpiresAt = end
	}
	return &t, nil
}
