package sandbox

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tokenwatch/tokenwatch"
)

// TestXTokenEndpointNeedsBasicAuth: X's confidential clients authenticate
// at /2/oauth2/token with basic auth of their client id and secret
// (https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token);
// a secret in the body, a missing header or a wrong secret is answered
// unauthorized_client "Missing valid authorization header", as X does.
func TestXTokenEndpointNeedsBasicAuth(t *testing.T) {
	t.Parallel()
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.AddApp(tokenwatch.X, App{ClientID: "app", ClientSecret: "secret", RedirectURIs: []string{"https://tw.test/cb"}})
	post := func(user, pass string, form url.Values) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, s.BaseURL(tokenwatch.X)+"/2/oauth2/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var e struct {
			Error string `json:"error"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&e)
		return resp.StatusCode, e.Error
	}
	code := url.Values{"grant_type": {"authorization_code"}, "code": {"made-up"}, "redirect_uri": {"https://tw.test/cb"}, "code_verifier": {"v"}}
	withSecret := url.Values{"client_id": {"app"}, "client_secret": {"secret"}}
	for k, v := range code {
		withSecret[k] = v
	}
	for _, tc := range []struct {
		name       string
		user, pass string
		form       url.Values
		status     int
		err        string
	}{
		{"basic auth, made-up code: the code is refused", "app", "secret", code, 400, "invalid_request"},
		{"secret in the body", "", "", withSecret, 401, "unauthorized_client"},
		{"wrong secret", "app", "wrong", code, 401, "unauthorized_client"},
		{"unknown client", "nobody", "secret", code, 401, "invalid_client"},
	} {
		if status, e := post(tc.user, tc.pass, tc.form); status != tc.status || e != tc.err {
			t.Errorf("%s: %d %s, want %d %s", tc.name, status, e, tc.status, tc.err)
		}
	}
}
