// Package instagramfb connects Instagram professional accounts through
// Facebook Login: the account is linked to a Facebook Page, the user needs a
// task on that Page, and the Page's token reaches the Instagram Graph API.
// Tokens behave as Facebook's.
package instagramfb

import (
	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/meta"
)

var (
	scopes = []string{"instagram_basic", "instagram_content_publish", "pages_show_list",
		"pages_read_engagement", "business_management"}
	requiredScopes = []string{"instagram_basic", "instagram_content_publish", "pages_show_list"}
)

// Tasks on the linked Page that let the user publish to the Instagram account.
var eligibleTasks = []string{"MANAGE", "CREATE_CONTENT"}

const requiredRole = "the MANAGE or CREATE_CONTENT task on the Facebook Page linked to the Instagram account"

// Provider is Instagram through Facebook Login.
type Provider struct {
	login *meta.Login
}

var _ provider.Provider = (*Provider)(nil)

// New returns the provider.
func New(cfg provider.Config) *Provider {
	return &Provider{login: meta.NewLogin(tokenwatch.InstagramFacebook, cfg, scopes)}
}

// Info describes Instagram through Facebook Login.
func (p *Provider) Info() provider.Info {
	return meta.Info(tokenwatch.InstagramFacebook, scopes, requiredScopes, requiredRole, troubleshooting)
}

var troubleshooting = []string{
	"The Instagram account must be a professional (business or creator) account linked to a Facebook Page: " +
		"in the Instagram app, Settings → Account type and tools, and in Page settings → Linked accounts.",
	"Sign in to Facebook as a person with full control of that Page, or at least content (CREATE_CONTENT) access; " +
		"if a Business Portfolio owns the Page, the Page must be assigned to you there.",
	"When Facebook asks which Pages and Instagram accounts to share, tick both the Page and the Instagram account.",
	"Still failing? Open facebook.com/settings → Business integrations, remove the app, then reconnect.",
}
