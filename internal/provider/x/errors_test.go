package x

import (
	"testing"

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
	})
}
