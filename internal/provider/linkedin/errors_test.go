package linkedin

import (
	"testing"

	"github.com/tokenwatch/tokenwatch/internal/provider/providertest"
)

func TestTriage(t *testing.T) {
	t.Parallel()
	providertest.RunTriage(t, triage, []providertest.TriageCase{
		providertest.Case("invalid_grant on refresh: reconnect", 400, `{"error":"invalid_grant","error_description":"The provided authorization grant or refresh token is invalid, expired or revoked"}`, providertest.Reconnect, "invalid_grant"),
		// LinkedIn's own word for a dead refresh token:
		// https://learn.microsoft.com/en-us/linkedin/shared/authentication/programmatic-refresh-tokens#api-error-details
		providertest.Case("invalid_request: refresh token invalid, expired or revoked: reconnect", 400, `{"error":"invalid_request","error_description":"The provided authorization grant or refresh token is invalid, expired or revoked"}`, providertest.Reconnect, "invalid_request"),
		providertest.Case("invalid_request: a parameter missing: not the page's problem", 400, `{"error":"invalid_request","error_description":"A required parameter \"refresh_token\" is missing"}`, providertest.Transient, "invalid_request"),
		providertest.Case("invalid_client: the app's secret is refused", 401, `{"error":"invalid_client","error_description":"Client authentication failed"}`, providertest.Service, "invalid_client"),
		// https://learn.microsoft.com/en-us/linkedin/shared/authentication/client-credentials-flow#api-error-details
		providertest.Case("invalid_client_id: the app's client id is refused", 400, `{"error":"invalid_client_id","error_description":"The passed in client_id is invalid \"abcdefghijk\""}`, providertest.Service, "invalid_client_id"),
		providertest.Case("401 invalid token: reconnect", 401, `{"serviceErrorCode":65600,"code":"INVALID_ACCESS_TOKEN","message":"Invalid access token","status":401}`, providertest.Reconnect, "65600"),
		providertest.Case("401 revoked by the member: reconnect", 401, `{"serviceErrorCode":65601,"code":"REVOKED_ACCESS_TOKEN","message":"The token used in the request has been revoked by the user","status":401}`, providertest.Reconnect, "65601"),
		providertest.Case("401 expired: reconnect", 401, `{"serviceErrorCode":65602,"code":"EXPIRED_ACCESS_TOKEN","message":"The token used in the request has expired","status":401}`, providertest.Reconnect, "65602"),
		providertest.Case("403 ACCESS_DENIED (scope or role): permission missing", 403, `{"serviceErrorCode":100,"code":"ACCESS_DENIED","message":"Not enough permissions to access: partnerApiPostsExternal.CREATE","status":403}`, providertest.Permission, "100"),
		providertest.Case("422 duplicate post: refused", 422, `{"message":"Content is a duplicate","status":422}`, providertest.Transient, "422").Refused(),
		providertest.Case("422 duplicate post as LinkedIn words it: refused", 422, `{"errorDetailType":"com.linkedin.common.error.BadRequest","message":"com.linkedin.content.common.exception.BadRequestResponseException: Content is a duplicate of urn:li:share:7141138937766391808","errorDetails":{"inputErrors":[{"description":"Duplicate post is detected","input":{},"code":"DUPLICATE_POST"}]},"status":422}`, providertest.Transient, "422").Refused(),
		// A retired LinkedIn-Version is tokenwatch's problem, never the
		// page's (n8n-io/n8n#14737, ComposioHQ/composio#4320).
		providertest.Case("426 NONEXISTENT_VERSION: service problem", 426, `{"status":426,"code":"NONEXISTENT_VERSION","message":"Requested version 202511 is not active"}`, providertest.Service, "NONEXISTENT_VERSION"),
		providertest.Case("426 whatever the body: service problem", 426, `<html>Upgrade Required</html>`, providertest.Service, "NONEXISTENT_VERSION"),
		providertest.Case("version missing: service problem", 426, `{"status":426,"code":"VERSION_MISSING","message":"A version must be present. Please specify a version by adding the LinkedIn-Version header."}`, providertest.Service, "VERSION_MISSING"),
		providertest.Case("404 not found: refused", 404, `{"serviceErrorCode":0,"code":"NOT_FOUND","message":"no such organization","status":404}`, providertest.Transient, "NOT_FOUND").Refused(),
	})
}
