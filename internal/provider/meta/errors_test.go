package meta

import (
	"strconv"
	"testing"

	"github.com/tokenwatch/tokenwatch/internal/provider/providertest"
)

// The Graph API error table of PROVIDERS.md, shared by Facebook Pages,
// Instagram (both logins) and Threads.
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
		providertest.Case("492 no role on the Page: permission missing", 400, graph(492, 0), providertest.Permission, "492"),
		providertest.Case("10 permission denied: permission missing", 403, graph(10, 0), providertest.Permission, "10"),
		providertest.Case("200 permission error: permission missing", 403, graph(200, 0), providertest.Permission, "200"),
		providertest.Case("299 permission range end: permission missing", 403, graph(299, 0), providertest.Permission, "299"),
		providertest.Case("1 unknown: transient", 400, graph(1, 0), providertest.Transient, "1"),
		providertest.Case("2 service: transient", 400, graph(2, 0), providertest.Transient, "2"),
		providertest.Case("4 app rate limit: transient", 400, graph(4, 0), providertest.Transient, "4"),
		providertest.Case("17 user rate limit: transient", 400, graph(17, 0), providertest.Transient, "17"),
		providertest.Case("341 app limit: transient", 400, graph(341, 0), providertest.Transient, "341"),
		providertest.Case("368 temporarily blocked: transient", 400, graph(368, 0), providertest.Transient, "368"),
		providertest.Case("506 duplicate post: refused for good, not a token problem", 400, graph(506, 0), providertest.Transient, "506").Refused(),
		providertest.Case("100 invalid parameter: the request is refused", 400, graph(100, 0), providertest.Transient, "100").Refused(),
		providertest.Case("Instagram token endpoint error", 400, `{"error_type":"OAuthException","code":400,"error_message":"Invalid code"}`, providertest.Transient, "OAuthException").Refused(),
		providertest.Case("a body that is not JSON, 400", 400, "bad", providertest.Transient, "400"),
		providertest.Case("401 without body", 401, "", providertest.Reconnect, "401"),
	})
}
