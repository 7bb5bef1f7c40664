package linkedin

import (
	"context"
	"time"

	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// AuthCodeURL returns LinkedIn's consent URL (no PKCE for web apps).
func (p *Provider) AuthCodeURL(state, verifier, redirectURI string) string {
	return p.oauth.AuthCodeURL(state, verifier, redirectURI)
}

// Exchange trades the code for tokens (a refresh token with its fixed
// 365-day expiry for partner apps) and reads the member from userinfo.
// LinkedIn sends expires_in (and refresh_token_expires_in with a refresh
// token); its documented lifetimes stand in if it does not.
// https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow#step-3-exchange-authorization-code-for-an-access-token
func (p *Provider) Exchange(ctx context.Context, code, verifier, redirectURI string) (*provider.Grant, error) {
	t, err := p.oauth.Exchange(ctx, code, verifier, redirectURI)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	if t.AccessExpiresAt.IsZero() {
		t.AccessExpiresAt = now.Add(AccessLifetime)
	}
	if !t.RefreshToken.IsZero() && t.RefreshExpiresAt.IsZero() {
		t.RefreshExpiresAt = now.Add(RefreshLifetime)
	}
	var me struct {
		Sub  string `json:"sub"`
		Name string `json:"name"`
	}
	if err := p.oauth.Get(ctx, userinfoURL, nil, t.AccessToken, &me); err != nil {
		return nil, err
	}
	return &provider.Grant{Token: t, UserID: me.Sub, UserName: me.Name}, nil
}
