// Package linkedin connects LinkedIn company pages: three-legged OAuth,
// organizationAcls to find the pages where the user is a Super Admin
// (ADMINISTRATOR), introspectToken to check tokens, and the Posts API.
// Tokens last 60 days; refreshing is only for LinkedIn's partner apps. The
// REST calls carry the LinkedIn-Version of provider.APILinkedIn: LinkedIn
// serves each monthly version about a year, then answers 426.
package linkedin

import (
	"net/http"
	"time"

	"golang.org/x/oauth2"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/oauthx"
)

// Real endpoints.
const (
	authURL       = "https://www.linkedin.com/oauth/v2/authorization"
	tokenURL      = "https://www.linkedin.com/oauth/v2/accessToken"
	introspectURL = "https://www.linkedin.com/oauth/v2/introspectToken"
	userinfoURL   = "https://api.linkedin.com/v2/userinfo"
	restURL       = "https://api.linkedin.com/rest"
)

// Scopes: openid and profile for userinfo (sub, name); rw_organization_admin
// for organizationAcls, which LinkedIn restricts to the organizations where
// the member is an ADMINISTRATOR; w_organization_social to post as the
// organization. tokenwatch reads no organization posts, so it does not ask
// for r_organization_social.
// https://learn.microsoft.com/en-us/linkedin/consumer/integrations/self-serve/sign-in-with-linkedin-v2
// https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/organization-access-control-by-role
// https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api
var (
	scopes         = []string{"openid", "profile", "w_organization_social", "rw_organization_admin"}
	requiredScopes = []string{"w_organization_social", "rw_organization_admin"}
)

// Lifetimes when a response gives none.
const (
	AccessLifetime  = 60 * 24 * time.Hour
	RefreshLifetime = 365 * 24 * time.Hour
)

// roleAdmin is the role needed: "Super Admin" in LinkedIn's pages. Content
// Admins can post but rw_organization_admin needs ADMINISTRATOR.
const roleAdmin = "ADMINISTRATOR"

const requiredRole = "Super Admin of the LinkedIn page"

// Provider is LinkedIn.
type Provider struct {
	oauth *oauthx.OAuth2
	cfg   provider.Config
}

var _ provider.Provider = (*Provider)(nil)

// New returns the provider. Refresh works only with cfg.RefreshEnabled
// (LinkedIn grants programmatic refresh to partner apps).
func New(cfg provider.Config) *Provider {
	c := oauthx.NewClient(tokenwatch.LinkedIn, cfg, triage)
	o := oauthx.NewOAuth2(c, cfg, authURL, tokenURL, oauth2.AuthStyleInParams, scopes)
	o.RefreshExpiryField = "refresh_token_expires_in"
	return &Provider{oauth: o, cfg: cfg}
}

// Info describes LinkedIn. PKCE is for LinkedIn's native apps only.
func (p *Provider) Info() provider.Info {
	return provider.Info{
		Name:           tokenwatch.LinkedIn,
		Scopes:         scopes,
		RequiredScopes: requiredScopes,
		PKCE:           false,
		AutoRefresh:    p.cfg.RefreshEnabled,
		// The refresh token works after the access token has expired (it
		// lasts until its own, first-consent expiry), so the access token's
		// expiry is no deadline; it is still refreshed a little ahead.
		RefreshBeforeExpiry: false,
		RefreshLead:         leadIf(p.cfg.RefreshEnabled, 7*24*time.Hour),
		RequiredRole:        requiredRole,
		// LinkedIn's cancel answers at the consent screen.
		CancelErrors: []string{"user_cancelled_login", "user_cancelled_authorize"},
		// The app has not been granted the product a scope belongs to.
		// https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow#failed-requests
		AppErrors: []string{"unauthorized_scope_error"},
		Troubleshooting: []string{
			"Disconnect the page, then reconnect it while signed in to LinkedIn as a Super Admin of the company page " +
				"(the page's admin tools → Manage admins). Content Admins, Analysts and Curators cannot connect it.",
			"If you are not a Super Admin, ask one to make you one, or to connect the page for you.",
			"If LinkedIn signs you in to another member's account, sign out of linkedin.com first.",
			"Allow every permission LinkedIn asks for. Still failing? Open linkedin.com → Settings → Data privacy → " +
				"Permitted services, remove the app, then reconnect.",
		},
	}
}

func leadIf(on bool, d time.Duration) time.Duration {
	if on {
		return d
	}
	return 0
}

// rest calls a versioned REST endpoint with the configured LinkedIn-Version
// and Rest.li protocol 2.0.0, which LinkedIn requires of finders and of the
// Posts API (without it a call is read as protocol 1.0).
// https://learn.microsoft.com/en-us/linkedin/marketing/versioning
// https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/protocol-version
func (p *Provider) rest(method, rawURL string, token tokenwatch.Secret) oauthx.Request {
	return oauthx.Request{Method: method, URL: rawURL, Token: token, Header: http.Header{
		"Linkedin-Version":          {p.version()},
		"X-Restli-Protocol-Version": {"2.0.0"},
	}}
}

// version is the LinkedIn-Version the REST calls carry (YYYYMM).
func (p *Provider) version() string { return p.cfg.Version(provider.APILinkedIn) }
