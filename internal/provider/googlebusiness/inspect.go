package googlebusiness

import (
	"context"
	"fmt"

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
	role, err := p.role(ctx, creds.AccessToken, locationName(page.ProviderPageID), personal(accounts), "")
	if err != nil {
		return nil, err
	}
	if !eligibleRoles[role] {
		return nil, &provider.Error{Provider: tokenwatch.GoogleBusiness, Class: tokenwatch.ClassPermissionMissing, Code: "role",
			Message: fmt.Sprintf("the connecting user is %s of the Business Profile; an %s must reconnect it", article(role), requiredRole)}
	}
	return in, nil
}
