package instagramfb_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/instagramfb"
	"github.com/tokenwatch/tokenwatch/internal/sandbox"
)

// Diagnose checks the app without a user's token: the app access token
// (client_credentials) for the credentials, the facebook-api-version that
// serves a call with it for the Graph version, and the redirect URI.
// https://developers.facebook.com/docs/facebook-login/guides/access-tokens#apptokens,
// https://developers.facebook.com/docs/graph-api/guides/versioning
func TestDiagnose(t *testing.T) {
	t.Parallel()
	sb, err := sandbox.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	const secret = "app-secret-0123456789"
	sb.AddApp(tokenwatch.InstagramFacebook, sandbox.App{ClientID: "1234567890", ClientSecret: secret})
	transport := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(transport.CloseIdleConnections)
	diagnose := func(secret, redirect string) map[string]provider.Finding {
		p := instagramfb.New(provider.Config{ClientID: "1234567890", ClientSecret: tokenwatch.NewSecret(secret), BaseURL: sb.BaseURL(tokenwatch.InstagramFacebook),
			HTTPClient: &http.Client{Transport: transport, Timeout: 5 * time.Second}})
		out := map[string]provider.Finding{}
		for _, f := range p.Diagnose(context.Background(), redirect) {
			if strings.Contains(f.Detail, secret) {
				t.Errorf("%s quotes the secret: %s", f.Check, f.Detail)
			}
			out[f.Check] = f
		}
		return out
	}
	version := "Graph API version " + provider.LookupAPI(provider.APIMetaGraph).Default
	got := diagnose(secret, "https://tokenwatch.example/oauth/instagram_facebook/callback")
	for _, check := range []string{"app credentials", version, "redirect URI"} {
		if f, ok := got[check]; !ok || !f.OK {
			t.Errorf("right secret: %s = %+v, want OK", check, f)
		}
	}
	got = diagnose("a-wrong-secret-0123456789", "https://tokenwatch.example/oauth/instagram_facebook/callback")
	if f := got["app credentials"]; f.OK || !strings.Contains(f.Detail, "client id and secret") {
		t.Errorf("wrong secret: %+v, want refused", f)
	}
	if f := got["redirect URI"]; !f.OK {
		t.Errorf("wrong secret, redirect URI: %+v", f)
	}
	for redirect, ok := range map[string]bool{"http://tokenwatch.example/cb": false, "/oauth/instagram_facebook/callback": false,
		"http://127.0.0.1:8080/oauth/instagram_facebook/callback": true, "http://localhost:8080/cb": true} {
		if f := diagnose(secret, redirect)["redirect URI"]; f.OK != ok {
			t.Errorf("redirect URI %s: %+v, want OK %v", redirect, f, ok)
		}
	}
	// Meta no longer serves the configured version: it answers at the
	// oldest one it serves, which the check notices.
	sb.Configure(tokenwatch.InstagramFacebook, func(o *sandbox.Options) { o.OldestGraphVersion = "v99.0" })
	if f := diagnose(secret, "https://tokenwatch.example/cb")[version]; f.OK || !strings.Contains(f.Detail, "v99.0") ||
		!strings.Contains(f.Detail, "TOKENWATCH_META_GRAPH_VERSION") {
		t.Errorf("retired version: %+v, want refused naming the version served and the setting", f)
	}
}
