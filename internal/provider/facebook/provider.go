// Package facebook connects Facebook Pages through Facebook Login and the
// Graph API: a long-lived user token is traded for page tokens, which are
// prolonged with fb_exchange_token well before they expire and checked with
// debug_token.
package facebook

import (
	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/meta"
)

// Scopes requested at consent: listing the Pages with their tasks and
// tokens (pages_show_list), reading them (pages_read_engagement) and
// posting (pages_manage_posts). Meta needs business_management only for
// calls made as a business system user, which tokenwatch does not make.
// https://developers.facebook.com/docs/pages-api/manage-pages,
// https://developers.facebook.com/docs/pages-api/posts
var (
	scopes         = []string{"pages_show_list", "pages_read_engagement", "pages_manage_posts"}
	requiredScopes = []string{"pages_show_list", "pages_manage_posts"}
)

// taskManage is full control of a Page. Posting needs only CREATE_CONTENT,
// but tokenwatch connects Pages for the long run: partial access breaks
// on Business-Portfolio-owned Pages and cannot repair the Page's settings.
const taskManage = "MANAGE"

const requiredRole = "full control of the Page (the MANAGE task)"

// Provider is Facebook Pages.
type Provider struct {
	login *meta.Login
	cfg   provider.Config
}

var _ provider.Provider = (*Provider)(nil)

// New returns the Facebook Pages provider.
func New(cfg provider.Config) *Provider {
	return &Provider{login: meta.NewLogin(tokenwatch.Facebook, cfg, scopes), cfg: cfg}
}

// Info describes Facebook Pages.
func (p *Provider) Info() provider.Info {
	return meta.Info(tokenwatch.Facebook, scopes, requiredScopes, requiredRole, troubleshooting)
}

var troubleshooting = []string{
	"Sign in to Facebook as a person who has full control of the Page (in Page settings → Page access, " +
		"\"Facebook access with full control\"). People with partial access can post by hand but cannot connect the Page.",
	"If a Business Portfolio (Business Manager) owns the Page, you also need full control of that portfolio, " +
		"or at least full control of the Page assigned to you inside it: open business.facebook.com → Settings → Pages.",
	"When Facebook asks which Pages to share, keep this Page ticked and leave every permission switched on.",
	"Still failing? Open facebook.com/settings → Business integrations, remove the app, then reconnect: " +
		"Facebook then asks again for every permission.",
	"If Facebook says your account needs attention (a security check or an unconfirmed account), finish that on facebook.com first.",
}
