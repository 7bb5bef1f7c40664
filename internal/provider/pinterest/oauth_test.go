package pinterest

import (
	"testing"
	"time"
)

// TestTokenOf reads the refresh token's expiry from refresh_token_expires_in,
// else refresh_token_expires_at (a Unix time), as OauthAccessTokenResponse
// in Pinterest's OpenAPI description has them.
func TestTokenOf(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	got := tokenOf(tokenResponse{AccessToken: "pina", ExpiresIn: 2592000, RefreshToken: "pinr", RefreshTokenExpiresIn: 5184000,
		RefreshTokenExpiresAt: now.Add(time.Hour).Unix(), Scope: "boards:read pins:read"}, now)
	if !got.AccessExpiresAt.Equal(now.Add(30*24*time.Hour)) || !got.RefreshExpiresAt.Equal(now.Add(60*24*time.Hour)) || len(got.Scopes) != 2 {
		t.Errorf("%+v", got)
	}
	got = tokenOf(tokenResponse{AccessToken: "pina", ExpiresIn: 2592000, RefreshToken: "pinr", RefreshTokenExpiresAt: now.Add(60 * 24 * time.Hour).Unix()}, now)
	if !got.RefreshExpiresAt.Equal(now.Add(60 * 24 * time.Hour)) {
		t.Errorf("from refresh_token_expires_at: %v", got.RefreshExpiresAt)
	}
	if got = tokenOf(tokenResponse{AccessToken: "pina", ExpiresIn: 2592000}, now); !got.RefreshToken.IsZero() || !got.RefreshExpiresAt.IsZero() {
		t.Errorf("no refresh token in the answer: %+v", got)
	}
}
