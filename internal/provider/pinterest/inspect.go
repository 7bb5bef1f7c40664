package pinterest

import (
	"context"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// userAccount is GET /v5/user_account's answer (Account).
type userAccount struct {
	ID       string `json:"id"`
	Username string `json:"username"`
}

func (a userAccount) id() string {
	if a.ID != "" {
		return a.ID
	}
	return a.Username
}

func (p *Provider) account(ctx context.Context, token tokenwatch.Secret) (userAccount, error) {
	var a userAccount
	err := p.api.Get(ctx, p.apiURL+"/user_account", nil, token, &a)
	return a, err
}

// Inspect reads the account with the token (GET /v5/user_account).
func (p *Provider) Inspect(ctx context.Context, page *tokenwatch.Page, creds tokenwatch.Credentials) (*provider.Inspection, error) {
	a, err := p.account(ctx, creds.AccessToken)
	if err != nil {
		return nil, err
	}
	return &provider.Inspection{UserID: a.id()}, nil
}
