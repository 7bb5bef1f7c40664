package web_test

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/store/storetest"
	"github.com/tokenwatch/tokenwatch/internal/web"
)

// /metrics asks for the bearer token when one is set, and answers 401
// without it.
func TestMetricsToken(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t, filepath.Join(t.TempDir(), "tw.db"), store.Options{})
	metrics := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("tokenwatch_up 1\n")) })
	scrape := func(token tokenwatch.Secret, auth string) int {
		w, err := web.New(st, web.Options{Policy: lifecycle.Default(), PasswordCost: bcrypt.MinCost, Metrics: metrics, MetricsToken: token})
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest("GET", "/metrics", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		w.ServeHTTP(rec, req)
		if rec.Code == http.StatusUnauthorized && rec.Header().Get("WWW-Authenticate") != `Bearer realm="tokenwatch metrics"` {
			t.Errorf("401 without a WWW-Authenticate challenge: %q", rec.Header().Get("WWW-Authenticate"))
		}
		return rec.Code
	}
	token := tokenwatch.NewSecret("metrics-token-0123456789")
	for auth, want := range map[string]int{
		"":                                   http.StatusUnauthorized,
		"Bearer wrong-token":                 http.StatusUnauthorized,
		"Basic bWV0cmljczptZXRyaWNz":         http.StatusUnauthorized,
		"Bearer metrics-token-0123456789":    http.StatusOK,
		"bearer metrics-token-0123456789":    http.StatusOK,
		"Bearer metrics-token-0123456789xyz": http.StatusUnauthorized,
	} {
		if got := scrape(token, auth); got != want {
			t.Errorf("Authorization %q: %d, want %d", auth, got, want)
		}
	}
	if got := scrape(tokenwatch.Secret{}, ""); got != http.StatusOK {
		t.Errorf("without a token set: %d, want 200", got)
	}
}
