package x

import (
	"context"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
)

type user struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Username string `json:"username"`
}

func (p *Provider) me(ctx context.Context, t provider.Token) (user, error) {
	var r struct {
		Data user `json:"data"`
	}
	err := p.oauth.Get(ctx, apiURL+"/users/me", nil, t.AccessToken, &r)
	return r.Data, err
}

// Inspect reads the account with the token (GET /2/users/me). An expired
// two-hour token reads as dead: callers refresh before (Info.RefreshDue).
func (p *Provider) Inspect(ctx context.Context, page *tokenwatch.Page, creds tokenwatch.Credentials) (*provider.Inspection, error) {
	me, err := p.me(ctx, provider.Token{AccessToken: creds.AccessToken})
	if err != nil {
		return nil, err
	}
	return &provider.Inspection{UserID: me.ID}, nil
}
