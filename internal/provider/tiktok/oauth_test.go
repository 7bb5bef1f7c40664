package tiktok

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
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

// TestTokenErrorsQuoteNoSecret: a token error TikTok answers with a 200
// is scrubbed like any other, the app's secret included.
func TestTokenErrorsQuoteNoSecret(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"error":"invalid_client","error_description":"bad secret ` + r.Form.Get("client_secret") +
			` for token ` + r.Form.Get("refresh_token") + `","log_id":"x"}`))
	}))
	defer srv.Close()
	p := New(provider.Config{ClientID: "awkey", ClientSecret: tokenwatch.NewSecret("the-app-secret-0123456789"), BaseURL: srv.URL})
	_, err := p.Refresh(context.Background(), &tokenwatch.Page{}, tokenwatch.Credentials{RefreshToken: tokenwatch.NewSecret("rft.the-refresh-token-0123")})
	if err == nil || strings.Contains(err.Error(), "the-app-secret") || strings.Contains(err.Error(), "the-refresh-token") {
		t.Errorf("error %v quotes a secret", err)
	}
	if provider.ClassOf(err) != tokenwatch.ClassService {
		t.Errorf("invalid_client in a 200: %v, want a service problem", err)
	}
}
