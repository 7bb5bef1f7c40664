package linkedin

import (
	"testing"

	"github.com/tokenwatch/tokenwatch/internal/provider/providertest"
)

func TestTriage(t *testing.T) {
	t.Parallel()
	providertest.RunTriage(t, triage, []providertest.TriageCase{
		providertest.Case("invalid_grant on refresh: reconnect", 400, `{"error":"invalid_grant","error_description":"The provided authorization grant or refresh token is invalid, expired or revoked"}`, providertest.Reconnect, "invalid_grant"),
		providertest.Case("401 invalid token: reconnect", 401, `{"serviceErrorCode":65600,"code":"INVALID_ACCESS_TOKEN","message":"Invalid access token","status":401}`, providertest.Reconnect, "65600"),
		providertest.Case("401 revoked by the member: reconnect", 401, `{"serviceErrorCode":65601,"code":"REVOKED_ACCESS_TOKEN","message":"The token used in the request has been revoked by the user","status":401}`, providertest.Reconnect, "65601"),
		providertest.Case("401 expired: reconnect", 401, `{"serviceErrorCode":65602,"code":"EXPIRED_ACCESS_TOKEN","message":"The token used in the request has expired","status":401}`, providertest.Reconnect, "65602"),
		providertest.Case("403 ACCESS_DENIED (scope or role): permission missing", 403, `{"serviceErrorCode":100,"code":"ACCESS_DENIED","message":"Not enough permissions to access: partnerApiPostsExternal.CREATE","status":403}`, providertest.Permission, "100"),
		providertest.Case("422 duplicate post: refused", 422, `{"message":"Content is a duplicate","status":422}`, providertest.Transient, "422").Refused(),
	})
}
