package demo

import (
	"context"
	"strings"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/all"
	"github.com/tokenwatch/tokenwatch/internal/sandbox"
)

// The demo's app at every sandbox network.
const (
	ClientID     = "tokenwatch-demo"
	ClientSecret = "tokenwatch-demo-secret"
)

// selfNetworks connect the account itself: the page is the account.
var selfNetworks = map[tokenwatch.Provider]bool{
	tokenwatch.X: true, tokenwatch.TikTok: true, tokenwatch.Pinterest: true, tokenwatch.Threads: true, tokenwatch.Instagram: true,
}

// adminRoles are the roles page admins hold at networks with page roles.
var adminRoles = map[tokenwatch.Provider]string{
	tokenwatch.Facebook:          "MANAGE",
	tokenwatch.InstagramFacebook: "MANAGE",
	tokenwatch.LinkedIn:          "ADMINISTRATOR",
	tokenwatch.GoogleBusiness:    "OWNER",
	tokenwatch.YouTube:           "owner",
}

// Network sets the sandbox up as every network of the demo: the demo app
// (its callbacks under baseURL), an account per demo user at each network
// with page roles. sandboxURL is where the sandbox is served. It returns
// the providers, pointed at the sandbox, and the connector that connects
// the demo pages there.
func Network(sb *sandbox.Sandbox, sandboxURL, baseURL string) (provider.Registry, Connector) {
	cfgs := map[tokenwatch.Provider]provider.Config{}
	for _, p := range tokenwatch.Providers {
		sb.AddApp(p, sandbox.App{ClientID: ClientID, ClientSecret: ClientSecret, RedirectURIs: []string{baseURL + "/oauth/" + string(p) + "/callback"}})
		cfgs[p] = provider.Config{ClientID: ClientID, ClientSecret: tokenwatch.NewSecret(ClientSecret), BaseURL: sandboxURL + sandbox.Prefix(p)}
		if selfNetworks[p] {
			continue
		}
		for _, u := range Users {
			sb.AddAccount(p, sandbox.Account{ID: accountID(u), Name: u.Name})
		}
	}
	providers := all.New(cfgs)
	return providers, func(_ context.Context, dp Page, admin User, e Expiries) (Connection, error) {
		return connect(sb, providers, dp, admin, e)
	}
}

// accountID is a demo user's account id at networks with page roles.
func accountID(u User) string {
	local, _, _ := strings.Cut(u.Email, "@")
	return "demo-" + local
}

func connect(sb *sandbox.Sandbox, providers provider.Registry, dp Page, admin User, e Expiries) (Connection, error) {
	p := dp.Provider
	info := providers[p].Info()
	c := Connection{ProviderUserID: accountID(admin), ProviderUserName: admin.Name, ProviderPageID: dp.ProviderPageID}
	req := sandbox.GrantRequest{ClientID: ClientID, Scopes: info.Scopes,
		AccessExpiresAt: e.Access, RefreshExpiresAt: e.Refresh, DataAccessExpiresAt: e.DataAccess}
	if selfNetworks[p] {
		// The brand's own account at the network.
		c.ProviderUserID, c.ProviderUserName = dp.ProviderPageID, dp.Name
		sb.AddAccount(p, sandbox.Account{ID: c.ProviderUserID, Name: c.ProviderUserName})
	} else {
		page := sandbox.Page{ID: dp.ProviderPageID, Name: dp.Name}
		if p == tokenwatch.InstagramFacebook {
			page.LinkedPageID, page.LinkedPageName = "fb-"+dp.ProviderPageID, dp.Name+" (Facebook)"
		}
		sb.AddPage(p, page)
		sb.SetRole(p, dp.ProviderPageID, c.ProviderUserID, adminRoles[p])
		if p == tokenwatch.Facebook || p == tokenwatch.InstagramFacebook {
			req.PageID = dp.ProviderPageID
		}
		if p == tokenwatch.GoogleBusiness {
			c.ProviderPageID = "accounts/" + c.ProviderUserID + "/locations/" + dp.ProviderPageID
		}
	}
	req.UserID = c.ProviderUserID
	issued, err := sb.IssueGrant(p, req)
	if err != nil {
		return c, err
	}
	c.Credentials = tokenwatch.Credentials{AccessToken: tokenwatch.NewSecret(issued.AccessToken), RefreshToken: tokenwatch.NewSecret(issued.RefreshToken)}
	switch dp.Problem {
	case tokenwatch.ProblemRevoked:
		err = sb.Revoke(issued.AccessToken)
	case tokenwatch.ProblemPermissionMissing:
		sb.RemoveScope(p, c.ProviderUserID, info.RequiredScopes[len(info.RequiredScopes)-1])
	case tokenwatch.ProblemAccountBlocked:
		sb.Block(p, c.ProviderUserID, 0)
	}
	return c, err
}
