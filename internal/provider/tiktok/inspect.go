package tiktok

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/oauthx"
)

// api calls a TikTok API endpoint and decodes the answer's data into out.
// TikTok wraps every answer as {"data":…,"error":{"code","message",
// "log_id"}} and "you can decide whether the request is successful based
// on the error code. Any code other than ok indicates the request did not
// succeed", whatever the HTTP status (creator_info answers some refusals
// with a 200).
func (p *Provider) api(ctx context.Context, r oauthx.Request, out any) error {
	var env struct {
		Data  json.RawMessage `json:"data"`
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
			LogID   string `json:"log_id"`
		} `json:"error"`
	}
	if _, err := p.c.Do(ctx, r, &env); err != nil {
		return err
	}
	if c := env.Error.Code; c != "" && c != "ok" {
		body, _ := json.Marshal(map[string]any{"data": map[string]any{}, "error": env.Error})
		return p.c.Fail(http.StatusOK, nil, body, r.Token.Reveal())
	}
	if out != nil && len(env.Data) > 0 && json.Unmarshal(env.Data, out) != nil {
		return &provider.Error{Provider: tokenwatch.TikTok, Class: tokenwatch.ClassTransient, Code: "bad_response",
			Message: "TikTok sent a response that could not be read", Status: http.StatusOK}
	}
	return nil
}

type user struct {
	OpenID      string `json:"open_id"`
	DisplayName string `json:"display_name"`
}

// user reads the account (GET /v2/user/info/; open_id and display_name
// need only user.info.basic, developers.tiktok.com/doc/tiktok-api-v2-get-user-info).
func (p *Provider) user(ctx context.Context, token tokenwatch.Secret) (user, error) {
	var d struct {
		User user `json:"user"`
	}
	err := p.api(ctx, oauthx.Request{Method: http.MethodGet, URL: p.apiURL + "/user/info/",
		Query: url.Values{"fields": {"open_id,display_name"}}, Token: token}, &d)
	return d.User, err
}

// Inspect reads the account with the token. An expired access token reads
// as access_token_invalid, which a refresh may cure (Error.RefreshMayFix).
func (p *Provider) Inspect(ctx context.Context, page *tokenwatch.Page, creds tokenwatch.Credentials) (*provider.Inspection, error) {
	u, err := p.user(ctx, creds.AccessToken)
	if err != nil {
		return nil, err
	}
	return &provider.Inspection{UserID: u.OpenID}, nil
}
