package googlebusiness

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// account is an Account of the Account Management API
// (https://developers.google.com/my-business/reference/accountmanagement/rest/v1/accounts):
// role is the signed-in user's role on it; for a PERSONAL account,
// accountName is the user's first and last name.
type account struct {
	Name        string `json:"name"` // accounts/{id}
	AccountName string `json:"accountName"`
	Type        string `json:"type"` // PERSONAL, LOCATION_GROUP, USER_GROUP, ORGANIZATION
	Role        string `json:"role"` // PRIMARY_OWNER, OWNER, MANAGER, SITE_MANAGER
}

type location struct {
	Name  string `json:"name"` // locations/{id}
	Title string `json:"title"`
}

// Paging of the listings, bounded so that a runaway listing cannot hold a
// request: accounts.list gives at most 20 a page, locations.list at most
// 100 (https://developers.google.com/my-business/reference/accountmanagement/rest/v1/accounts/list,
// https://developers.google.com/my-business/reference/businessinformation/rest/v1/accounts.locations/list).
const (
	accountsPageSize  = 20
	locationsPageSize = 100
	// maxPages bounds one listing: 1,000 accounts, 10,000 locations an
	// account.
	maxPages = 100
)

// list follows nextPageToken through at most maxPages pages of a listing:
// page makes the value each page decodes into, next keeps what a page
// brought and returns its nextPageToken.
func (p *Provider) list(ctx context.Context, rawURL string, q url.Values, token tokenwatch.Secret, page func() any, next func(any) string) error {
	for range maxPages {
		out := page()
		if err := p.oauth.Get(ctx, rawURL, q, token, out); err != nil {
			return err
		}
		tok := next(out)
		if tok == "" {
			return nil
		}
		q = cloneWith(q, "pageToken", tok)
	}
	return nil
}

func cloneWith(q url.Values, k, v string) url.Values {
	out := url.Values{}
	for key, vs := range q {
		out[key] = append([]string(nil), vs...)
	}
	out.Set(k, v)
	return out
}

// accounts lists every account the user sees, page by page.
func (p *Provider) accounts(ctx context.Context, token tokenwatch.Secret) ([]account, error) {
	type page struct {
		Accounts      []account `json:"accounts"`
		NextPageToken string    `json:"nextPageToken"`
	}
	var all []account
	err := p.list(ctx, accountsURL+"/accounts", url.Values{"pageSize": {fmt.Sprint(accountsPageSize)}}, token,
		func() any { return &page{} },
		func(v any) string { pg := v.(*page); all = append(all, pg.Accounts...); return pg.NextPageToken })
	return all, err
}

// locations lists an account's locations, page by page.
func (p *Provider) locations(ctx context.Context, token tokenwatch.Secret, accountName string) ([]location, error) {
	type page struct {
		Locations     []location `json:"locations"`
		NextPageToken string     `json:"nextPageToken"`
	}
	var all []location
	q := url.Values{"readMask": {"name,title"}, "pageSize": {fmt.Sprint(locationsPageSize)}}
	err := p.list(ctx, locationsURL+"/"+accountName+"/locations", q, token,
		func() any { return &page{} },
		func(v any) string { pg := v.(*page); all = append(all, pg.Locations...); return pg.NextPageToken })
	return all, err
}

