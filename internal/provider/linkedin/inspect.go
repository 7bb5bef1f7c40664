package linkedin

import (
	"context"
	"net/url"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/oauthx"
)

// Inspect asks introspectToken whether the token is active and what it
// grants, then checks that the member is still a Super Admin of the page.
func (p *Provider) Inspect(ctx context.Context, page *tokenwatch.Page, creds tokenwatch.Credentials) (*provider.Inspection, error) {
	var r struct {
		Active    bool   `json:"active"`
		Status    string `json:"status"`
		ExpiresAt int64  `json:"expires_at"`
		Scope     string `json:"scope"`
	}
	form := url.Values{
		"client_id":     {p.cfg.ClientID},
		"client_secret": {p.cfg.ClientSecret.Reveal()},
		"token":         {creds.AccessToken.Reveal()},
	}
	if err := p.oauth.PostForm(ctx, introspectURL, form, tokenwatch.Secret{}, &r); err != nil {
		return nil, err
	}
	if !r.Active {
		status := r.Status
		if status == "" {
			status = "inactive"
		}
		return nil, &provider.Error{Provider: tokenwatch.LinkedIn, Class: tokenwatch.ClassMustReconnect, Code: status,
			Message: "LinkedIn says the token is " + status}
	}
	granted := oauthx.Scopes(r.Scope)
	if err := p.oauth.MissingScopes(requiredScopes, granted); err != nil {
		return nil, err
	}
	roles, err := p.roles(ctx, creds.AccessToken)
	if err != nil {
		return nil, err
	}
	if role := roles[page.ProviderPageID]; role != roleAdmin {
		return nil, &provider.Error{Provider: tokenwatch.LinkedIn, Class: tokenwatch.ClassPermissionMissing, Code: "role",
			Message: "the connecting member is now a " + roleName(role) + " of the page; a " + requiredRole + " must reconnect it"}
	}
	in := &provider.Inspection{UserID: page.ProviderUserID, Scopes: granted}
	if r.ExpiresAt > 0 {
		in.AccessExpiresAt = time.Unix(r.ExpiresAt, 0)
	}
	return in, nil
}
