package threads_test

import (
	"net/url"
	"testing"

	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/threads"
)

// Threads' consent screen is at threads.com/oauth/authorize (PROVIDERS.md,
// review of 28 November 2026); the sandbox serves the same path.
func TestAuthorizationAtThreadsCom(t *testing.T) {
	t.Parallel()
	u, err := url.Parse(threads.New(provider.Config{ClientID: "app"}).AuthCodeURL("st", "", "https://tokenwatch.test/cb"))
	if err != nil {
		t.Fatal(err)
	}
	if u.Scheme != "https" || u.Host != "threads.com" || u.Path != "/oauth/authorize" {
		t.Errorf("consent URL %s, want https://threads.com/oauth/authorize", u)
	}
	if q := u.Query(); q.Get("client_id") != "app" || q.Get("response_type") != "code" || q.Get("scope") != "threads_basic,threads_content_publish" {
		t.Errorf("consent query %v", q)
	}
}
