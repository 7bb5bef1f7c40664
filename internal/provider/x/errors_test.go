package x

import (
	"errors"
	"net/http"
	"testing"

	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/oauthx"

	"github.com/tokenwatch/tokenwatch/internal/provider/providertest"
)

func TestTriage(t *testing.T) {
	t.Parallel()
	problem := func(status, detail string) string {
		return `{"title":"` + status + `","type":"about:blank","detail":"` + detail + `"}`
	}
	providertest.RunTriage(t, triage, []providertest.TriageCase{
		providertest.Case("invalid_request on refresh (spent or revoked refresh token): reconnect", 400, `{"error":"invalid_request","error_description":"Value passed for the token was invalid."}`, providertest.Reconnect, "invalid_request"),
		providertest.Case("invalid_grant: reconnect", 400, `{"error":"invalid_grant"}`, providertest.Reconnect, "invalid_grant"),
		providertest.Case("401: reconnect", 401, problem("Unauthorized", "Unauthorized"), providertest.Reconnect, "Unauthorized"),
		providertest.Case("403 not permitted: permission missing", 403, problem("Forbidden", "You are not permitted to perform this action."), providertest.Permission, "Forbidden"),
		providertest.Case("403 locked account: fix the account first", 403, problem("Forbidden", "Your account is temporarily locked."), providertest.Blocked, "Forbidden"),
		providertest.Case("403 suspended account: fix the account first", 403, problem("Forbidden", "Your account is suspended."), providertest.Blocked, "Forbidden"),
		providertest.Case("403 duplicate content: refused, not a token problem", 403, problem("Forbidden", "You are not allowed to create a Tweet with duplicate content."), providertest.Transient, "Forbidden").Refused(),
		providertest.Case("400 invalid request: refused", 400, problem("Invalid Request", "One or more parameters to your request was invalid."), providertest.Transient, "Invalid Request").Refused(),

		// The app's problems, never the page's
		// (https://docs.x.com/x-api/fundamentals/response-codes-and-errors,
		// https://docs.x.com/x-api/getting-started/pricing).
		providertest.Case("402 credits depleted: the app's developer account", 402,
			`{"account_id":1243608864848629761,"title":"CreditsDepleted","detail":"Your enrolled account [1243608864848629761] does not have any credits to fulfill this request.","type":"https://api.twitter.com/2/problems/credits"}`,
			providertest.Service, "CreditsDepleted"),
		providertest.Case("402 without a body: still the app's credits", 402, "", providertest.Service, "CreditsDepleted"),
		providertest.Case("403 client-not-enrolled: the app is not attached to a project", 403,
			`{"client_id":"24555515","detail":"When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens from a Twitter developer App that is attached to a Project. You can create a project via the developer portal.","registration_url":"https://developer.twitter.com/en/docs/projects/overview","title":"Client Forbidden","required_enrollment":"Appropriate Level of API Access","reason":"client-not-enrolled","type":"https://api.twitter.com/2/problems/client-forbidden"}`,
			providertest.Service, "client-not-enrolled"),
		providertest.Case("403 official-client-forbidden: the app", 403,
			`{"title":"Client Forbidden","detail":"This request must be made using an approved developer account that is enrolled in the requested endpoint.","reason":"official-client-forbidden","type":"https://api.x.com/2/problems/client-forbidden"}`,
			providertest.Service, "official-client-forbidden"),
		providertest.Case("429 usage-capped: the app's cap", 429,
			`{"title":"UsageCapExceeded","detail":"Usage cap exceeded: Monthly product cap","type":"https://api.x.com/2/problems/usage-capped","period":"Monthly","scope":"Product"}`,
			providertest.Service, "usage-capped"),
		providertest.Case("403 unsupported-authentication: tokenwatch's configuration", 403,
			`{"title":"Unsupported Authentication","detail":"Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  Supported authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context].","type":"https://api.x.com/2/problems/unsupported-authentication","status":403}`,
			providertest.Service, "unsupported-authentication"),
		providertest.Case("unauthorized_client at the token endpoint (a wrong client secret): the app", 401,
			`{"error":"unauthorized_client","error_description":"Missing valid authorization header"}`, providertest.Service, "unauthorized_client"),

		// Transient, and problems about one request.
		providertest.Case("429 rate-limit-exceeded: transient", 429,
			`{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}`, providertest.Transient, "Too Many Requests"),
		providertest.Case("403 not-authorized-for-resource: refused, the grant is fine", 403,
			`{"title":"Forbidden","detail":"Sorry, you are not authorized to see the Post with id: [1].","type":"https://api.x.com/2/problems/not-authorized-for-resource","resource_type":"tweet","resource_id":"1","parameter":"id","value":"1","section":"data"}`,
			providertest.Transient, "not-authorized-for-resource").Refused(),
		providertest.Case("404 resource-not-found: refused", 404,
			`{"title":"Not Found Error","detail":"Could not find tweet with id: [1].","type":"https://api.x.com/2/problems/resource-not-found","resource_type":"tweet","resource_id":"1","parameter":"id","value":"1"}`,
			providertest.Transient, "resource-not-found").Refused(),
		providertest.Case("400 invalid-request problem: refused", 400,
			`{"title":"Invalid Request","detail":"One or more parameters to your request was invalid.","type":"https://api.x.com/2/problems/invalid-request","errors":[{"parameters":{"text":["x"]},"message":"text is too long"}]}`,
			providertest.Transient, "invalid-request").Refused(),
	})
}

// TestExpiredAccessTokenMayBeRefreshed: X's 401 does not say whether the
// two-hour access token expired or the grant was revoked; tokenwatch can
// refresh X tokens, so it refreshes once before deciding (a revoked grant
// then fails the refresh with invalid_request).
func TestExpiredAccessTokenMayBeRefreshed(t *testing.T) {
	t.Parallel()
	c := oauthx.NewClient("x", provider.Config{}, triage)
	err := error(c.Fail(401, http.Header{}, []byte(`{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}`)))
	if !provider.RefreshMayFix(err) || provider.ClassOf(err) != providertest.Reconnect {
		t.Errorf("401: %v, want a reconnect a refresh may cure", err)
	}
	err = c.Fail(400, http.Header{}, []byte(`{"error":"invalid_request","error_description":"Value passed for the token was invalid."}`))
	var pe *provider.Error
	if !errors.As(err, &pe) || pe.RefreshMayFix {
		t.Errorf("a refused refresh token: %v, want no second refresh", err)
	}
}
