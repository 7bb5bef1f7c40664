package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tokenwatch/tokenwatch"
)

// tiktokSandbox is a sandbox with tokenwatch's app at TikTok and accounts
// 1 to 7, each holding an access token with every scope.
func tiktokSandbox(t *testing.T) (*Server, map[string]string) {
	t.Helper()
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	s.AddApp(tokenwatch.TikTok, App{ClientID: "awkey", ClientSecret: "secret", RedirectURIs: []string{"https://tokenwatch.test/cb"}})
	tokens := map[string]string{}
	for i := 1; i <= 7; i++ {
		id := fmt.Sprint(i)
		s.AddAccount(tokenwatch.TikTok, Account{ID: id, Name: "Creator " + id})
		g, err := s.IssueGrant(tokenwatch.TikTok, GrantRequest{ClientID: "awkey", UserID: id, Scopes: []string{"user.info.basic", "video.publish"}})
		if err != nil {
			t.Fatal(err)
		}
		tokens[id] = g.AccessToken
	}
	return s, tokens
}

// tiktokAnswer is any TikTok API answer.
type tiktokAnswer struct {
	status int
	Data   map[string]any `json:"data"`
	Error  struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		LogID   string `json:"log_id"`
	} `json:"error"`
}

func tiktokCall(t *testing.T, s *Server, method, path, token string, body any) tiktokAnswer {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, s.BaseURL(tokenwatch.TikTok)+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json; charset=UTF-8")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	a := tiktokAnswer{status: resp.StatusCode}
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	// Every answer, success or error, carries data and an error object
	// with a log_id (developers.tiktok.com/doc/tiktok-api-v2-error-handling).
	if a.Data == nil || a.Error.Code == "" || a.Error.LogID == "" {
		t.Errorf("%s %s answered %+v, not TikTok's shape", method, path, a)
	}
	return a
}

func tiktokPost(level, videoURL string) map[string]any {
	return map[string]any{
		"post_info":   map[string]any{"title": "hi", "privacy_level": level, "brand_content_toggle": false},
		"source_info": map[string]any{"source": "PULL_FROM_URL", "video_url": videoURL},
	}
}

