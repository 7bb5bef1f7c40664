package youtube

import (
	"context"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// Inspect checks the token and its scopes with tokeninfo.
func (p *Provider) Inspect(ctx context.Context, page *tokenwatch.Page, creds tokenwatch.Credentials) (*provider.Inspection, error) {
	return p.oauth.Inspect(ctx, creds.AccessToken)
}
