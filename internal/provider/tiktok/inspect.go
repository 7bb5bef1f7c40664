package tiktok

import (
	"context"
	"net/url"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
)

type user struct {
	OpenID      string `json:"open_id"`
	DisplayName string `json:"display_name"`
}

func (p *Provider) user(ctx context.Context, token tokenwatch.Secret) (user, error) {
	var r struct {
		Data struct {
			User user `json:"user"`
		} `json:"data"`
	}
	err := p.c.Get(ctx, apiURL+"/user/info/", url.Values{"fields": {"open_id,display_name"}}, token, &r)
	return r.Data.User, err
}

// Inspect reads the account with the token (GET /v2/user/info/). An expired
// access token reads as invalid: callers refresh first (Info.RefreshDue).
func (p *Provider) Inspect(ctx context.Context, page *tokenwatch.Page, creds tokenwatch.Credentials) (*provider.Inspection, error) {
	u, err := p.user(ctx, creds.AccessToken)
	if err != nil {
		return nil, err
	}
	return &provider.Inspection{UserID: u.OpenID}, nil
}
