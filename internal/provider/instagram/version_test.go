package instagram_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/instagram"
)

// graph.instagram.com follows the Graph API's versions: the configured one
// (provider.APIMetaGraph) is in every API call; the token endpoints have
// no version.
// https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/get-started
func TestGraphVersionFromConfig(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		versions map[string]string
		want     string
	}{
		{nil, provider.LookupAPI(provider.APIMetaGraph).Default},
		{map[string]string{provider.APIMetaGraph: "v24.0"}, "v24.0"},
	} {
		var mu sync.Mutex
		var paths []string
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			paths = append(paths, r.URL.Path)
			mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"id":"1790","user_id":"1784","username":"bakery","status_code":"FINISHED"}`))
		}))
		p := instagram.New(provider.Config{ClientID: "app", ClientSecret: tokenwatch.NewSecret("s"), BaseURL: srv.URL, Versions: tc.versions})
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
