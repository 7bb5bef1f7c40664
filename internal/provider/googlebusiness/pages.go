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

type account struct {
	Name string `json:"name"` // accounts/{id}
	Type string `json:"type"`
	Role string `json:"role"`
}

type location struct {
	Name  string `json:"name"` // locations/{id}
	Title string `json:"title"`
}

// Pages lists the locations of every account the user sees, with the
// user's role on each.
func (p *Provider) Pages(ctx context.Context, grant *provider.Grant) ([]provider.Candidate, error) {
	accounts, err := p.accounts(ctx, grant.AccessToken)
	if err != nil {
		return nil, err
	}
	me := personal(accounts)
	type found struct {
		account account
		loc     location
	}
	var locs []found
	for _, a := range accounts {
		var r struct {
			Locations []location `json:"locations"`
		}
		q := url.Values{"readMask": {"name,title"}, "pageSize": {"100"}}
		if err := p.oauth.Get(ctx, locationsURL+"/"+a.Name+"/locations", q, grant.AccessToken, &r); err != nil {
			return nil, err
		}
		for _, l := range r.Locations {
			locs = append(locs, found{a, l})
		}
	}
	// One admins call per location: a few at a time, so that an agency
	// with hundreds of locations is listed within a page load.
	out := make([]provider.Candidate, len(locs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i, f := range locs {
		g.Go(func() error {
			role, err := p.role(gctx, grant.AccessToken, f.loc.Name, me, f.account.Role)
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

func (p *Provider) accounts(ctx context.Context, token tokenwatch.Secret) ([]account, error) {
	var r struct {
		Accounts []account `json:"accounts"`
	}
	err := p.oauth.Get(ctx, accountsURL+"/accounts", nil, token, &r)
	return r.Accounts, err
}

// personal is the user's own account, which names them among a location's admins.
func personal(accounts []account) string {
	for _, a := range accounts {
		if a.Type == "PERSONAL" {
			return a.Name
		}
	}
	if len(accounts) > 0 {
		return accounts[0].Name
	}
	return ""
}

// role is the user's role on a location: as listed among its admins, else
// the role on the account (location group) holding it.
func (p *Provider) role(ctx context.Context, token tokenwatch.Secret, locationName, me, accountRole string) (string, error) {
	var r struct {
		Admins []struct {
			Account string `json:"account"`
			Role    string `json:"role"`
		} `json:"admins"`
	}
	if err := p.oauth.Get(ctx, accountsURL+"/"+locationName+"/admins", nil, token, &r); err != nil {
		return "", err
	}
	for _, a := range r.Admins {
		if a.Account == me {
			return a.Role, nil
		}
	}
	return accountRole, nil
}

// locationName is the locations/{id} part of a page id accounts/{a}/locations/{l}.
func locationName(pageID string) string {
	if i := strings.Index(pageID, "locations/"); i >= 0 {
		return pageID[i:]
	}
	return pageID
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
