package instagram

import (
	"context"

	"github.com/tokenwatch/tokenwatch/internal/provider"
)

var _ provider.Diagnoser = (*Provider)(nil)

// Diagnose checks the app at Meta without any user's token (see
// meta.Login.Diagnose and meta.AccountLogin.Diagnose).
func (p *Provider) Diagnose(ctx context.Context, redirectURI string) []provider.Finding {
	return p.login.Diagnose(ctx, redirectURI)
}
