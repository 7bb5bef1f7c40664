package linkedin

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
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
	// A member with more organizations than maxACLPages can hold sees
	// those that fit.
	roles, _, err := p.roles(ctx, grant.AccessToken, nil)
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

// organizationAcls is a paged finder: start and count ask for a page (count
// defaults to 10), and the answer's paging says where it stands (start,
// count, and, where LinkedIn sends them, total and links). LinkedIn
// documents no maximum page size for it, so tokenwatch asks for aclPageSize
// and then follows the page size LinkedIn reports, not the one it asked for.
// https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/pagination
// https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/organization-access-control-by-role
const (
	aclPageSize = 100
	// maxACLPages bounds the pages read for one member (5,000 roles).
	maxACLPages = 50
)

type aclPage struct {
	Elements []struct {
		Organization string `json:"organization"`
		Role         string `json:"role"`
		State        string `json:"state"`
	} `json:"elements"`
	Paging struct {
		Start int  `json:"start"`
		Count int  `json:"count"`
		Total *int `json:"total"`
		Links []struct {
			Rel  string `json:"rel"`
			Href string `json:"href"`
		} `json:"links"`
	} `json:"paging"`
}

// more reports whether the finder has results after this page, which held
// n elements and ended at next.
func (a *aclPage) more(n, next int) bool {
	if n == 0 {
		return false
	}
	if a.Paging.Total != nil {
		return next < *a.Paging.Total
	}
	for _, l := range a.Paging.Links {
		if l.Rel == "next" {
			return true
		}
	}
	size := a.Paging.Count
	if size <= 0 || size > aclPageSize {
		size = aclPageSize
	}
	// "You have reached the end of the dataset when your response contains
	// fewer elements … than your count parameter."
	return n >= size
}

// roles maps organization ids to the member's strongest approved role,
// reading organizationAcls page by page until the last page, or until done
// says the roles read so far are enough. complete is false when the pages
// ran past maxACLPages.
func (p *Provider) roles(ctx context.Context, token tokenwatch.Secret, done func(map[string]string) bool) (roles map[string]string, complete bool, err error) {
	roles = map[string]string{}
	start := 0
	for range maxACLPages {
		var r aclPage
		req := p.rest(http.MethodGet, restURL+"/organizationAcls", token)
		req.Query = url.Values{"q": {"roleAssignee"}, "state": {"APPROVED"},
			"start": {strconv.Itoa(start)}, "count": {strconv.Itoa(aclPageSize)}}
		if _, err := p.oauth.Do(ctx, req, &r); err != nil {
			return nil, false, err
		}
		for _, e := range r.Elements {
			org := strings.TrimPrefix(e.Organization, orgURN)
			if e.State != "" && e.State != "APPROVED" {
				continue
			}
			if roles[org] != roleAdmin {
				roles[org] = e.Role
			}
		}
		if done != nil && done(roles) {
			return roles, true, nil
		}
		start += len(r.Elements)
		if !r.more(len(r.Elements), start) {
			return roles, true, nil
		}
	}
	return roles, false, nil
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
