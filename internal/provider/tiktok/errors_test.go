package tiktok

import (
	"testing"

	"github.com/tokenwatch/tokenwatch/internal/provider/providertest"
)

func TestTriage(t *testing.T) {
	t.Parallel()
	api := func(code string) string {
		return `{"data":{},"error":{"code":"` + code + `","message":"m","log_id":"x"}}`
	}
	providertest.RunTriage(t, triage, []providertest.TriageCase{
		providertest.Case("invalid_grant (refresh token rotated away or expired): reconnect", 400, `{"error":"invalid_grant","error_description":"Refresh token is invalid or expired."}`, providertest.Reconnect, "invalid_grant"),
		providertest.Case("401 access_token_invalid: reconnect", 401, api("access_token_invalid"), providertest.Reconnect, "access_token_invalid"),
		providertest.Case("401 scope_not_authorized: permission missing", 401, api("scope_not_authorized"), providertest.Permission, "scope_not_authorized"),
		providertest.Case("scope_permission_missed: permission missing", 403, api("scope_permission_missed"), providertest.Permission, "scope_permission_missed"),
		providertest.Case("rate_limit_exceeded at 400: transient", 400, api("rate_limit_exceeded"), providertest.Transient, "rate_limit_exceeded"),
		providertest.Case("invalid_params: refused", 400, api("invalid_params"), providertest.Transient, "invalid_params").Refused(),
	})
}
