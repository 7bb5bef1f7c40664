package instagramfb

import (
	"context"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// Inspect checks the token with debug_token and reads the Instagram account
// with it (Meta answers 492 when the user lost their role on the Page).
func (p *Provider) Inspect(ctx context.Context, page *tokenwatch.Page, creds tokenwatch.Credentials) (*provider.Inspection, error) {
	return p.login.Inspect(ctx, page.ProviderPageID, creds.AccessToken, requiredScopes)
}
