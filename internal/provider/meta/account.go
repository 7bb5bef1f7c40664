package meta

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/oauthx"
)

// AccountLogin is the login of Meta's networks where the account itself
// consents (Instagram Login, Threads): a code gives a short-lived token,
// traded at once for a 60-day one, which a GET grant prolongs once it is at
// least a day old.
type AccountLogin struct {
	*oauthx.Client
	cfg    provider.Config
	scopes []string
	ep     AccountEndpoints
}

// AccountEndpoints are the real endpoints and grant names of one network.
type AccountEndpoints struct {
	Auth, Token, LongLived, Refresh, Me string
	ExchangeGrant, RefreshGrant         string
	MeFields                            string
	// AccountIsUserID says the account is /me's user_id, not its id
	// (Instagram Login: user_id is the professional account's id, which
	// publishing and webhooks use; id is app-scoped and may differ).
	AccountIsUserID bool
}

// NewAccountLogin returns the login of network name.
func NewAccountLogin(name tokenwatch.Provider, cfg provider.Config, scopes []string, ep AccountEndpoints) *AccountLogin {
	return &AccountLogin{Client: newClient(name, cfg), cfg: cfg, scopes: scopes, ep: ep}
}

// AuthCodeURL is the consent URL; these networks take no PKCE.
func (a *AccountLogin) AuthCodeURL(state, redirectURI string) string {
	return dialog(a.URL(a.ep.Auth), a.cfg.ClientID, redirectURI, state, a.scopes)
}

// Exchange trades the code for a short-lived token, that for a long-lived
// one, and reads who the account is.
func (a *AccountLogin) Exchange(ctx context.Context, code, redirectURI string) (*provider.Grant, error) {
	form := url.Values{
		"client_id":     {a.cfg.ClientID},
		"client_secret": {a.cfg.ClientSecret.Reveal()},
		"grant_type":    {"authorization_code"},
		"redirect_uri":  {redirectURI},
		"code":          {code},
	}
	var short TokenResponse
	if err := a.PostForm(ctx, a.ep.Token, form, tokenwatch.Secret{}, &short); err != nil {
		return nil, err
	}
	long, err := LongLived(ctx, a.Client, a.ep.LongLived, a.ep.ExchangeGrant, a.cfg.ClientSecret, short.Token(time.Now()).AccessToken)
	if err != nil {
		return nil, err
	}
	long.Scopes = a.scopes
	me, err := a.Me(ctx, long.AccessToken)
	if err != nil {
		return nil, err
	}
	id := a.Account(me)
	if id == "" {
		return nil, &provider.Error{Provider: a.Name(), Class: tokenwatch.ClassTransient, Code: "bad_response",
			Message: "the network did not say which account consented", Status: http.StatusOK}
	}
	return &provider.Grant{Token: long, UserID: id, UserName: me.Name}, nil
}

// Account is the id of the account a /me answer describes.
func (a *AccountLogin) Account(me Identity) string {
	if a.ep.AccountIsUserID {
		return string(me.UserID)
	}
	return string(me.ID)
}

// Refresh prolongs a long-lived token that is at least a day old and not
// expired; no refresh token exists.
func (a *AccountLogin) Refresh(ctx context.Context, token tokenwatch.Secret) (*provider.Token, error) {
	t, err := LongLived(ctx, a.Client, a.ep.Refresh, a.ep.RefreshGrant, tokenwatch.Secret{}, token)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// Me reads the account the token belongs to.
func (a *AccountLogin) Me(ctx context.Context, token tokenwatch.Secret) (Identity, error) {
	return Me(ctx, a.Client, a.ep.Me, a.ep.MeFields, token)
}
