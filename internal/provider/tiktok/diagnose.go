package tiktok

import (
	"context"
	"net/url"

	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/oauthx"
)

// Diagnose checks tokenwatch's TikTok app without any user's token: the
// client key and secret, by redeeming a made-up authorization code (TikTok
// refuses the code with invalid_grant when it knows the app, and answers
// invalid_client when it does not), and the redirect URI against Login
// Kit for Web's rules (developers.tiktok.com/doc/login-kit-web).
func (p *Provider) Diagnose(ctx context.Context, redirectURI string) []provider.Finding {
	_, _, err := p.token(ctx, url.Values{"grant_type": {"authorization_code"}, "code": {"tokenwatch-doctor-made-up-code"},
		"redirect_uri": {redirectURI}})
	return []provider.Finding{
		oauthx.CredentialsFinding(provider.Finding{Check: "app credentials"}, err),
		redirectFinding(redirectURI),
	}
}

// redirectFinding checks a redirect URI as TikTok registers them for the
// web: absolute https (even on this machine), static (no query), no
// fragment, shorter than 512 characters.
func redirectFinding(redirectURI string) provider.Finding {
	f := provider.Finding{Check: "redirect URI " + redirectURI}
	u, err := url.Parse(redirectURI)
	switch {
	case err != nil || !u.IsAbs() || u.Host == "":
		f.Detail = "not an absolute URL; set TOKENWATCH_BASE_URL to tokenwatch's public https address"
	case u.Scheme != "https":
		f.Detail = "TikTok Login Kit for Web takes only https redirect URIs, even for localhost; serve tokenwatch over https"
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		f.Detail = "TikTok takes only static redirect URIs, without query or fragment"
	case len(redirectURI) >= 512:
		f.Detail = "TikTok takes redirect URIs shorter than 512 characters"
	default:
		f.OK, f.Detail = true, "register it exactly in the Login Kit settings of the TikTok app"
	}
	return f
}
