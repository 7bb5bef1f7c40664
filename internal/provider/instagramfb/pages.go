package instagramfb

import (
	"context"
	"fmt"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// Pages lists the Instagram accounts linked to the user's Facebook Pages;
// the linked Page's token is the account's credential.
func (p *Provider) Pages(ctx context.Context, grant *provider.Grant) ([]provider.Candidate, error) {
	accounts, err := p.login.Accounts(ctx, grant.AccessToken, "id,name,access_token,tasks,instagram_business_account{id,username}")
	if err != nil {
		return nil, err
	}
	var out []provider.Candidate
	for _, a := range accounts {
		if a.Instagram == nil {
			continue
		}
		c := provider.Candidate{ID: a.Instagram.ID, Name: a.Instagram.Username, Eligible: a.HasTask(eligibleTasks...)}
		for _, t := range eligibleTasks {
			if c.Role == "" && a.HasTask(t) {
				c.Role = t
			}
		}
		if c.Eligible {
			c.Token = provider.Token{
				AccessToken:         tokenwatch.NewSecret(a.AccessToken),
				DataAccessExpiresAt: grant.DataAccessExpiresAt,
				Scopes:              grant.Scopes,
			}
		} else {
			c.Refusal = fmt.Sprintf("Your access to the Facebook Page %q does not let you publish; connecting its Instagram account needs %s.", a.Name, requiredRole)
		}
		out = append(out, c)
	}
	return out, nil
}
