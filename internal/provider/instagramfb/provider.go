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

// Scopes requested at consent. Reading and publishing to the Instagram
// account needs instagram_basic, instagram_content_publish and
// pages_read_engagement; "if the app user was granted a role via the
// Business Manager on the Page connected to the targeted IG User, you will
// also need one of ads_management, ads_read": tokenwatch asks for ads_read,
// the read-only one, but cannot require it (only such Pages need it).
// business_management is needed only with system users, which tokenwatch
// does not use.
// https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-container,
// https://developers.facebook.com/docs/instagram-platform/content-publishing,
// https://developers.facebook.com/docs/pages-api/manage-pages
var (
	scopes = []string{"instagram_basic", "instagram_content_publish", "pages_show_list",
		"pages_read_engagement", "ads_read"}
	requiredScopes = []string{"instagram_basic", "instagram_content_publish", "pages_show_list", "pages_read_engagement"}
	// businessScopes are the permissions of which Meta needs one when the
	// Page role comes through a Business Portfolio.
	businessScopes = []string{"ads_read", "ads_management"}
)

// businessRoleMessage explains a refused Instagram account when the grant
// holds neither of businessScopes.
const businessRoleMessage = "Meta refused to reach this Instagram account (%s). When your role on the linked Facebook Page " +
	"comes through a Business Portfolio (Business Manager), Meta also needs the ads_read permission: reconnect and allow it."

// Tasks on the linked Page that let the user publish to the Instagram account.
var eligibleTasks = []string{"MANAGE", "CREATE_CONTENT"}

const requiredRole = "the MANAGE or CREATE_CONTENT task on the Facebook Page linked to the Instagram account"

// Provider is Instagram through Facebook Login.
type Provider struct {
	login *meta.Login
	poll  meta.Poll
}

var _ provider.Provider = (*Provider)(nil)

// New returns the provider.
func New(cfg provider.Config) *Provider {
	return &Provider{login: meta.NewLogin(tokenwatch.InstagramFacebook, cfg, scopes), poll: meta.DefaultPoll}
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
	"If your access to the Page comes through a Business Portfolio (Business Manager), keep the ads permission " +
		"Facebook asks for (ads_read): Meta requires it to reach the Instagram account of such a Page.",
	"When Facebook asks which Pages and Instagram accounts to share, tick both the Page and the Instagram account.",
	"Still failing? Open facebook.com/settings → Business integrations, remove the app, then reconnect.",
}
