package pinterest

import (
	"context"
	"net"
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
		redirectFinding(redirectURI),
	}
}

// redirectFinding checks that the redirect URI is absolute https, or http
// on this machine, without a fragment (RFC 6749 §3.1.2).
func redirectFinding(redirectURI string) provider.Finding {
	f := provider.Finding{Check: "redirect URI " + redirectURI}
	u, err := url.Parse(redirectURI)
	switch {
	case err != nil || !u.IsAbs() || u.Host == "":
		f.Detail = "not an absolute URL; set TOKENWATCH_BASE_URL to tokenwatch's public https address"
	case u.Fragment != "":
		f.Detail = "a redirect URI may not hold a fragment"
	case u.Scheme == "https" || u.Scheme == "http" && loopback(u.Hostname()):
		f.OK, f.Detail = true, "register it exactly among the redirect URIs of the Pinterest app"
	default:
		f.Detail = "Pinterest needs an https redirect URI (http only on this machine); serve tokenwatch over https"
	}
	return f
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
