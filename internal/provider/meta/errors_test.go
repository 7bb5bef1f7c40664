package meta

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/providertest"
)

// The Graph API error table of PROVIDERS.md, shared by Facebook Pages,
// Instagram (both logins) and Threads. Sources:
// https://developers.facebook.com/docs/graph-api/guides/error-handling (codes, 190 subcodes, 492),
// https://developers.facebook.com/docs/graph-api/overview/rate-limiting (4, 17, 32, 613, 80001, 80002),
// https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/error-codes (9007/2207027, -1, -2),
// https://developers.facebook.com/docs/marketing-api/reference/ad-account/campaigns (2635, the refused version).
func TestTriage(t *testing.T) {
	t.Parallel()
	graph := func(code, sub int) string {
		return `{"error":{"message":"m","type":"OAuthException","code":` + strconv.Itoa(code) + `,"error_subcode":` + strconv.Itoa(sub) + `}}`
	}
	providertest.RunTriage(t, Triage, []providertest.TriageCase{
		providertest.Case("190 invalid token: reconnect", 400, graph(190, 0), providertest.Reconnect, "190"),
		providertest.Case("190/458 app removed: reconnect", 400, graph(190, 458), providertest.Reconnect, "190/458"),
		providertest.Case("190/460 password changed: reconnect", 400, graph(190, 460), providertest.Reconnect, "190/460"),
		providertest.Case("190/463 expired: reconnect", 400, graph(190, 463), providertest.Reconnect, "190/463"),
		providertest.Case("190/467 invalid session: reconnect", 400, graph(190, 467), providertest.Reconnect, "190/467"),
		providertest.Case("102 session key: reconnect", 400, graph(102, 0), providertest.Reconnect, "102"),
		providertest.Case("190/459 checkpointed: fix the account first", 400, graph(190, 459), providertest.Blocked, "190/459"),
		providertest.Case("190/464 unconfirmed user: fix the account first", 400, graph(190, 464), providertest.Blocked, "190/464"),
		providertest.Case("190/492 the user lost their role on the Page: permission missing", 400, graph(190, 492), providertest.Permission, "190/492"),
		providertest.Case("10 permission denied: permission missing", 403, graph(10, 0), providertest.Permission, "10"),
		providertest.Case("200 permission error: permission missing", 403, graph(200, 0), providertest.Permission, "200"),
		providertest.Case("299 permission range end: permission missing", 403, graph(299, 0), providertest.Permission, "299"),
		providertest.Case("1 unknown: transient", 400, graph(1, 0), providertest.Transient, "1"),
		providertest.Case("2 service: transient", 400, graph(2, 0), providertest.Transient, "2"),
		providertest.Case("4 app rate limit: transient", 400, graph(4, 0), providertest.Transient, "4"),
		providertest.Case("17 user rate limit: transient", 400, graph(17, 0), providertest.Transient, "17"),
		providertest.Case("341 app limit: transient", 400, graph(341, 0), providertest.Transient, "341"),
		providertest.Case("368 temporarily blocked: transient", 400, graph(368, 0), providertest.Transient, "368"),
		providertest.Case("32 Page request limit: transient", 400, graph(32, 0), providertest.Transient, "32"),
		providertest.Case("613 custom rate limit: transient", 400, graph(613, 0), providertest.Transient, "613"),
		providertest.Case("80001 Pages business use case limit: transient", 400, graph(80001, 0), providertest.Transient, "80001"),
		providertest.Case("80002 Instagram business use case limit: transient", 400, graph(80002, 0), providertest.Transient, "80002"),
		providertest.Case("80004 ads management limit: transient", 400, graph(80004, 2446079), providertest.Transient, "80004/2446079"),
		providertest.Case("9007/2207027 Instagram media not ready: transient", 400, graph(9007, 2207027), providertest.Transient, "9007/2207027"),
		providertest.Case("24/4279009 Threads container not ready: transient", 400, graph(24, 4279009), providertest.Transient, "24/4279009"),
		providertest.Case("-1/2207001 Instagram server error: transient", 400, graph(-1, 2207001), providertest.Transient, "-1/2207001"),
		providertest.Case("9004/2207052 media could not be fetched: refused", 400, graph(9004, 2207052), providertest.Transient, "9004/2207052").Refused(),
		providertest.Case("2635 deprecated version: service", 400, graph(2635, 0), providertest.Service, "2635"),
		providertest.Case("12 deprecated for this version: service", 400, graph(12, 0), providertest.Service, "12"),
		providertest.Case("101 invalid application id: service", 400,
			`{"error":{"message":"Error validating application. Invalid application ID.","type":"OAuthException","code":101,"fbtrace_id":"CvDR+X4WWIx"}}`, providertest.Service, "101"),
		providertest.Case("1 wrong client secret: service, not an outage", 400,
			`{"error":{"message":"Error validating client secret.","type":"OAuthException","code":1,"fbtrace_id":"FAKE"}}`, providertest.Service, "1"),
		providertest.Case("100 wrong client secret at graph.instagram.com: service", 400,
			`{"error":{"message":"Error validating client secret","type":"OAuthException","code":100}}`, providertest.Service, "100"),
		providertest.Case("506 duplicate post: refused for good, not a token problem", 400, graph(506, 0), providertest.Transient, "506").Refused(),
		providertest.Case("100 invalid parameter: the request is refused", 400, graph(100, 0), providertest.Transient, "100").Refused(),
		providertest.Case("Instagram token endpoint error", 400, `{"error_type":"OAuthException","code":400,"error_message":"Matching code was not found or was already used"}`, providertest.Transient, "OAuthException").Refused(),
		providertest.Case("Instagram token endpoint: wrong app", 400, `{"error_type":"OAuthException","code":400,"error_message":"Invalid platform app"}`, providertest.Service, "OAuthException"),
		providertest.Case("a body that is not JSON, 400", 400, "bad", providertest.Transient, "400"),
		providertest.Case("401 without body", 401, "", providertest.Reconnect, "401"),
	})
}

