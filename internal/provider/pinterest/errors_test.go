package pinterest

import (
	"net/http"
	"testing"

	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/oauthx"
	"github.com/tokenwatch/tokenwatch/internal/provider/providertest"
)

// TestTriage follows the error examples of Pinterest's OpenAPI description
// (github.com/pinterest/api-description v5/openapi.yaml) and the answers
// its own client libraries met (github.com/pinterest/api-quickstart/issues/97,
// github.com/pinterest/pinterest-python-sdk/issues/114).
func TestTriage(t *testing.T) {
	t.Parallel()
	providertest.RunTriage(t, apiTriage, []providertest.TriageCase{
		providertest.Case("401 authentication failed: reconnect", 401, `{"code":2,"message":"Authentication failed."}`, providertest.Reconnect, "2"),
		providertest.Case("401 without a code: reconnect", 401, `{"message":"Unauthorized"}`, providertest.Reconnect, "0"),
		providertest.Case("authorization failed (scope): permission missing", 403, `{"code":3,"message":"Authorization failed."}`, providertest.Permission, "3"),
		providertest.Case("insufficient scopes answered with a 401: permission missing", 401,
			`{"code":3,"message":"Your token does not have sufficient permissions to perform this operation. Please ensure your token is authorized with the correct set of scopes."}`,
			providertest.Permission, "3"),
		providertest.Case("not permitted (403): permission missing", 403, `{"code":29,"message":"You are not permitted to access that resource."}`, providertest.Permission, "29"),
		providertest.Case("not authorized to access the user account: permission missing", 403, `{"code":403,"message":"Not authorized to access the user account."}`, providertest.Permission, "403"),
		providertest.Case("a board it may not pin to: refused", 403, `{"code":7,"message":"Not authorized to access board or Pin."}`, providertest.Transient, "7").Refused(),
		providertest.Case("invalid parameters: refused", 400, `{"code":1,"message":"Invalid parameters."}`, providertest.Transient, "1").Refused(),
		providertest.Case("pin not found: refused", 404, `{"code":50,"message":"Pin not found."}`, providertest.Transient, "50").Refused(),
		providertest.Case("rate limit: transient", 429, `{"code":8,"message":"This request exceeded a rate limit."}`, providertest.Transient, "8"),
	})
	providertest.RunTriage(t, tokenTriage, []providertest.TriageCase{
		providertest.Case("wrong app credentials at the token endpoint: tokenwatch's app", 401, `{"code":2,"message":"Authentication failed."}`, providertest.Service, "2"),
		providertest.Case("a dead refresh token: reconnect", 401, `{"code":283,"message":"The authorization grant is invalid"}`, providertest.Reconnect, "283"),
		providertest.Case("RFC 6749 invalid_grant: reconnect", 400, `{"error":"invalid_grant"}`, providertest.Reconnect, "invalid_grant"),
		providertest.Case("RFC 6749 invalid_client: tokenwatch's app", 401, `{"error":"invalid_client"}`, providertest.Service, "invalid_client"),
		providertest.Case("invalid parameters at the token endpoint: tokenwatch's request", 400, `{"code":1,"message":"Invalid parameters."}`, providertest.Service, "1"),
	})
}

// TestRefreshMayFixADeadAccessToken: Pinterest words an expired access
// token (they live 30 days) and a revoked one alike, "Authentication
// failed.": a refresh tells them apart. At the token endpoint nothing is.
func TestRefreshMayFixADeadAccessToken(t *testing.T) {
	t.Parallel()
	api := oauthx.NewClient("pinterest", provider.Config{}, apiTriage)
	if e := api.Fail(401, http.Header{}, []byte(`{"code":2,"message":"Authentication failed."}`)); !e.RefreshMayFix {
		t.Error("API code 2: RefreshMayFix = false")
	}
	if e := api.Fail(401, http.Header{}, []byte(`{"code":3,"message":"Authorization failed."}`)); e.RefreshMayFix {
		t.Error("API code 3: RefreshMayFix = true")
	}
	tok := oauthx.NewClient("pinterest", provider.Config{}, tokenTriage)
	for _, body := range []string{`{"code":2,"message":"Authentication failed."}`, `{"code":283,"message":"The authorization grant is invalid"}`} {
		if e := tok.Fail(401, http.Header{}, []byte(body)); e.RefreshMayFix {
			t.Errorf("token endpoint %s: RefreshMayFix = true", body)
		}
	}
}
