package instagram

import (
	"context"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// Inspect reads the account with the token: Instagram Login has no
// debug_token, so a missing permission shows only when publishing.
func (p *Provider) Inspect(ctx context.Context, page *tokenwatch.Page, creds tokenwatch.Credentials) (*provider.Inspection, error) {
	me, err := p.login.Me(ctx, creds.AccessToken)
	if err != nil {
		return nil, err
	}
	return &provider.Inspection{UserID: p.login.Account(me)}, nil
}
