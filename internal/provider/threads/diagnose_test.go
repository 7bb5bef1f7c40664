package threads_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/threads"
	"github.com/tokenwatch/tokenwatch/internal/sandbox"
)

// Diagnose checks the app without a user's token: a made-up code at the
// token endpoint is refused for the code when the app is known ("Matching
// code was not found or was already used"), for the app otherwise; and the
// redirect URI's shape.
// https://developers.facebook.com/docs/threads/get-started/get-access-tokens-and-permissions
func TestDiagnose(t *testing.T) {
	t.Parallel()
	sb, err := sandbox.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	const secret = "app-secret-0123456789"
	sb.AddApp(tokenwatch.Threads, sandbox.App{ClientID: "990602627938098", ClientSecret: secret})
	transport := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(transport.CloseIdleConnections)
	diagnose := func(clientID, secret, redirect string) map[string]provider.Finding {
		p := threads.New(provider.Config{ClientID: clientID, ClientSecret: tokenwatch.NewSecret(secret), BaseURL: sb.BaseURL(tokenwatch.Threads),
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
	const redirect = "https://tokenwatch.example/oauth/threads/callback"
	got := diagnose("990602627938098", secret, redirect)
	if f := got["app credentials"]; !f.OK {
		t.Errorf("right secret: %+v", f)
	}
	if f := got["redirect URI"]; !f.OK {
		t.Errorf("redirect URI: %+v", f)
	}
	if f := diagnose("990602627938098", "a-wrong-secret-0123456789", redirect)["app credentials"]; f.OK {
		t.Errorf("wrong secret: %+v, want refused", f)
	}
	if f := diagnose("42", secret, redirect)["app credentials"]; f.OK {
		t.Errorf("unknown app: %+v, want refused", f)
	}
	if f := diagnose("990602627938098", secret, "http://tokenwatch.example/cb")["redirect URI"]; f.OK {
		t.Errorf("http redirect URI: %+v, want refused", f)
	}
}
