package googlebusiness

import (
	"context"
	"fmt"
	"strings"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// Inspect checks the token with tokeninfo, then that the user is still an
// owner or manager of the location.
func (p *Provider) Inspect(ctx context.Context, page *tokenwatch.Page, creds tokenwatch.Credentials) (*provider.Inspection, error) {
	in, err := p.oauth.Inspect(ctx, creds.AccessToken)
	if err != nil {
		return nil, err
	}
	accounts, err := p.accounts(ctx, creds.AccessToken)
	if err != nil {
		return nil, err
	}
	// The page id is accounts/{a}/locations/{l}: the user's role on that
	// account (a location group) counts when they are not listed among the
	// location's own admins, as when the page was connected.
	var accountRole string
	for _, a := range accounts {
		if strings.HasPrefix(page.ProviderPageID, a.Name+"/") {
			accountRole = a.Role
		}
	}
	role, err := p.role(ctx, creds.AccessToken, locationName(page.ProviderPageID), personal(accounts), accountRole)
	if err != nil {
		return nil, err
	}
	if !eligibleRoles[role] {
		return nil, &provider.Error{Provider: tokenwatch.GoogleBusiness, Class: tokenwatch.ClassPermissionMissing, Code: "role",
			Message: fmt.Sprintf("the connecting user is %s of the Business Profile; an %s must reconnect it", article(role), requiredRole)}
	}
	return in, nil
}
