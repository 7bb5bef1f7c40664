package pinterest

import (
	"testing"

	"github.com/tokenwatch/tokenwatch/internal/provider/providertest"
)

func TestTriage(t *testing.T) {
	t.Parallel()
	providertest.RunTriage(t, triage, []providertest.TriageCase{
		providertest.Case("invalid_grant at refresh: reconnect", 400, `{"error":"invalid_grant"}`, providertest.Reconnect, "invalid_grant"),
		providertest.Case("401 authentication failed: reconnect", 401, `{"code":2,"message":"Authentication failed."}`, providertest.Reconnect, "2"),
		providertest.Case("401 without a code: reconnect", 401, `{"message":"Unauthorized"}`, providertest.Reconnect, "0"),
		providertest.Case("authorization failed (scope): permission missing", 403, `{"code":3,"message":"Authorization failed."}`, providertest.Permission, "3"),
		providertest.Case("invalid parameters: refused", 400, `{"code":1,"message":"Invalid parameters."}`, providertest.Transient, "1").Refused(),
	})
}
