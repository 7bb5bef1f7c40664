package google

import (
	"context"
	"net"
	"net/url"

	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/oauthx"
)

// Diagnose checks what can be checked without a user's token:
//   - the app's client id and secret: a made-up code redeemed at the token
//     endpoint is refused with invalid_grant for a known client, and with
//     invalid_client ("Unauthorized", "The OAuth client was not found.")
//     otherwise;
//   - the callback URL, by Google's rules for redirect URIs
//     (https://developers.google.com/identity/protocols/oauth2/web-server#uri-validation):
//     https unless loopback, no fragment or user info, and a host that is
//     not a raw IP address unless a loopback one.
//
// Whether the APIs are enabled for the app's project cannot be told
// without a user's token: Google names the project only from an API key
// or a token it issued, and refuses anonymous calls before looking at the
// API. A disabled API shows on the first call with a user's token (403
// accessNotConfigured / SERVICE_DISABLED), which opens a service problem.
func (o *OAuth) Diagnose(ctx context.Context, redirectURI string) []provider.Finding {
	return []provider.Finding{o.ProbeCredentials(ctx, redirectURI), redirectFinding(redirectURI)}
}

func redirectFinding(redirectURI string) provider.Finding {
	f := oauthx.RedirectFinding(redirectURI, "the OAuth client's Authorized redirect URIs (Google Cloud console)")
	if !f.OK {
		return f
	}
	u, _ := url.Parse(redirectURI)
	if host := u.Hostname(); net.ParseIP(host) != nil && !oauthx.IsLoopback(host) {
		f.OK, f.Detail = false, "Google refuses a callback URL whose host is an IP address ("+host+"), except a loopback one: use a domain name"
	}
	return f
}
