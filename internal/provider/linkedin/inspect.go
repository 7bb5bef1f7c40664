package linkedin

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/oauthx"
)

// introspection is introspectToken's answer. active is the only field
// LinkedIn always sends; status is active, expired or revoked; scope is
// comma-separated; the times are epoch seconds.
// https://learn.microsoft.com/en-us/linkedin/shared/authentication/token-introspection
type introspection struct {
	Active    bool   `json:"active"`
	Status    string `json:"status"`
	ExpiresAt int64  `json:"expires_at"`
	Scope     string `json:"scope"`
}

// Inspect asks introspectToken whether the token is active and what it
// grants, then checks that the member is still a Super Admin of the page.
func (p *Provider) Inspect(ctx context.Context, page *tokenwatch.Page, creds tokenwatch.Credentials) (*provider.Inspection, error) {
	r, err := p.introspect(ctx, creds.AccessToken)
	if err != nil {
		return nil, err
	}
	if !r.Active {
		status := r.Status
		if status == "" {
			// Also what LinkedIn answers for a token of another app.
			status = "inactive"
		}
		return nil, &provider.Error{Provider: tokenwatch.LinkedIn, Class: tokenwatch.ClassMustReconnect, Code: status,
			Message: "LinkedIn says the token is " + status}
	}
	granted := oauthx.Scopes(r.Scope)
	if err := p.oauth.MissingScopes(requiredScopes, granted); err != nil {
		return nil, err
	}
	roles, complete, err := p.roles(ctx, creds.AccessToken, func(roles map[string]string) bool {
		return roles[page.ProviderPageID] == roleAdmin
	})
	if err != nil {
		return nil, err
	}
	role := roles[page.ProviderPageID]
	switch {
	case role == roleAdmin:
	case !complete:
		// The page may be among the roles not read: say nothing of it.
		return nil, &provider.Error{Provider: tokenwatch.LinkedIn, Class: tokenwatch.ClassTransient, Code: "too_many_organizations",
			Message: "the connecting member holds roles on more organizations than tokenwatch reads; the page's role was not found among them"}
	default:
		return nil, &provider.Error{Provider: tokenwatch.LinkedIn, Class: tokenwatch.ClassPermissionMissing, Code: "role",
			Message: "the connecting member is now a " + roleName(role) + " of the page; a " + requiredRole + " must reconnect it"}
	}
	in := &provider.Inspection{UserID: page.ProviderUserID, Scopes: granted}
	if r.ExpiresAt > 0 {
		in.AccessExpiresAt = time.Unix(r.ExpiresAt, 0)
	}
	return in, nil
}

// introspect calls introspectToken. The app authenticates with its client
// id and secret in the form, so LinkedIn's refusals there are about the app,
// not the token: 401 is a wrong client secret; 400 is "invalid client id or
// token", which a call with the token itself tells apart (a dead token
// fails it as 401).
// https://learn.microsoft.com/en-us/linkedin/shared/authentication/token-introspection#http-response-status-codes
func (p *Provider) introspect(ctx context.Context, token tokenwatch.Secret) (*introspection, error) {
	var r introspection
	form := url.Values{
		"client_id":     {p.cfg.ClientID},
		"client_secret": {p.cfg.ClientSecret.Reveal()},
		"token":         {token.Reveal()},
	}
	err := p.oauth.PostForm(ctx, introspectURL, form, tokenwatch.Secret{}, &r)
	var pe *provider.Error
	switch {
	case err == nil:
		return &r, nil
	case !errors.As(err, &pe):
		return nil, err
	case pe.Status == http.StatusUnauthorized:
		pe.Class, pe.Rejected = tokenwatch.ClassService, false
		pe.Message = "LinkedIn's introspectToken refused tokenwatch's client secret: check the LinkedIn app's client secret"
		return nil, pe
	case pe.Status == http.StatusBadRequest:
		if _, _, err := p.roles(ctx, token, func(map[string]string) bool { return true }); err != nil {
			return nil, err
		}
		pe.Class, pe.Rejected = tokenwatch.ClassService, false
		pe.Message = "LinkedIn's introspectToken refused tokenwatch's client id although the token works: check the LinkedIn app's client id"
		return nil, pe
	}
	return nil, err
}
