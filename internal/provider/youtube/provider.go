// Package youtube connects YouTube channels: Google OAuth with offline
// access, the channels the user owns or manages, and video uploads.
package youtube

import (
	"context"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/google"
)

// Real endpoints.
const (
	apiURL    = "https://www.googleapis.com/youtube/v3"
	uploadURL = "https://www.googleapis.com/upload/youtube/v3/videos"
)

var scopes = []string{"https://www.googleapis.com/auth/youtube.upload", "https://www.googleapis.com/auth/youtube.readonly"}

// Provider is YouTube.
type Provider struct {
	oauth *google.OAuth
}

var _ provider.Provider = (*Provider)(nil)

// New returns the provider.
func New(cfg provider.Config) *Provider {
	return &Provider{oauth: google.New(tokenwatch.YouTube, cfg, scopes, scopes)}
}

// Info describes YouTube; tokens behave as all Google tokens.
func (p *Provider) Info() provider.Info {
	return p.oauth.Info(tokenwatch.YouTube, "owner or manager of the channel", troubleshooting)
}

var troubleshooting = []string{
	"Sign in with the Google account that owns the channel, or a manager of it; for a Brand Account channel, " +
		"pick the channel itself when Google asks which account or channel to use.",
	"Allow both uploading videos and viewing your YouTube account: Google may show them unticked.",
	"Still failing? Open myaccount.google.com/permissions (for a Brand Account, switch to it first), " +
		"remove the app's access, then reconnect.",
}

var _ provider.Diagnoser = (*Provider)(nil)

// Diagnose checks the app's credentials and callback URL at Google (see
// google.OAuth.Diagnose).
func (p *Provider) Diagnose(ctx context.Context, redirectURI string) []provider.Finding {
	return p.oauth.Diagnose(ctx, redirectURI)
}
