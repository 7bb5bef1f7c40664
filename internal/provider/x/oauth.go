package x

import (
	"context"

	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// AuthCodeURL returns X's consent URL with a PKCE S256 challenge.
func (p *Provider) AuthCodeURL(state, verifier, redirectURI string) string {
	return p.oauth.AuthCodeURL(state, verifier, redirectURI)
}

// Exchange trades the code (with the verifier) and reads the account.
func (p *Provider) Exchange(ctx context.Context, code, verifier, redirectURI string) (*provider.Grant, error) {
	t, err := p.oauth.Exchange(ctx, code, verifier, redirectURI)
	if err != nil {
		return nil, err
	}
	me, err := p.me(ctx, t)
	if err != nil {
		return nil, err
	}
	return &provider.Grant{Token: t, UserID: me.ID, UserName: me.Username}, nil
}
