package linkedin

import (
	"context"
	"testing"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// Without LinkedIn's partner refresh, tokenwatch does not refresh and says
// so; nothing is sent.
func TestRefreshNeedsAPartnerApp(t *testing.T) {
	t.Parallel()
	p := New(provider.Config{BaseURL: "http://127.0.0.1:1"})
	if info := p.Info(); info.AutoRefresh || info.RefreshLead != 0 {
		t.Errorf("Info = %+v, want no auto refresh", info)
	}
	_, err := p.Refresh(context.Background(), &tokenwatch.Page{}, tokenwatch.Credentials{RefreshToken: tokenwatch.NewSecret("rt")})
	if !provider.IsRejected(err) {
		t.Errorf("Refresh = %v, want a refusal", err)
	}
	if !New(provider.Config{RefreshEnabled: true}).Info().AutoRefresh {
		t.Error("a partner app refreshes")
	}
}
