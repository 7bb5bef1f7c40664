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

// token calls the token endpoint, which wants client_key and the secret in
// the form and answers with both lifetimes and the open_id.
func (p *Provider) token(ctx context.Context, form url.Values) (provider.Token, string, error) {
	form.Set("client_key", p.cfg.ClientID)
	form.Set("client_secret", p.cfg.ClientSecret.Reveal())
	var r struct {
		AccessToken      string `json:"access_token"`
		ExpiresIn        int64  `json:"expires_in"`
		RefreshToken     string `json:"refresh_token"`
		RefreshExpiresIn int64  `json:"refresh_expires_in"`
		OpenID           string `json:"open_id"`
		Scope            string `json:"scope"`
		Error            string `json:"error"`
	}
	h := http.Header{"Cache-Control": {"no-cache"}}
	if _, err := p.c.Do(ctx, oauthx.Request{Method: http.MethodPost, URL: tokenURL, Form: form, Header: h}, &r); err != nil {
		return provider.Token{}, "", err
	}
	if r.Error != "" || r.AccessToken == "" {
		// TikTok may answer 200 with an OAuth error.
		body, _ := json.Marshal(map[string]string{"error": r.Error})
		return provider.Token{}, "", p.c.Fail(http.StatusBadRequest, nil, body)
	}
	now := time.Now()
	return provider.Token{
		AccessToken:      tokenwatch.NewSecret(r.AccessToken),
		RefreshToken:     tokenwatch.NewSecret(r.RefreshToken),
		AccessExpiresAt:  oauthx.ExpiresAt(now, r.ExpiresIn),
		RefreshExpiresAt: oauthx.ExpiresAt(now, r.RefreshExpiresIn),
		Scopes:           oauthx.Scopes(r.Scope),
	}, r.OpenID, nil
}
