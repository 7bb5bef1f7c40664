package oauthx

import (
	"net"
	"net/url"
	"strings"

	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// RedirectFinding checks the shape of a provider's callback URL the way the
// networks check the redirect_uri they are sent (RFC 6749 section 3.1.2,
// RFC 9700 section 4.1): an absolute URL without a fragment or user info,
// https unless it points at this machine (loopback, for a local demo). The
// network compares it byte for byte with the URL registered for the app, so
// the detail names it, and where it is registered at the network
// (registerAt, e.g. "the app's Valid OAuth Redirect URIs").
func RedirectFinding(redirectURI, registerAt string) provider.Finding {
	f := provider.Finding{Check: "redirect URI"}
	u, err := url.Parse(redirectURI)
	switch {
	case err != nil || !u.IsAbs() || u.Host == "":
		f.Detail = "the callback URL " + redirectURI + " is not an absolute URL; set TOKENWATCH_BASE_URL"
	case u.Fragment != "" || strings.Contains(redirectURI, "#"):
		f.Detail = "the callback URL " + redirectURI + " has a fragment, which no network accepts"
	case u.User != nil:
		f.Detail = "the callback URL " + redirectURI + " carries user info, which no network accepts"
	case u.Scheme != "https" && !(u.Scheme == "http" && IsLoopback(u.Hostname())):
		f.Detail = "the callback URL " + redirectURI + " must use https (plain http is accepted for loopback addresses only)"
	default:
		f.OK, f.Detail = true, "register exactly "+redirectURI+" among "+registerAt
	}
	return f
}

// IsLoopback reports whether host names this machine: localhost or a
// loopback address.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
