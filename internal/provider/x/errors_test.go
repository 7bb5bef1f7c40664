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
		{"invalid_request on refresh (spent or revoked refresh token): reconnect", 400, `{"error":"invalid_request","error_description":"Value passed for the token was invalid."}`, providertest.Reconnect, "invalid_request", false},
		{"invalid_grant: reconnect", 400, `{"error":"invalid_grant"}`, providertest.Reconnect, "invalid_grant", false},
		{"401: reconnect", 401, problem("Unauthorized", "Unauthorized"), providertest.Reconnect, "Unauthorized", false},
		{"403 not permitted: permission missing", 403, problem("Forbidden", "You are not permitted to perform this action."), providertest.Permission, "Forbidden", false},
		{"403 locked account: fix the account first", 403, problem("Forbidden", "Your account is temporarily locked."), providertest.Blocked, "Forbidden", false},
		{"403 suspended account: fix the account first", 403, problem("Forbidden", "Your account is suspended."), providertest.Blocked, "Forbidden", false},
		{"403 duplicate content: refused, not a token problem", 403, problem("Forbidden", "You are not allowed to create a Tweet with duplicate content."), providertest.Transient, "Forbidden", true},
		{"400 invalid request: refused", 400, problem("Invalid Request", "One or more parameters to your request was invalid."), providertest.Transient, "Invalid Request", true},
	})
}
