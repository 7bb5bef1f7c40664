package pinterest

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/oauthx"
)

// AuthCodeURL returns Pinterest's consent URL; Pinterest wants the scopes
// comma-separated.
func (p *Provider) AuthCodeURL(state, verifier, redirectURI string) string {
	q := url.Values{
		"client_id":     {p.cfg.ClientID},
		"redirect_uri":  {redirectURI},
		"response_type": {"code"},
		"scope":         {strings.Join(scopes, ",")},
		"state":         {state},
	}
	return p.tok.URL(authURL) + "?" + q.Encode()
}

// Exchange trades the code for tokens and reads the account.
// continuous_refresh=true asks for a continuous refresh token: apps created
// before 25 September 2025 must send it, later ones get one anyway
// (developers.pinterest.com/docs/api/v5/oauth-token).
func (p *Provider) Exchange(ctx context.Context, code, verifier, redirectURI string) (*provider.Grant, error) {
	t, err := p.token(ctx, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI},
		"continuous_refresh": {"true"}})
	if err != nil {
		return nil, err
	}
	a, err := p.account(ctx, t.AccessToken)
	if err != nil {
		return nil, err
	}
	return &provider.Grant{Token: t, UserID: a.id(), UserName: a.Username}, nil
}

// tokenResponse is POST /v5/oauth/token's answer (OauthAccessTokenResponse
// in Pinterest's OpenAPI description): refresh_token_expires_at is a Unix
// time, refresh_token_expires_in seconds.
type tokenResponse struct {
	AccessToken           string `json:"access_token"`
	ExpiresIn             int64  `json:"expires_in"`
	RefreshToken          string `json:"refresh_token"`
	RefreshTokenExpiresIn int64  `json:"refresh_token_expires_in"`
	RefreshTokenExpiresAt int64  `json:"refresh_token_expires_at"`
	Scope                 string `json:"scope"`
}

// token calls the token endpoint with the app's credentials as HTTP Basic
// authentication, as Pinterest requires (security "basic").
func (p *Provider) token(ctx context.Context, form url.Values) (provider.Token, error) {
	var r tokenResponse
	_, err := p.tok.Do(ctx, oauthx.Request{Method: http.MethodPost, URL: tokenURL, Form: form,
		BasicUser: p.cfg.ClientID, BasicPassword: p.cfg.ClientSecret}, &r)
	if err != nil {
		return provider.Token{}, err
	}
	if r.AccessToken == "" {
		return provider.Token{}, &provider.Error{Provider: tokenwatch.Pinterest, Class: tokenwatch.ClassTransient, Code: "bad_response",
			Message: "Pinterest's token response holds no access token", Status: http.StatusOK}
	}
	return tokenOf(r, time.Now()), nil
}

// tokenOf reads a token response. The refresh token is returned only when
// the response carried one: with continuous refresh every refresh brings a
// new one; without it the stored one stays.
func tokenOf(r tokenResponse, now time.Time) provider.Token {
	t := provider.Token{
		AccessToken:     tokenwatch.NewSecret(r.AccessToken),
		AccessExpiresAt: oauthx.ExpiresAt(now, r.ExpiresIn),
		Scopes:          oauthx.Scopes(r.Scope),
	}
	if r.RefreshToken != "" {
		t.RefreshToken = tokenwatch.NewSecret(r.RefreshToken)
	}
	switch {
	case r.RefreshTokenExpiresIn > 0:
		t.RefreshExpiresAt = oauthx.ExpiresAt(now, r.RefreshTokenExpiresIn)
	case r.RefreshTokenExpiresAt > 0:
		t.RefreshExpiresAt = time.Unix(r.RefreshTokenExpiresAt, 0)
	}
	return t
}
