package tiktok

import (
	"context"
	"net/url"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// Refresh runs the refresh grant. TikTok rotates the refresh token: "a
// successful refresh request will return a new refresh_token in place of
// the one you sent. The previous refresh token stops working once a new
// one is issued" (developers.tiktok.com/docs/en/oauth-refresh-a-user-access-token).
// The result carries the new one, which the keeper stores before anyone
// uses the new access token.
func (p *Provider) Refresh(ctx context.Context, page *tokenwatch.Page, creds tokenwatch.Credentials) (*provider.Token, error) {
	if creds.RefreshToken.IsZero() {
		return nil, &provider.Error{Provider: tokenwatch.TikTok, Class: tokenwatch.ClassMustReconnect,
			Code: "no_refresh_token", Message: "no refresh token is stored for this page"}
	}
	t, _, err := p.token(ctx, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {creds.RefreshToken.Reveal()}})
	if err != nil {
		return nil, err
	}
	return &t, nil
}
