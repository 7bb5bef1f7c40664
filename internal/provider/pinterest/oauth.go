package pinterest

import (
	"context"

	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// AuthCodeURL returns Pinterest's consent URL.
func (p *Provider) AuthCodeURL(state, verifier, redirectURI string) string {
	return p.oauth.AuthCodeURL(state, verifier, redirectURI)
}

// Exchange trades the code for tokens and reads the account.
func (p *Provider) Exchange(ctx context.Context, code, verifier, redirectURI string) (*provider.Grant, error) {
	t, err := p.oauth.Exchange(ctx, code, verifier, redirectURI)
	if err != nil {
		return nil, err
	}
	a, err := p.account(ctx, t)
	if err != nil {
		return nil, err
	}
	return &provider.Grant{Token: t, UserID: a.id(), UserName: a.Username}, nil
}
