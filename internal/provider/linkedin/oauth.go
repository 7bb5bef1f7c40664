package linkedin

import (
	"context"

	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// AuthCodeURL returns LinkedIn's consent URL (no PKCE for web apps).
func (p *Provider) AuthCodeURL(state, verifier, redirectURI string) string {
	return p.oauth.AuthCodeURL(state, verifier, redirectURI)
}

// Exchange trades the code for tokens (a refresh token with its fixed
// 365-day expiry for partner apps) and reads the member from userinfo.
func (p *Provider) Exchange(ctx context.Context, code, verifier, redirectURI string) (*provider.Grant, error) {
	t, err := p.oauth.Exchange(ctx, code, verifier, redirectURI)
	if err != nil {
		return nil, err
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
