package sandbox

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tokenwatch/tokenwatch"
)

func pinterestSandbox(t *testing.T) (*Server, Issued) {
	t.Helper()
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	s.AddApp(tokenwatch.Pinterest, App{ClientID: "1484362", ClientSecret: "secret"})
	s.AddAccount(tokenwatch.Pinterest, Account{ID: "9001", Name: "Demo Bakery"})
	g, err := s.IssueGrant(tokenwatch.Pinterest, GrantRequest{ClientID: "1484362", UserID: "9001",
		Scopes: []string{"user_accounts:read", "boards:read", "boards:write", "pins:read", "pins:write"}})
	if err != nil {
		t.Fatal(err)
	}
	return s, g
}

func pinterestDo(t *testing.T, req *http.Request) (int, map[string]any) {
	t.Helper()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

// TestPinterestTokenEndpoint: HTTP Basic client authentication only
// (security "basic" of /oauth/token); wrong or missing credentials are
// 401 code 2 "Authentication failed."; continuous refresh returns a new
// refresh token with refresh_token_expires_in and refresh_token_expires_at
// and the spent one is refused with code 283.
func TestPinterestTokenEndpoint(t *testing.T) {
	t.Parallel()
	s, g := pinterestSandbox(t)
	refresh := func(rt string, basicSecret string, form url.Values) (int, map[string]any) {
		form.Set("grant_type", "refresh_token")
		form.Set("refresh_token", rt)
		req, _ := http.NewRequest(http.MethodPost, s.BaseURL(tokenwatch.Pinterest)+"/v5/oauth/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if basicSecret != "" {
			req.SetBasicAuth("1484362", basicSecret)
		}
		return pinterestDo(t, req)
	}
	for name, try := range map[string]func() (int, map[string]any){
		"credentials in the form": func() (int, map[string]any) {
			return refresh(g.RefreshToken, "", url.Values{"client_id": {"1484362"}, "client_secret": {"secret"}})
		},
		"a wrong secret": func() (int, map[string]any) { return refresh(g.RefreshToken, "nope", url.Values{}) },
	} {
		if status, m := try(); status != 401 || m["code"] != 2.0 || m["message"] != "Authentication failed." {
			t.Errorf("%s: %d %v", name, status, m)
		}
	}
	status, m := refresh(g.RefreshToken, "secret", url.Values{})
	if status != 200 || m["refresh_token"] == nil || m["refresh_token_expires_in"] == nil || m["refresh_token_expires_at"] == nil ||
		m["response_type"] != "refresh_token" {
		t.Fatalf("continuous refresh: %d %v", status, m)
	}
	if in, _ := m["refresh_token_expires_in"].(float64); in < 60*86400-5 || in > 60*86400 {
		t.Errorf("refresh_token_expires_in = %v, want 60 days", in)
	}
	if status, m := refresh(g.RefreshToken, "secret", url.Values{}); status != 401 || m["code"] != 283.0 {
		t.Errorf("the spent refresh token: %d %v, want 401 code 283", status, m)
	}
}

// TestPinterestPinsOnOwnBoards: boards/list returns a group board too;
// pins/create takes only a board the account owns, and needs the four
// scopes of its security requirement.
func TestPinterestPinsOnOwnBoards(t *testing.T) {
	t.Parallel()
	s, g := pinterestSandbox(t)
	call := func(method, path string, body any) (int, map[string]any) {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, s.BaseURL(tokenwatch.Pinterest)+path, bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+g.AccessToken)
		req.Header.Set("Content-Type", "application/json")
		return pinterestDo(t, req)
	}
	_, m := call(http.MethodGet, "/v5/boards", nil)
	items, _ := m["items"].([]any)
	if len(items) != 2 {
		t.Fatalf("boards: %v", m)
	}
	pin := func(board any) (int, map[string]any) {
		return call(http.MethodPost, "/v5/pins", map[string]any{"board_id": board, "description": "Rye",
			"media_source": map[string]string{"source_type": "image_url", "url": "https://bakery.example/rye.jpg"}})
	}
	group, own := items[0].(map[string]any), items[1].(map[string]any)
	if group["owner"].(map[string]any)["username"] == "demobakery" || own["owner"].(map[string]any)["username"] != "demobakery" {
		t.Fatalf("owners: %v %v", group["owner"], own["owner"])
	}
	if status, m := pin(group["id"]); status != 403 || m["code"] != 7.0 {
		t.Errorf("a pin on the group board: %d %v", status, m)
	}
	if status, m := pin(own["id"]); status != 201 || m["id"] == "" {
		t.Errorf("a pin on the own board: %d %v", status, m)
	}
	s.RemoveScope(tokenwatch.Pinterest, "9001", "boards:write")
	if status, m := pin(own["id"]); status != 401 || m["code"] != 3.0 {
		t.Errorf("a pin without boards:write: %d %v", status, m)
	}
}