// 190/492 says what to do, in words that do not call the grant revoked or
// expired: a new token from the same person would fail the same way.
func TestRoleLossSaysRestoreTheRole(t *testing.T) {
	t.Parallel()
	e := Classify(GraphError{Code: 190, Subcode: 492, Message: "Error validating access token: The session is invalid"})
	if e.Class != tokenwatch.ClassPermissionMissing || e.Message != RoleLostMessage {
		t.Fatalf("190/492 = %s %q", e.Class, e.Message)
	}
	for _, word := range []string{"revoked", "expired"} {
		if strings.Contains(strings.ToLower(e.Message), word) {
			t.Errorf("the message %q says %q", e.Message, word)
		}
	}
}

// A Business Use Case limit says when calls may resume: the longest
// estimated_time_to_regain_access (minutes) in X-Business-Use-Case-Usage.
// https://developers.facebook.com/docs/graph-api/overview/rate-limiting#headers-2
func TestRetryAfterFromBusinessUseCaseHeader(t *testing.T) {
	t.Parallel()
	c := newClient("facebook", provider.Config{})
	h := http.Header{"X-Business-Use-Case-Usage": {`{"66782684":[{"type":"pages","call_count":100,"total_cputime":25,"total_time":25,"estimated_time_to_regain_access":19}],` +
		`"10153848260347724":[{"type":"pages","call_count":97,"total_cputime":23,"total_time":23,"estimated_time_to_regain_access":0}]}`}}
	body := []byte(`{"error":{"message":"(#80001) There have been too many calls to this Page account. Wait a bit and try again.","type":"OAuthException","code":80001,"fbtrace_id":"AmFGcW_3hwDB7qFbl_QdebZ"}}`)
	e := c.Fail(400, h, body)
	if e.Class != tokenwatch.ClassTransient || e.Rejected || e.RetryAfter != 19*time.Minute {
		t.Errorf("80001 with the header: %s rejected %v RetryAfter %v, want transient after 19m", e.Class, e.Rejected, e.RetryAfter)
	}
	if e := c.Fail(400, http.Header{"Retry-After": {"30"}}, body); e.RetryAfter != 30*time.Second {
		t.Errorf("Retry-After wins: %v", e.RetryAfter)
	}
	if e := c.Fail(400, http.Header{"X-Business-Use-Case-Usage": {"not json"}}, body); e.RetryAfter != 0 {
		t.Errorf("an unreadable header: %v", e.RetryAfter)
	}
}
