package threads_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/threads"
)

// The Threads API version is the configured one (provider.APIThreads,
// v1.0 unless TOKENWATCH_THREADS_API_VERSION says otherwise) in every API
// call; the token endpoints have no version.
// https://developers.facebook.com/docs/threads/overview
func TestGraphVersionFromConfig(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		versions map[string]string
		want     string
	}{
		{nil, provider.LookupAPI(provider.APIThreads).Default},
		{map[string]string{provider.APIThreads: "v2.0"}, "v2.0"},
	} {
		var mu sync.Mutex
		var paths []string
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			paths = append(paths, r.URL.Path)
			mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"id":"1790","user_id":"1784","username":"bakery","status":"FINISHED","scopes":["threads_basic","threads_content_publish"],"is_valid":true}`))
		}))
		p := threads.New(provider.Config{ClientID: "app", ClientSecret: tokenwatch.NewSecret("s"), BaseURL: srv.URL, Versions: tc.versions})
		page := &tokenwatch.Page{ProviderPageID: "1784"}
		creds := tokenwatch.Credentials{AccessToken: tokenwatch.NewSecret("token")}
		if _, err := p.Inspect(context.Background(), page, creds); err != nil {
			t.Fatal(err)
		}
		if _, err := p.Publish(context.Background(), page, creds, provider.Post{Text: "hi", MediaURL: "https://cdn.example/bread.jpg"}); err != nil {
			t.Fatal(err)
		}
		srv.Close()
		if len(paths) < 3 {
			t.Fatalf("paths = %v", paths)
		}
		for _, path := range paths {
			if !strings.HasPrefix(path, "/"+tc.want+"/") {
				t.Errorf("Graph call %s is not at %s", path, tc.want)
			}
		}
	}
}
