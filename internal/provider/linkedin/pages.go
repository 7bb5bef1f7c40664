package linkedin

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
)

const orgURN = "urn:li:organization:"

// roleNames are LinkedIn's roles as its pages name them.
var roleNames = map[string]string{
	"ADMINISTRATOR":                   "Super Admin",
	"CONTENT_ADMINISTRATOR":           "Content Admin",
	"ANALYST":                         "Analyst",
	"CURATOR":                         "Curator",
	"DIRECT_SPONSORED_CONTENT_POSTER": "Sponsored Content Poster",
	"LEAD_GEN_FORMS_MANAGER":          "Lead Gen Forms Manager",
	"RECRUITING_POSTER":               "Recruiting Poster",
}

// Pages lists the organizations the member has an approved role on.
func (p *Provider) Pages(ctx context.Context, grant *provider.Grant) ([]provider.Candidate, error) {
	roles, err := p.roles(ctx, grant.AccessToken)
	if err != nil {
		return nil, err
	}
	orgs := slices.Sorted(maps.Keys(roles))
	out := make([]provider.Candidate, len(orgs))
	// One call per organization for its name: a few at a time.
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i, org := range orgs {
		g.Go(func() error {
			var o struct {
				LocalizedName string `json:"localizedName"`
			}
			if _, err := p.oauth.Do(gctx, p.rest(http.MethodGet, restURL+"/organizations/"+url.PathEscape(org), grant.AccessToken), &o); err != nil {
				return err
			}
			role := roles[org]
			c := provider.Candidate{ID: org, Name: o.LocalizedName, Role: roleName(role), Eligible: role == roleAdmin}
			if c.Eligible {
				c.Token = grant.Token
			} else {
				c.Refusal = fmt.Sprintf("You are a %s of this page; LinkedIn lets only a %s connect it.", roleName(role), requiredRole)
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

// roles maps organization ids to the member's strongest approved role.
func (p *Provider) roles(ctx context.Context, token tokenwatch.Secret) (map[string]string, error) {
	var r struct {
		Elements []struct {
			Organization string `json:"organization"`
			Role         string `json:"role"`
			State        string `json:"state"`
		} `json:"elements"`
	}
	req := p.rest(http.MethodGet, restURL+"/organizationAcls", token)
	req.Query = url.Values{"q": {"roleAssignee"}, "state": {"APPROVED"}, "count": {"100"}}
	if _, err := p.oauth.Do(ctx, req, &r); err != nil {
		return nil, err
	}
	roles := map[string]string{}
	for _, e := range r.Elements {
		org := strings.TrimPrefix(e.Organization, orgURN)
		if e.State != "" && e.State != "APPROVED" {
			continue
		}
		if roles[org] != roleAdmin {
			roles[org] = e.Role
		}
	}
	return roles, nil
}

func roleName(role string) string {
	if n, ok := roleNames[role]; ok {
		return n
	}
	if role == "" {
		return "no admin"
	}
	return role
}
