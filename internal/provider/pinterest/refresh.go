package pinterest

import (
	"context"
	"net/url"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// Refresh runs the refresh grant. With continuous refresh (the only kind
// Pinterest still issues) the answer carries a new refresh token, valid 60
// days, returned here for the keeper to store; a legacy grant answers
// without one and the stored refresh token stays.
func (p *Provider) Refresh(ctx context.Context, page *tokenwatch.Page, creds tokenwatch.Credentials) (*provider.Token, error) {
	if creds.RefreshToken.IsZero() {
		return nil, &provider.Error{Provider: tokenwatch.Pinterest, Class: tokenwatch.ClassMustReconnect,
			Code: "no_refresh_token", Message: "no refresh token is stored for this page"}
	}
	t, err := p.token(ctx, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {creds.RefreshToken.Reveal()}})
	if err != nil {
		return nil, err
	}
	return &t, nil
}
