package threads

import (
	"context"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// Inspect reads the profile with the token (GET /me, threads_basic): a dead
// or expired token, a revoked threads_basic or a blocked account shows
// there. Threads' debug_token is no health check: it answers only to a
// token of one of the app's testers, which a profile's own token is not.
// A lost threads_content_publish shows when publishing.
// https://developers.facebook.com/docs/threads/troubleshooting/debug-access-token
func (p *Provider) Inspect(ctx context.Context, page *tokenwatch.Page, creds tokenwatch.Credentials) (*provider.Inspection, error) {
	me, err := p.login.Me(ctx, creds.AccessToken)
	if err != nil {
		return nil, err
	}
	return &provider.Inspection{UserID: p.login.Account(me)}, nil
}
