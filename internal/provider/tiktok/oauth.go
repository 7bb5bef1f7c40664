package tiktok

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/oauthx"
)

// AuthCodeURL returns TikTok's consent URL: client_key, comma-separated
// scopes, no PKCE on the web.
func (p *Provider) AuthCodeURL(state, verifier, redirectURI string) string {
	q := url.Values{
		"client_key":    {p.cfg.ClientID},
		"scope":         {strings.Join(scopes, ",")},
		"response_type": {"code"},
		"redirect_uri":  {redirectURI},
		"state":         {state},
	}
	return p.c.URL(authURL) + "?" + q.Encode()
}

// Exchange trades the code for tokens and reads the account.
func (p *Provider) Exchange(ctx context.Context, code, verifier, redirectURI string) (*provider.Grant, error) {
	t, openID, err := p.token(ctx, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}})
	if err != nil {
		return nil, err
	}
	u, err := p.user(ctx, t.AccessToken)
	if err != nil {
		return nil, err
	}
	if u.OpenID == "" {
		u.OpenID = openID
	}
	return &provider.Grant{Token: t, UserID: u.OpenID, UserName: u.DisplayName}, nil
}

// tokenResponse is the token endpoint's answer
// (developers.tiktok.com/doc/oauth-user-access-token-management); an
// error comes as {"error", "error_description", "log_id"}
// (developers.tiktok.com/doc/oauth-error-handling).
type tokenResponse struct {
	AccessToken      string `json:"access_token"`
	ExpiresIn        int64  `json:"expires_in"`
	RefreshToken     string `json:"refresh_token"`
	RefreshExpiresIn int64  `json:"refresh_expires_in"`
	OpenID           string `json:"open_id"`
	Scope            string `json:"scope"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	LogID            string `json:"log_id"`
}

// token calls the token endpoint, which wants client_key and client_secret
// in the form body (not client_id, not HTTP Basic).
func (p *Provider) token(ctx context.Context, form url.Values) (provider.Token, string, error) {
	form.Set("client_key", p.cfg.ClientID)
	form.Set("client_secret", p.cfg.ClientSecret.Reveal())
	secrets := []string{form.Get("code"), form.Get("refresh_token"), form.Get("client_secret")}
	var r tokenResponse
	h := http.Header{"Cache-Control": {"no-cache"}}
	if _, err := p.c.Do(ctx, oauthx.Request{Method: http.MethodPost, URL: tokenURL, Form: form, Header: h}, &r); err != nil {
		return provider.Token{}, "", err
	}
	if r.Error != "" || r.AccessToken == "" {
		// TikTok documents no status for its token errors: one that comes
		// with a 200 is triaged like any other.
		if r.Error == "" {
			r.Error, r.ErrorDescription = "server_error", "the token response holds no access token"
		}
		body, _ := json.Marshal(map[string]string{"error": r.Error, "error_description": r.ErrorDescription})
		return provider.Token{}, "", p.c.Fail(http.StatusOK, nil, body, secrets...)
	}
	return tokenOf(r, time.Now()), r.OpenID, nil
}

// tokenOf reads a token response, with TikTok's documented lifetimes where
// the response gives none.
func tokenOf(r tokenResponse, now time.Time) provider.Token {
	t := provider.Token{
		AccessToken:      tokenwatch.NewSecret(r.AccessToken),
		AccessExpiresAt:  oauthx.ExpiresAt(now, r.ExpiresIn),
		RefreshExpiresAt: oauthx.ExpiresAt(now, r.RefreshExpiresIn),
		Scopes:           oauthx.Scopes(r.Scope),
	}
	if t.AccessExpiresAt.IsZero() {
		t.AccessExpiresAt = now.Add(AccessLifetime)
	}
	if r.RefreshToken != "" {
		t.RefreshToken = tokenwatch.NewSecret(r.RefreshToken)
		if t.RefreshExpiresAt.IsZero() {
			t.RefreshExpiresAt = now.Add(RefreshLifetime)
		}
	}
	return t
}
