package google

import (
	"strconv"
	"testing"

	"github.com/tokenwatch/tokenwatch/internal/provider/providertest"
)

// Google's errors, for Business Profile and YouTube.
func TestTriage(t *testing.T) {
	t.Parallel()
	api := func(code int, status, reason string) string {
		return `{"error":{"code":` + strconv.Itoa(code) + `,"message":"m","status":"` + status +
			`","errors":[{"reason":"` + reason + `"}]}}`
	}
	providertest.RunTriage(t, Triage, []providertest.TriageCase{
		providertest.Case("invalid_grant at refresh: revoked, unused for 6 months, testing app: reconnect", 400, `{"error":"invalid_grant","error_description":"Token has been expired or revoked."}`, providertest.Reconnect, "invalid_grant"),
		providertest.Case("tokeninfo invalid_token: reconnect", 400, `{"error":"invalid_token","error_description":"Invalid Value"}`, providertest.Reconnect, "invalid_token"),
		providertest.Case("invalid_client: the app's configuration, not the page", 401, `{"error":"invalid_client"}`, providertest.Service, "invalid_client"),
		providertest.Case("401 UNAUTHENTICATED: reconnect", 401, api(401, "UNAUTHENTICATED", "authError"), providertest.Reconnect, "UNAUTHENTICATED"),
		providertest.Case("403 PERMISSION_DENIED insufficient scopes: permission missing", 403, api(403, "PERMISSION_DENIED", "insufficientPermissions"), providertest.Permission, "PERMISSION_DENIED"),
		providertest.Case("403 quotaExceeded: transient", 403, api(403, "PERMISSION_DENIED", "quotaExceeded"), providertest.Transient, "quotaExceeded"),
		providertest.Case("403 rateLimitExceeded: transient", 403, api(403, "PERMISSION_DENIED", "rateLimitExceeded"), providertest.Transient, "rateLimitExceeded"),
		providertest.Case("400 INVALID_ARGUMENT: the request is refused", 400, api(400, "INVALID_ARGUMENT", "badRequest"), providertest.Transient, "INVALID_ARGUMENT").Refused(),
		providertest.Case("404 NOT_FOUND: the request is refused", 404, api(404, "NOT_FOUND", "notFound"), providertest.Transient, "NOT_FOUND").Refused(),
	})
}
