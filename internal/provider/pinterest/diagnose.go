package pinterest

import (
	"context"
	"net/url"

	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/oauthx"
)

// Diagnose checks tokenwatch's Pinterest app without any user's token: the
// app id and secret, by redeeming a made-up authorization code (Pinterest
// refuses the code when it knows the app, and answers code 2
// "Authentication failed." when the Basic credentials are wrong), and the
// shape of the redirect URI.
func (p *Provider) Diagnose(ctx context.Context, redirectURI string) []provider.Finding {
	_, err := p.token(ctx, url.Values{"grant_type": {"authorization_code"}, "code": {"tokenwatch-doctor-made-up-code"},
		"redirect_uri": {redirectURI}})
	return []provider.Finding{
		oauthx.CredentialsFinding(provider.Finding{Check: "app credentials"}, err),
		oauthx.RedirectFinding(redirectURI, "the redirect URIs of the Pinterest app"),
	}
}
