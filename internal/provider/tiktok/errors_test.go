package tiktok

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/oauthx"
	"github.com/tokenwatch/tokenwatch/internal/provider/providertest"
)

// api is TikTok's error shape: {"data":{},"error":{"code","message","log_id"}}
// (developers.tiktok.com/doc/tiktok-api-v2-error-handling).
func api(code string) string {
	return `{"data":{},"error":{"code":"` + code + `","message":"m","log_id":"202206221854370101130062072500FFA2"}}`
}

// token is the token endpoint's error shape (developers.tiktok.com/doc/oauth-error-handling).
func token(code string) string {
	return `{"error":"` + code + `","error_description":"d","log_id":"202206221854370101130062072500FFA2"}`
}

// TestTriage follows the error tables of developers.tiktok.com:
// doc/tiktok-api-v2-error-handling, doc/oauth-error-handling,
// doc/content-posting-api-reference-query-creator-info and
// doc/content-posting-api-reference-direct-post.
func TestTriage(t *testing.T) {
	t.Parallel()
	providertest.RunTriage(t, triage, []providertest.TriageCase{
		providertest.Case("invalid_grant (refresh token rotated away or expired): reconnect", 400, `{"error":"invalid_grant","error_description":"Refresh token is invalid or expired."}`, providertest.Reconnect, "invalid_grant"),
		providertest.Case("invalid_grant answered with a 200: reconnect", 200, token("invalid_grant"), providertest.Reconnect, "invalid_grant"),
		providertest.Case("invalid_client: tokenwatch's app", 401, token("invalid_client"), providertest.Service, "invalid_client"),
		providertest.Case("invalid_client with a 200: tokenwatch's app", 200, token("invalid_client"), providertest.Service, "invalid_client"),
		providertest.Case("unauthorized_client: tokenwatch's app", 400, token("unauthorized_client"), providertest.Service, "unauthorized_client"),
		providertest.Case("invalid_request (redirect URI, client key): tokenwatch's request", 400, token("invalid_request"), providertest.Service, "invalid_request"),
		providertest.Case("server_error at the token endpoint: transient", 400, token("server_error"), providertest.Transient, "server_error"),
		providertest.Case("401 access_token_invalid: reconnect unless a refresh cures it", 401, api("access_token_invalid"), providertest.Reconnect, "access_token_invalid"),
		providertest.Case("401 scope_not_authorized: permission missing", 401, api("scope_not_authorized"), providertest.Permission, "scope_not_authorized"),
		providertest.Case("scope_permission_missed: permission missing", 400, api("scope_permission_missed"), providertest.Permission, "scope_permission_missed"),
		providertest.Case("rate_limit_exceeded at 400: transient", 400, api("rate_limit_exceeded"), providertest.Transient, "rate_limit_exceeded"),
		providertest.Case("invalid_params: refused", 400, api("invalid_params"), providertest.Transient, "invalid_params").Refused(),
		providertest.Case("invalid_param: refused", 400, api("invalid_param"), providertest.Transient, "invalid_param").Refused(),
		providertest.Case("daily post cap (403): retry tomorrow", 403, api("spam_risk_too_many_posts"), providertest.Transient, "spam_risk_too_many_posts"),
		providertest.Case("daily post cap from creator_info (200): retry tomorrow", 200, api("spam_risk_too_many_posts"), providertest.Transient, "spam_risk_too_many_posts"),
		providertest.Case("banned from posting: the post is refused", 403, api("spam_risk_user_banned_from_posting"), providertest.Transient, "spam_risk_user_banned_from_posting").Refused(),
		providertest.Case("banned from posting, from creator_info: refused", 200, api("spam_risk_user_banned_from_posting"), providertest.Transient, "spam_risk_user_banned_from_posting").Refused(),
		providertest.Case("privacy level not offered: refused", 403, api("privacy_level_option_mismatch"), providertest.Transient, "privacy_level_option_mismatch").Refused(),
		providertest.Case("the app's daily cap of posting users: tokenwatch's app", 403, api("reached_active_user_cap"), providertest.Service, "reached_active_user_cap"),
		providertest.Case("the app's daily cap, from creator_info: tokenwatch's app", 200, api("reached_active_user_cap"), providertest.Service, "reached_active_user_cap"),
		providertest.Case("unaudited app, public account: tokenwatch's app", 403, api("unaudited_client_can_only_post_to_private_accounts"), providertest.Service, "unaudited_client_can_only_post_to_private_accounts"),
		providertest.Case("unverified URL prefix: tokenwatch's app", 403, api("url_ownership_unverified"), providertest.Service, "url_ownership_unverified"),
	})
}

// TestAccessTokenInvalidMayBeCuredByARefresh: "The access token is invalid
// or not found in the request. Please refresh the token and retry."
func TestAccessTokenInvalidMayBeCuredByARefresh(t *testing.T) {
	t.Parallel()
	c := oauthx.NewClient("tiktok", provider.Config{}, triage)
	if e := c.Fail(401, http.Header{}, []byte(api("access_token_invalid"))); !e.RefreshMayFix {
		t.Errorf("access_token_invalid: RefreshMayFix = false")
	}
	for _, body := range []string{token("invalid_grant"), api("scope_not_authorized"), token("invalid_client")} {
		if e := c.Fail(401, http.Header{}, []byte(body)); e.RefreshMayFix {
			t.Errorf("%s: RefreshMayFix = true", body)
		}
	}
}

// TestServiceErrorsSayWhatToDo: the app's own refusals name the fix.
func TestServiceErrorsSayWhatToDo(t *testing.T) {
	t.Parallel()
	c := oauthx.NewClient("tiktok", provider.Config{}, triage)
	for code, want := range map[string]string{
		"unaudited_client_can_only_post_to_private_accounts": "audit",
		"reached_active_user_cap":                            "5 users",
		"url_ownership_unverified":                           "URL properties",
	} {
		if e := c.Fail(403, http.Header{}, []byte(api(code))); !strings.Contains(e.Message, want) {
			t.Errorf("%s: message %q lacks %q", code, e.Message, want)
		}
	}
	if e := c.Fail(401, http.Header{}, []byte(token("invalid_client"))); !strings.Contains(e.Action, "TOKENWATCH_TIKTOK_CLIENT_SECRET") {
		t.Errorf("invalid_client: action %q names no setting", e.Action)
	}
}
