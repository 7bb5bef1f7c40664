package tiktok

import (
	"testing"
	"time"
)

// TestTokenLifetimes: the response's expires_in and refresh_expires_in
// win; without them, the lifetimes of developers.tiktok.com/docs/en/oauth-user-access-token-management
// (November 2026): 2 hours and 180 days.
func TestTokenLifetimes(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	got := tokenOf(tokenResponse{AccessToken: "a", RefreshToken: "r", ExpiresIn: 7200, RefreshExpiresIn: 15552000}, now)
	if !got.AccessExpiresAt.Equal(now.Add(2*time.Hour)) || !got.RefreshExpiresAt.Equal(now.Add(180*24*time.Hour)) {
		t.Errorf("from the response: %v %v", got.AccessExpiresAt, got.RefreshExpiresAt)
	}
	got = tokenOf(tokenResponse{AccessToken: "a", RefreshToken: "r", ExpiresIn: 86400, RefreshExpiresIn: 31536000}, now)
	if !got.AccessExpiresAt.Equal(now.Add(24*time.Hour)) || !got.RefreshExpiresAt.Equal(now.Add(365*24*time.Hour)) {
		t.Errorf("an older answer's lifetimes are read too: %v %v", got.AccessExpiresAt, got.RefreshExpiresAt)
	}
	got = tokenOf(tokenResponse{AccessToken: "a", RefreshToken: "r"}, now)
	if !got.AccessExpiresAt.Equal(now.Add(2*time.Hour)) || !got.RefreshExpiresAt.Equal(now.Add(180*24*time.Hour)) {
		t.Errorf("defaults: %v %v, want 2 h and 180 days", got.AccessExpiresAt, got.RefreshExpiresAt)
	}
	if got.RefreshToken.Reveal() != "r" {
		t.Error("the rotated refresh token is not returned")
	}
	if got = tokenOf(tokenResponse{AccessToken: "a"}, now); !got.RefreshToken.IsZero() || !got.RefreshExpiresAt.IsZero() {
		t.Errorf("no refresh token in the answer: %+v", got)
	}
}
