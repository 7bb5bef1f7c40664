package facebook_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/facebook"
)

// The Graph API version comes from the configuration (default
// provider.APIMetaGraph's, TOKENWATCH_META_GRAPH_VERSION overriding it),
// in the Login dialog and every Graph call.
// https://developers.facebook.com/docs/graph-api/guides/versioning
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
			if strings.HasSuffix(r.URL.Path, "/debug_token") {
				w.Write([]byte(`{"data":{"is_valid":true,"user_id":"1","scopes":["pages_show_list","pages_manage_posts"]}}`))
				return
			}
			w.Write([]byte(`{"id":"501","status_code":"FINISHED"}`))
		}))
		p := facebook.New(provider.Config{ClientID: "app", ClientSecret: tokenwatch.NewSecret("s"), BaseURL: srv.URL, Versions: tc.versions})
		if u := p.AuthCodeURL("st", "", "https://tokenwatch.test/cb"); !strings.Contains(u, "/"+tc.want+"/dialog/oauth?") {
			t.Errorf("consent URL %s is not at %s", u, tc.want)
		}
		page := &tokenwatch.Page{ProviderPageID: "501"}
		creds := tokenwatch.Credentials{AccessToken: tokenwatch.NewSecret("page-token")}
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