// Pages lists the locations of every account the user sees, each once,
// with the user's role on it.
func (p *Provider) Pages(ctx context.Context, grant *provider.Grant) ([]provider.Candidate, error) {
	accounts, err := p.accounts(ctx, grant.AccessToken)
	if err != nil {
		return nil, err
	}
	me := personal(accounts)
	// A location may be listed under the personal account (a role of the
	// user's own) and under location groups the user holds a role on: it
	// is one candidate, under the account that gives the better role.
	type found struct {
		account   account
		loc       location
		groupRole string
	}
	var locs []*found
	byName := map[string]*found{}
	for _, a := range accounts {
		ls, err := p.locations(ctx, grant.AccessToken, a.Name)
		if err != nil {
			return nil, err
		}
		groupRole := ""
		if a.Type != "PERSONAL" {
			groupRole = a.Role
		}
		for _, l := range ls {
			if f := byName[l.Name]; f != nil {
				if rank[groupRole] > rank[f.groupRole] {
					f.account, f.groupRole = a, groupRole
				}
				continue
			}
			f := &found{a, l, groupRole}
			byName[l.Name] = f
			locs = append(locs, f)
		}
	}
	// One admins call per location: a few at a time, so that an agency
	// with hundreds of locations is listed within a page load.
	out := make([]provider.Candidate, len(locs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i, f := range locs {
		g.Go(func() error {
			role, err := p.role(gctx, grant.AccessToken, f.loc.Name, me, f.groupRole)
			if err != nil {
				return err
			}
			c := provider.Candidate{ID: f.account.Name + "/" + f.loc.Name, Name: f.loc.Title, Role: role, Eligible: eligibleRoles[role]}
			if c.Eligible {
				c.Token = grant.Token
			} else {
				c.Refusal = fmt.Sprintf("You are %s of this Business Profile; connecting it needs an %s.", article(role), requiredRole)
			}
			out[i] = c
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

// personal is the user's own account: its accountName is the user's first
// and last name, which is how locations.admins.list names the user.
func personal(accounts []account) account {
	for _, a := range accounts {
		if a.Type == "PERSONAL" {
			return a
		}
	}
	return account{}
}

// rank orders the roles: the higher, the more the user may do.
var rank = map[string]int{"PRIMARY_OWNER": 4, "OWNER": 3, "MANAGER": 2, "SITE_MANAGER": 1}

// role is the signed-in user's role on a location: the better of their
// role on the location group listing it (groupRole, the Account resource's
// role from accounts.list) and their own role among the location's admins.
//
// locations.admins.list does not say which admin is the caller: its
// account field is documented for inviting a location group
// (https://developers.google.com/my-business/reference/accountmanagement/rest/v1/locations.admins)
// and is empty for a person. The user is the admin whose account is the
// user's personal account, or, failing that, whose admin field (the
// user's first and last names, once the invitation is accepted) equals the
// personal account's accountName (the user's first and last names, per the
// Account resource). Names are not unique: when several admins bear the
// user's name with different roles, the lowest is taken, so that a
// namesake's role never lets the user connect.
func (p *Provider) role(ctx context.Context, token tokenwatch.Secret, locationName string, me account, groupRole string) (string, error) {
	if groupRole == "PRIMARY_OWNER" {
		return groupRole, nil // nothing among the admins can be better
	}
	var r struct {
		Admins []struct {
			Name              string `json:"name"`
			Admin             string `json:"admin"`
			Account           string `json:"account"`
			Role              string `json:"role"`
			PendingInvitation bool   `json:"pendingInvitation"`
		} `json:"admins"`
	}
	if err := p.oauth.Get(ctx, accountsURL+"/"+locationName+"/admins", nil, token, &r); err != nil {
		return "", err
	}
	direct, byAccount, matched := "", false, false
	for _, a := range r.Admins {
		switch {
		case a.PendingInvitation:
		case me.Name != "" && a.Account == me.Name:
			if !byAccount || rank[a.Role] < rank[direct] {
				direct = a.Role
			}
			byAccount = true
		case !byAccount && me.AccountName != "" && a.Account == "" && a.Admin == me.AccountName:
			if !matched || rank[a.Role] < rank[direct] {
				direct = a.Role
			}
			matched = true
		}
	}
	if rank[groupRole] > rank[direct] {
		return groupRole, nil
	}
	return direct, nil
}

// locationName is the locations/{id} part of a page id accounts/{a}/locations/{l}.
func locationName(pageID string) string {
	if i := strings.Index(pageID, "locations/"); i >= 0 {
		return pageID[i:]
	}
	return pageID
}

// accountOf is the accounts/{a} part of a page id accounts/{a}/locations/{l}.
func accountOf(pageID string) string {
	if i := strings.Index(pageID, "/locations/"); i >= 0 {
		return pageID[:i]
	}
	return ""
}

func article(role string) string {
	switch role {
	case "":
		return "not an admin"
	case "OWNER", "MANAGER", "PRIMARY_OWNER":
		return "an " + role
	}
	return "a " + role
}
