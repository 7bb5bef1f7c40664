package google

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/oauthx"

	"github.com/tokenwatch/tokenwatch/internal/provider/providertest"
)

// Google's errors, for Business Profile and YouTube.
func TestTriage(t *testing.T) {
	t.Parallel()
	api := func(code int, status, reason string) string {
		return `{"error":{"code":` + strconv.Itoa(code) + `,"message":"m","status":"` + status +
			`","errors":[{"reason":"` + reason + `"}]}}`
	}
	info := func(code int, status, reason, extra string) string {
		return `{"error":{"code":` + strconv.Itoa(code) + `,"message":"m","status":"` + status +
			`","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"` + reason + `","domain":"googleapis.com"` + extra + `}]}}`
	}
	providertest.RunTriage(t, Triage, []providertest.TriageCase{
		providertest.Case("invalid_grant at refresh: revoked, unused for 6 months, testing app: reconnect", 400, `{"error":"invalid_grant","error_description":"Token has been expired or revoked."}`, providertest.Reconnect, "invalid_grant"),
		providertest.Case("tokeninfo invalid_token: reconnect (once a refresh failed)", 400, `{"error":"invalid_token","error_description":"Invalid Value"}`, providertest.Reconnect, "invalid_token"),
		providertest.Case("invalid_client: the app's configuration, not the page", 401, `{"error":"invalid_client"}`, providertest.Service, "invalid_client"),
		providertest.Case("401 authError: reconnect (once a refresh failed)", 401, api(401, "UNAUTHENTICATED", "authError"), providertest.Reconnect, "authError"),
		providertest.Case("401 ACCESS_TOKEN_EXPIRED: reconnect (once a refresh failed)", 401, info(401, "UNAUTHENTICATED", "ACCESS_TOKEN_EXPIRED", ""), providertest.Reconnect, "ACCESS_TOKEN_EXPIRED"),
		providertest.Case("403 PERMISSION_DENIED insufficient scopes: permission missing", 403, api(403, "PERMISSION_DENIED", "insufficientPermissions"), providertest.Permission, "insufficientPermissions"),
		providertest.Case("403 ACCESS_TOKEN_SCOPE_INSUFFICIENT: permission missing", 403, info(403, "PERMISSION_DENIED", "ACCESS_TOKEN_SCOPE_INSUFFICIENT", ""), providertest.Permission, "ACCESS_TOKEN_SCOPE_INSUFFICIENT"),
		providertest.Case("403 forbidden: permission missing", 403, api(403, "PERMISSION_DENIED", "forbidden"), providertest.Permission, "forbidden"),
		providertest.Case("403 PERMISSION_DENIED, no reason: permission missing", 403, `{"error":{"code":403,"message":"The caller does not have permission","status":"PERMISSION_DENIED"}}`, providertest.Permission, "PERMISSION_DENIED"),

		// The app's quota or project: a service problem, never the page.
		providertest.Case("403 quotaExceeded: the app's daily quota", 403, api(403, "PERMISSION_DENIED", "quotaExceeded"), providertest.Service, "quotaExceeded"),
		providertest.Case("403 quotaExceeded, YouTube's shape without a status", 403,
			`{"error":{"code":403,"message":"The request cannot be completed because you have exceeded your \u003ca href=\"/youtube/v3/getting-started#quota\"\u003equota\u003c/a\u003e.","errors":[{"message":"The request cannot be completed because you have exceeded your \u003ca href=\"/youtube/v3/getting-started#quota\"\u003equota\u003c/a\u003e.","domain":"youtube.quota","reason":"quotaExceeded"}]}}`,
			providertest.Service, "quotaExceeded"),
		providertest.Case("403 dailyLimitExceeded: the app", 403, api(403, "PERMISSION_DENIED", "dailyLimitExceeded"), providertest.Service, "dailyLimitExceeded"),
		providertest.Case("403 accessNotConfigured: the API is not enabled for the project", 403, api(403, "PERMISSION_DENIED", "accessNotConfigured"), providertest.Service, "accessNotConfigured"),
		providertest.Case("403 SERVICE_DISABLED: the API is not enabled for the project", 403, info(403, "PERMISSION_DENIED", "SERVICE_DISABLED", `,"metadata":{"service":"mybusinessaccountmanagement.googleapis.com","consumer":"projects/123"}`), providertest.Service, "SERVICE_DISABLED"),
		providertest.Case("429 quota limit 0: the project's access was never approved", 429, info(429, "RESOURCE_EXHAUSTED", "RATE_LIMIT_EXCEEDED", `,"metadata":{"quota_limit_value":"0","quota_metric":"mybusinessaccountmanagement.googleapis.com/default_requests"}`), providertest.Service, "quota_limit_0"),

		// Transient.
		providertest.Case("403 rateLimitExceeded: transient", 403, api(403, "PERMISSION_DENIED", "rateLimitExceeded"), providertest.Transient, "rateLimitExceeded"),
		providertest.Case("403 userRateLimitExceeded: transient", 403, api(403, "PERMISSION_DENIED", "userRateLimitExceeded"), providertest.Transient, "userRateLimitExceeded"),
		providertest.Case("429 RATE_LIMIT_EXCEEDED per minute: transient", 429, info(429, "RESOURCE_EXHAUSTED", "RATE_LIMIT_EXCEEDED", `,"metadata":{"quota_limit_value":"300"}`), providertest.Transient, "RATE_LIMIT_EXCEEDED"),
		providertest.Case("400 uploadLimitExceeded: the channel's upload limit, later", 400, api(400, "INVALID_ARGUMENT", "uploadLimitExceeded"), providertest.Transient, "uploadLimitExceeded"),

		// The user's account.
		providertest.Case("403 authenticatedUserAccountSuspended: fix the account", 403, api(403, "PERMISSION_DENIED", "authenticatedUserAccountSuspended"), providertest.Blocked, "authenticatedUserAccountSuspended"),
		providertest.Case("401 youtubeSignupRequired: create the channel first", 401, api(401, "UNAUTHENTICATED", "youtubeSignupRequired"), providertest.Blocked, "youtubeSignupRequired"),

		providertest.Case("400 INVALID_ARGUMENT: the request is refused", 400, api(400, "INVALID_ARGUMENT", "badRequest"), providertest.Transient, "INVALID_ARGUMENT").Refused(),
		providertest.Case("404 NOT_FOUND: the request is refused", 404, api(404, "NOT_FOUND", "notFound"), providertest.Transient, "NOT_FOUND").Refused(),
	})
}

