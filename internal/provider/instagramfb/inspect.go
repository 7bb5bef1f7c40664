package instagramfb

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// Inspect checks the token with debug_token (validity, expiry, data access,
// scopes) and reads the Instagram account with it: Meta answers 190/492
// when the user lost their role on the linked Page, and refuses the read
// when that role comes through a Business Portfolio and the grant has
// neither ads_read nor ads_management.
func (p *Provider) Inspect(ctx context.Context, page *tokenwatch.Page, creds tokenwatch.Credentials) (*provider.Inspection, error) {
	in, err := p.login.Inspect(ctx, page.ProviderPageID, creds.AccessToken, requiredScopes)
	if err != nil {
		return nil, explainBusinessRole(err, page.Scopes)
	}
	return in, nil
}

// explainBusinessRole turns a refused Instagram account into what the user
// must do when the grant lacks the ads permission a Business Portfolio
// role needs; other errors pass unchanged.
func explainBusinessRole(err error, granted []string) error {
	var pe *provider.Error
	if !errors.As(err, &pe) || pe.Class != tokenwatch.ClassPermissionMissing || pe.Code == "190/492" || pe.Code == "missing_scope" {
		return err
	}
	for _, s := range businessScopes {
		if slices.Contains(granted, s) {
			return err
		}
	}
	out := *pe
	out.Message = fmt.Sprintf(businessRoleMessage, pe.Message)
	return &out
}