// TestTikTokTokenEndpointWantsClientKeyInTheForm: TikTok authenticates
// the app by client_key and client_secret in the form body
// (developers.tiktok.com/doc/oauth-user-access-token-management); a
// client_id or HTTP Basic is refused as invalid_client, in the shape of
// developers.tiktok.com/doc/oauth-error-handling.
func TestTikTokTokenEndpointWantsClientKeyInTheForm(t *testing.T) {
	t.Parallel()
	s, _ := tiktokSandbox(t)
	g, err := s.IssueGrant(tokenwatch.TikTok, GrantRequest{ClientID: "awkey", UserID: "1", Scopes: []string{"user.info.basic"}})
	if err != nil {
		t.Fatal(err)
	}
	refresh := func(form url.Values, basic bool) (int, map[string]any) {
		form.Set("grant_type", "refresh_token")
		form.Set("refresh_token", g.RefreshToken)
		req, _ := http.NewRequest(http.MethodPost, s.BaseURL(tokenwatch.TikTok)+"/v2/oauth/token/", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if basic {
			req.SetBasicAuth("awkey", "secret")
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	for name, try := range map[string]func() (int, map[string]any){
		"client_id": func() (int, map[string]any) {
			return refresh(url.Values{"client_id": {"awkey"}, "client_secret": {"secret"}}, false)
		},
		"basic": func() (int, map[string]any) { return refresh(url.Values{}, true) },
		"wrong secret": func() (int, map[string]any) {
			return refresh(url.Values{"client_key": {"awkey"}, "client_secret": {"nope"}}, false)
		},
	} {
		status, m := try()
		if status == http.StatusOK || m["error"] != "invalid_client" || m["log_id"] == nil {
			t.Errorf("%s: %d %v, want invalid_client with a log_id", name, status, m)
		}
	}
	status, m := refresh(url.Values{"client_key": {"awkey"}, "client_secret": {"secret"}}, false)
	if status != http.StatusOK || m["refresh_token"] == nil || m["open_id"] != "1" {
		t.Fatalf("refresh with client_key: %d %v", status, m)
	}
	// 2 hours and 180 days (oauth-user-access-token-management, November 2026).
	if in, _ := m["expires_in"].(float64); in < 7195 || in > 7200 {
		t.Errorf("expires_in = %v, want 7200", m["expires_in"])
	}
	if in, _ := m["refresh_expires_in"].(float64); in < 180*86400-5 || in > 180*86400 {
		t.Errorf("refresh_expires_in = %v, want %d", m["refresh_expires_in"], 180*86400)
	}
	// Rotated: the previous refresh token stops working.
	status, m = refresh(url.Values{"client_key": {"awkey"}, "client_secret": {"secret"}}, false)
	if status == http.StatusOK || m["error"] != "invalid_grant" {
		t.Errorf("the spent refresh token: %d %v, want invalid_grant", status, m)
	}
}

// TestTikTokErrorsHaveTikTokShape: every API error, a fault included, is
// {"data":{},"error":{"code","message","log_id"}}.
func TestTikTokErrorsHaveTikTokShape(t *testing.T) {
	t.Parallel()
	s, tokens := tiktokSandbox(t)
	if a := tiktokCall(t, s, http.MethodGet, "/v2/user/info/?fields=open_id", "not-a-token", nil); a.status != 401 || a.Error.Code != "access_token_invalid" {
		t.Errorf("bad token: %d %s", a.status, a.Error.Code)
	}
	s.RemoveScope(tokenwatch.TikTok, "1", "video.publish")
	if a := tiktokCall(t, s, http.MethodPost, "/v2/post/publish/creator_info/query/", tokens["1"], nil); a.status != 401 || a.Error.Code != "scope_not_authorized" {
		t.Errorf("scope lost: %d %s", a.status, a.Error.Code)
	}
	s.Fail(Fault{Provider: tokenwatch.TikTok, Status: 429, Count: 1})
	if a := tiktokCall(t, s, http.MethodGet, "/v2/user/info/?fields=open_id", tokens["2"], nil); a.status != 429 || a.Error.Code != "rate_limit_exceeded" {
		t.Errorf("rate limit: %d %s", a.status, a.Error.Code)
	}
	s.Fail(Fault{Provider: tokenwatch.TikTok, Status: 500, Count: 1})
	if a := tiktokCall(t, s, http.MethodGet, "/v2/user/info/?fields=open_id", tokens["2"], nil); a.status != 500 || a.Error.Code != "internal_error" {
		t.Errorf("server error: %d %s", a.status, a.Error.Code)
	}
	a := tiktokCall(t, s, http.MethodGet, "/v2/user/info/?fields=open_id,display_name", tokens["2"], nil)
	if user, _ := a.Data["user"].(map[string]any); a.status != 200 || a.Error.Code != "ok" || user["open_id"] != "2" || user["display_name"] != "Creator 2" {
		t.Errorf("user info: %d %+v", a.status, a)
	}
}

// TestTikTokDirectPost follows the Content Posting API references:
// creator_info offers the privacy levels of a public or a private account
// (content-posting-api-reference-query-creator-info), video/init takes only
// one of them, a verified URL prefix, and refuses creators who cannot post
// now (content-posting-api-reference-direct-post).
func TestTikTokDirectPost(t *testing.T) {
	t.Parallel()
	s, tokens := tiktokSandbox(t)
	media := s.URL + "/_sandbox/media/v.mp4"
	options := func(user string) []any {
		a := tiktokCall(t, s, http.MethodPost, "/v2/post/publish/creator_info/query/", tokens[user], nil)
		o, _ := a.Data["privacy_level_options"].([]any)
		return o
	}
	if o := fmt.Sprint(options("1")); o != "[PUBLIC_TO_EVERYONE MUTUAL_FOLLOW_FRIENDS SELF_ONLY]" {
		t.Errorf("public account options: %s", o)
	}
	s.SetTikTokCreator("2", TikTokCreator{Private: true})
	if o := fmt.Sprint(options("2")); o != "[FOLLOWER_OF_CREATOR MUTUAL_FOLLOW_FRIENDS SELF_ONLY]" {
		t.Errorf("private account options: %s", o)
	}
	init := func(user string, body any) tiktokAnswer {
		return tiktokCall(t, s, http.MethodPost, "/v2/post/publish/video/init/", tokens[user], body)
	}
	for name, tc := range map[string]struct {
		user   string
		body   any
		status int
		code   string
	}{
		"a level not offered": {"2", tiktokPost("PUBLIC_TO_EVERYONE", media), 403, "privacy_level_option_mismatch"},
		"no level":            {"1", tiktokPost("", media), 403, "privacy_level_option_mismatch"},
		"an unverified URL":   {"1", tiktokPost("PUBLIC_TO_EVERYONE", "https://cdn.example/v.mp4"), 403, "url_ownership_unverified"},
		"no brand_content_toggle": {"1", map[string]any{"post_info": map[string]any{"privacy_level": "SELF_ONLY"},
			"source_info": map[string]any{"source": "PULL_FROM_URL", "video_url": media}}, 400, "invalid_param"},
		"public":  {"1", tiktokPost("PUBLIC_TO_EVERYONE", media), 200, "ok"},
		"private": {"2", tiktokPost("FOLLOWER_OF_CREATOR", media), 200, "ok"},
	} {
		if a := init(tc.user, tc.body); a.status != tc.status || a.Error.Code != tc.code {
			t.Errorf("%s: %d %s, want %d %s", name, a.status, a.Error.Code, tc.status, tc.code)
		}
	}
	s.SetTikTokApp(TikTokApp{URLPrefixes: []string{"https://cdn.example/"}})
	if a := init("1", tiktokPost("PUBLIC_TO_EVERYONE", "https://cdn.example/v.mp4")); a.Error.Code != "ok" {
		t.Errorf("a verified prefix: %s", a.Error.Code)
	}

	// A creator who cannot post now: creator_info says so with a 200
	// ("200 (intentional)"), video/init with a 403.
	for _, tc := range []struct {
		creator TikTokCreator
		code    string
	}{
		{TikTokCreator{BannedFromPosting: true}, "spam_risk_user_banned_from_posting"},
		{TikTokCreator{DailyCapReached: true}, "spam_risk_too_many_posts"},
	} {
		s.SetTikTokCreator("3", tc.creator)
		if a := tiktokCall(t, s, http.MethodPost, "/v2/post/publish/creator_info/query/", tokens["3"], nil); a.status != 200 || a.Error.Code != tc.code {
			t.Errorf("creator_info of %+v: %d %s", tc.creator, a.status, a.Error.Code)
		}
		if a := init("3", tiktokPost("PUBLIC_TO_EVERYONE", media)); a.status != 403 || a.Error.Code != tc.code {
			t.Errorf("video/init of %+v: %d %s", tc.creator, a.status, a.Error.Code)
		}
	}
}

// TestTikTokUnauditedApp: an unaudited app posts only to private accounts,
// for at most 5 users in 24 hours (developers.tiktok.com/doc/content-sharing-guidelines).
func TestTikTokUnauditedApp(t *testing.T) {
	t.Parallel()
	s, tokens := tiktokSandbox(t)
	media := s.URL + "/_sandbox/media/v.mp4"
	s.SetTikTokApp(TikTokApp{Unaudited: true})
	a := tiktokCall(t, s, http.MethodPost, "/v2/post/publish/video/init/", tokens["1"], tiktokPost("PUBLIC_TO_EVERYONE", media))
	if a.status != 403 || a.Error.Code != "unaudited_client_can_only_post_to_private_accounts" {
		t.Errorf("public account: %d %s", a.status, a.Error.Code)
	}
	for i := 1; i <= 7; i++ {
		s.SetTikTokCreator(fmt.Sprint(i), TikTokCreator{Private: true})
	}
	for i := 1; i <= 5; i++ {
		if a := tiktokCall(t, s, http.MethodPost, "/v2/post/publish/video/init/", tokens[fmt.Sprint(i)], tiktokPost("SELF_ONLY", media)); a.Error.Code != "ok" {
			t.Fatalf("user %d of 5: %s", i, a.Error.Code)
		}
	}
	if a := tiktokCall(t, s, http.MethodPost, "/v2/post/publish/creator_info/query/", tokens["6"], nil); a.status != 200 || a.Error.Code != "reached_active_user_cap" {
		t.Errorf("creator_info for a sixth user: %d %s", a.status, a.Error.Code)
	}
	if a := tiktokCall(t, s, http.MethodPost, "/v2/post/publish/video/init/", tokens["6"], tiktokPost("SELF_ONLY", media)); a.status != 403 || a.Error.Code != "reached_active_user_cap" {
		t.Errorf("a sixth user: %d %s", a.status, a.Error.Code)
	}
	if a := tiktokCall(t, s, http.MethodPost, "/v2/post/publish/video/init/", tokens["1"], tiktokPost("SELF_ONLY", media)); a.Error.Code != "ok" {
		t.Errorf("a user already counted today: %s", a.Error.Code)
	}
}
