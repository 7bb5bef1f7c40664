package web

import (
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/tokenwatch/tokenwatch"
)

// bearer serves h to requests whose Authorization header bears token, and
// answers others 401; with no token set, to every request.
func bearer(token tokenwatch.Secret, realm string, h http.Handler) http.Handler {
	if token.IsZero() {
		return h
	}
	want := []byte(token.Reveal())
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, got, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="`+realm+`"`)
			http.Error(w, "a bearer token is required", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}
