package x

import (
	"context"

	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/oauthx"
)

var _ provider.Diagnoser = (*Provider)(nil)

// Diagnose checks what can be checked without a user's token: the app's
// client id and secret (a made-up code redeemed at /2/oauth2/token with
// basic auth: X refuses the code with invalid_request for a known app, and
// answers unauthorized_client "Missing valid authorization header" or
// invalid_client otherwise), and the callback URL's shape. Whether the app
// is attached to a project and has credits shows only on API calls made
// with a user's token (403 client-not-enrolled, 402), which open a service
// problem.
func (p *Provider) Diagnose(ctx context.Context, redirectURI string) []provider.Finding {
	return []provider.Finding{
		p.oauth.ProbeCredentials(ctx, redirectURI),
		oauthx.RedirectFinding(redirectURI, "the app's Callback URI / Redirect URL (X Developer Portal, User authentication settings)"),
	}
}