// TestExpiredAccessTokenMayBeRefreshed: Google access tokens last an hour
// and tokenwatch refreshes them; a 401 or tokeninfo's invalid_token does
// not say whether the token expired or the grant died, so a refresh is
// tried first. invalid_grant at the refresh is final.
func TestExpiredAccessTokenMayBeRefreshed(t *testing.T) {
	t.Parallel()
	c := oauthx.NewClient("google", provider.Config{}, Triage)
	for _, tc := range []struct {
		status int
		body   string
		may    bool
	}{
		{401, `{"error":{"code":401,"message":"Request had invalid authentication credentials.","errors":[{"message":"Invalid Credentials","domain":"global","reason":"authError","location":"Authorization","locationType":"header"}],"status":"UNAUTHENTICATED"}}`, true},
		{400, `{"error":"invalid_token","error_description":"Invalid Value"}`, true},
		{400, `{"error":"invalid_grant","error_description":"Token has been expired or revoked."}`, false},
		{403, `{"error":{"code":403,"message":"m","status":"PERMISSION_DENIED","errors":[{"reason":"quotaExceeded"}]}}`, false},
	} {
		if got := provider.RefreshMayFix(c.Fail(tc.status, http.Header{}, []byte(tc.body))); got != tc.may {
			t.Errorf("%d %s: RefreshMayFix %v, want %v", tc.status, tc.body, got, tc.may)
		}
	}
}
