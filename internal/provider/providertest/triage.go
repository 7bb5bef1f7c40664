package providertest

import (
	"net/http"
	"testing"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/oauthx"
)

// TriageCase is one row of a network's error-triage table: what the
// network answers and what tokenwatch must make of it.
type TriageCase struct {
	Name     string
	Status   int
	Body     string
	Class    tokenwatch.ErrorClass
	Code     string // checked when set
	Rejected bool
}

// Shorter names for the tables.
const (
	Reconnect  = tokenwatch.ClassMustReconnect
	Permission = tokenwatch.ClassPermissionMissing
	Blocked    = tokenwatch.ClassAccountBlocked
	Transient  = tokenwatch.ClassTransient
	Service    = tokenwatch.ClassService
)

// RunTriage checks a network's triage, through the client's Fail as every
// call does, against the table. Rows every network shares are added: 5xx and
// 429 are transient whatever the body says.
func RunTriage(t *testing.T, triage oauthx.Triage, cases []TriageCase) {
	t.Helper()
	c := oauthx.NewClient("test", provider.Config{}, triage)
	for _, status := range []int{500, 502, 503, 504, 429} {
		for _, body := range []string{"", "<html>oops</html>", `{"error":"invalid_grant"}`,
			`{"error":{"code":190,"error_subcode":460,"status":"UNAUTHENTICATED"}}`, `{"serviceErrorCode":65601}`,
			`{"error":{"code":"access_token_invalid"}}`, `{"code":2,"message":"Authentication failed."}`} {
			cases = append(cases, TriageCase{Name: http.StatusText(status) + " " + body, Status: status, Body: body, Class: Transient})
		}
	}
	for _, tc := range cases {
		e := c.Fail(tc.Status, http.Header{}, []byte(tc.Body))
		if e.Class != tc.Class || e.Rejected != tc.Rejected || (tc.Code != "" && e.Code != tc.Code) {
			t.Errorf("%s: %d %s\n got class %s code %q rejected %v\nwant class %s code %q rejected %v",
				tc.Name, tc.Status, tc.Body, e.Class, e.Code, e.Rejected, tc.Class, tc.Code, tc.Rejected)
		}
		if e.Message == "" {
			t.Errorf("%s: no message", tc.Name)
		}
	}
}

// Case is a triage row: the network answers status and body, tokenwatch
// must see class and code.
func Case(name string, status int, body string, class tokenwatch.ErrorClass, code string) TriageCase {
	return TriageCase{Name: name, Status: status, Body: body, Class: class, Code: code}
}

// Refused marks a row whose request is refused for good (Error.Rejected).
func (c TriageCase) Refused() TriageCase {
	c.Rejected = true
	return c
}
