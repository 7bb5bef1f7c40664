package sandbox

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/tokenwatch/tokenwatch"
)

const redirect = "https://tokenwatch.test/oauth/x/callback"

func start(t *testing.T) *Server {
	t.Helper()
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	s.AddApp(tokenwatch.X, App{ClientID: "app", ClientSecret: "secret", RedirectURIs: []string{redirect}})
	s.AddAccount(tokenwatch.X, Account{ID: "7", Name: "Alice"})
	return s
}

// client has its own transport: a test server closing elsewhere closes the
// idle connections of http.DefaultTransport, breaking a request that has
// just picked one up.
var client = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}

var noRedirect = &http.Client{Transport: client.Transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func consentURL(s *Server, mutate func(url.Values)) string {
	q := url.Values{"client_id": {"app"}, "redirect_uri": {redirect}, "response_type": {"code"}, "state": {"st"},
		"scope": {"tweet.read users.read"}, "code_challenge": {challenge("verifier")}, "code_challenge_method": {"S256"}}
	if mutate != nil {
		mutate(q)
	}
	return s.BaseURL(tokenwatch.X) + "/i/oauth2/authorize?" + q.Encode()
}

func TestConsentRefusesWhatTheRealOneRefuses(t *testing.T) {
	t.Parallel()
	s := start(t)
	for name, mutate := range map[string]func(url.Values){
		"unknown client":        func(q url.Values) { q.Set("client_id", "nope") },
		"unregistered redirect": func(q url.Values) { q.Set("redirect_uri", redirect+"/other") },
		"no PKCE where required": func(q url.Values) {
			q.Del("code_challenge")
			q.Del("code_challenge_method")
		},
		"plain PKCE": func(q url.Values) { q.Set("code_challenge_method", "plain") },
		"token flow": func(q url.Values) { q.Set("response_type", "token") },
	} {
		resp, err := noRedirect.Get(consentURL(s, mutate))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %s, want 400 and no redirect", name, resp.Status)
		}
	}
}

func TestConsentPageCodeAndExchange(t *testing.T) {
	t.Parallel()
	s := start(t)
	resp, err := client.Get(consentURL(s, nil))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"Continue as Alice", "tweet.read", `<form method="post">`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("consent page lacks %q", want)
		}
	}
	if strings.Contains(string(body), "<script") {
		t.Error("the consent page needs no script")
	}
	resp, err = noRedirect.PostForm(consentURL(s, nil), url.Values{"cancel": {"1"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc, _ := url.Parse(resp.Header.Get("Location")); loc.Query().Get("error") != "access_denied" {
		t.Errorf("cancel redirected to %s", loc)
	}
	resp, err = noRedirect.PostForm(consentURL(s, nil), url.Values{"account": {"7"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	code := loc.Query().Get("code")
	exchange := func(verifier string) int {
		req, _ := http.NewRequest(http.MethodPost, s.BaseURL(tokenwatch.X)+"/2/oauth2/token", strings.NewReader(url.Values{
			"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect}, "code_verifier": {verifier}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("app", "secret")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := exchange("verifier"); got != http.StatusOK {
		t.Fatalf("exchange: %d", got)
	}
	if got := exchange("verifier"); got != http.StatusBadRequest {
		t.Errorf("a code is single-use; second exchange: %d", got)
	}
	if s.Calls(tokenwatch.X, OpToken) != 2 || s.Calls(tokenwatch.X, OpConsent) != 3 {
		t.Errorf("calls: token %d consent %d", s.Calls(tokenwatch.X, OpToken), s.Calls(tokenwatch.X, OpConsent))
	}
}

func TestHTTPControls(t *testing.T) {
	t.Parallel()
	s := start(t)
	post := func(path string, v any) map[string]any {
		t.Helper()
		b, _ := json.Marshal(v)
		resp, err := client.Post(s.URL+"/_sandbox/"+path, "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %s %v", path, resp.Status, out)
		}
		return out
	}
	post("accounts", map[string]string{"provider": "linkedin", "id": "u1", "name": "Lin"})
	post("apps", map[string]any{"provider": "linkedin", "client_id": "app", "client_secret": "s"})
	post("pages", map[string]string{"provider": "linkedin", "id": "42", "name": "Acme"})
	post("roles", map[string]string{"provider": "linkedin", "page_id": "42", "user_id": "u1", "role": "ADMINISTRATOR"})
	issued := post("grants", map[string]any{"provider": "linkedin", "client_id": "app", "user_id": "u1",
		"scopes": []string{"openid", "w_organization_social"}})
	tok, _ := issued["access_token"].(string)
	if tok == "" || issued["refresh_token"] == "" {
		t.Fatalf("grant: %v", issued)
	}
	userinfo := func() int {
		req, _ := http.NewRequest(http.MethodGet, s.BaseURL(tokenwatch.LinkedIn)+"/v2/userinfo", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := userinfo(); got != 200 {
		t.Fatalf("userinfo with an issued token: %d", got)
	}
	post("faults", map[string]any{"provider": "linkedin", "status": 503, "count": 1, "retry_after_seconds": 3})
	if got := userinfo(); got != 503 {
		t.Errorf("fault: %d", got)
	}
	if got := userinfo(); got != 200 {
		t.Errorf("after a one-shot fault: %d", got)
	}
	post("expire", map[string]string{"token": tok})
	if got := userinfo(); got != 401 {
		t.Errorf("expired token: %d", got)
	}
	resp, err := client.Get(s.URL + "/_sandbox/calls?provider=linkedin")
	if err != nil {
		t.Fatal(err)
	}
	var calls map[string]map[string]int
	_ = json.NewDecoder(resp.Body).Decode(&calls)
	resp.Body.Close()
	if calls["linkedin"]["identity"] != 4 {
		t.Errorf("calls = %v", calls)
	}
	resp, err = client.Get(s.URL + "/_sandbox/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "Acme") || strings.Contains(string(page), tok) {
		t.Error("the overview shows the pages and never a token")
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	s := start(t)
	issued, err := s.IssueGrant(tokenwatch.X, GrantRequest{ClientID: "app", UserID: "7", Scopes: []string{"tweet.read", "users.read", "offline.access"}})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodGet, s.BaseURL(tokenwatch.X)+"/2/users/me", nil)
			req.Header.Set("Authorization", "Bearer "+issued.AccessToken)
			if resp, err := client.Do(req); err == nil {
				resp.Body.Close()
			}
			if i%5 == 0 {
				s.Fail(Fault{Provider: tokenwatch.X, Status: 429, Count: 1})
				_ = s.Posts("")
			}
		})
	}
	wg.Wait()
	if got := s.Calls(tokenwatch.X, OpIdentity); got != 20 {
		t.Errorf("identity calls = %d, want 20", got)
	}
}
