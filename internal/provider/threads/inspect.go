package threads

import (
	"context"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/meta"
)

// Inspect asks debug_token about the token, authenticated by the token
// itself as Threads allows, and checks the granted scopes.
func (p *Provider) Inspect(ctx context.Context, page *tokenwatch.Page, creds tokenwatch.Credentials) (*provider.Inspection, error) {
	d, err := meta.DebugToken(ctx, p.login.Client, p.graph+"/debug_token", creds.AccessToken, creds.AccessToken)
	if err != nil {
		return nil, err
	}
	if err := p.login.MissingScopes(scopes, d.Scopes); err != nil {
		return nil, err
	}
	return d.Inspection(), nil
}
