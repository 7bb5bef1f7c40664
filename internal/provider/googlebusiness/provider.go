// Package googlebusiness connects Google Business Profile locations: Google
// OAuth with offline access, the Business Profile APIs to list locations
// and their admins (owner or manager needed), and local posts.
package googlebusiness

import (
	"context"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/google"
)

// Real endpoints.
const (
	accountsURL  = "https://mybusinessaccountmanagement.googleapis.com/v1"
	locationsURL = "https://mybusinessbusinessinformation.googleapis.com/v1"
	postsURL     = "https://mybusiness.googleapis.com/v4"
)

var scopes = []string{"https://www.googleapis.com/auth/business.manage"}

// eligibleRoles may connect a location.
var eligibleRoles = map[string]bool{"PRIMARY_OWNER": true, "OWNER": true, "MANAGER": true}

const requiredRole = "owner or manager of the Business Profile"

// Provider is Google Business Profile.
type Provider struct {
	oauth *google.OAuth
}

var _ provider.Provider = (*Provider)(nil)

// New returns the provider.
func New(cfg provider.Config) *Provider {
	return &Provider{oauth: google.New(tokenwatch.GoogleBusiness, cfg, scopes, scopes)}
}

// Info describes Google Business Profile. Access tokens last an hour and are
// refreshed on use; the refresh token has no fixed lifetime.
func (p *Provider) Info() provider.Info {
	return p.oauth.Info(tokenwatch.GoogleBusiness, requiredRole, troubleshooting)
}

var troubleshooting = []string{
	"Sign in with the Google account that is an owner or manager of the Business Profile " +
		"(business.google.com → the profile → Business Profile settings → Managers). Site managers cannot connect it.",
	"If several Google accounts are signed in, pick the right one on Google's account chooser.",
	"Tick the box that lets the app manage your Business Profile: Google shows it unticked on some screens.",
	"Still failing? Open myaccount.google.com/permissions, remove the app's access, then reconnect.",
}

var _ provider.Diagnoser = (*Provider)(nil)

// Diagnose checks the app's credentials and callback URL at Google (see
// google.OAuth.Diagnose).
func (p *Provider) Diagnose(ctx context.Context, redirectURI string) []provider.Finding {
	return p.oauth.Diagnose(ctx, redirectURI)
}
