package googlebusiness

import (
	"context"
	"fmt"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// Inspect checks the token with tokeninfo, then that the user is still an
// owner or manager of the location: by their role on the account the page
// was connected through (when it is a location group) and among the
// location's admins, as when the page was connected.
func (p *Provider) Inspect(ctx context.Context, page *tokenwatch.Page, creds tokenwatch.Credentials) (*provider.Inspection, error) {
	in, err := p.oauth.Inspect(ctx, creds.AccessToken)
	if err != nil {
		return nil, err
	}
	accounts, err := p.accounts(ctx, creds.AccessToken)
	if err != nil {
		return nil, err
	}
	groupRole := ""
	for _, a := range accounts {
		if a.Name == accountOf(page.ProviderPageID) && a.Type != "PERSONAL" {
			groupRole = a.Role
		}
	}
	role, err := p.role(ctx, creds.AccessToken, locationName(page.ProviderPageID), personal(accounts), groupRole)
	if err != nil {
		return nil, err
	}
	if !eligibleRoles[role] {
		return nil, &provider.Error{Provider: tokenwatch.GoogleBusiness, Class: tokenwatch.ClassPermissionMissing, Code: "role",
			Message: fmt.Sprintf("the connecting user is %s of the Business Profile; an %s must reconnect it", article(role), requiredRole)}
	}
	return in, nil
}
