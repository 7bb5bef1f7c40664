package facebook

import (
	"context"
	"fmt"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/meta"
)

// Pages lists the Pages the user has a task on, each with its page token.
// A page token made from a long-lived user token does not expire; it lives
// until Meta's data-access expiry or an invalidation.
func (p *Provider) Pages(ctx context.Context, grant *provider.Grant) ([]provider.Candidate, error) {
	accounts, err := p.login.Accounts(ctx, grant.AccessToken, "id,name,access_token,tasks")
	if err != nil {
		return nil, err
	}
	out := make([]provider.Candidate, 0, len(accounts))
	for _, a := range accounts {
		c := provider.Candidate{
			ID:   a.ID,
			Name: a.Name,
			Role: role(a),
			Token: provider.Token{
				AccessToken:         tokenwatch.NewSecret(a.AccessToken),
				DataAccessExpiresAt: grant.DataAccessExpiresAt,
				Scopes:              grant.Scopes,
			},
		}
		c.Eligible = a.HasTask(taskManage)
		if !c.Eligible {
			c.Token = provider.Token{}
			c.Refusal = fmt.Sprintf("You have %s on this Page; connecting it needs %s "+
				"(and full control of the Business Portfolio when one owns the Page).", describe(c.Role), requiredRole)
		}
		out = append(out, c)
	}
	return out, nil
}

// role names the user's strongest task on the Page.
func role(a meta.Account) string {
	for _, t := range []string{taskManage, "CREATE_CONTENT", "MODERATE", "ADVERTISE", "ANALYZE"} {
		if a.HasTask(t) {
			return t
		}
	}
	return ""
}

func describe(role string) string {
	switch role {
	case taskManage:
		return "full control"
	case "":
		return "no task"
	}
	return "partial access (" + role + ")"
}
