package linkedin

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/oauthx"
)

// LinkedIn service error codes for dead tokens.
// https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling
const (
	codeInvalidToken = 65600
	codeRevoked      = 65601
	codeExpired      = 65602
)

// Codes of LinkedIn's refusals of the LinkedIn-Version header: a retired
// (or not yet released) version answers 426 NONEXISTENT_VERSION.
// https://learn.microsoft.com/en-us/linkedin/marketing/versioning
const (
	codeNonexistentVersion = "NONEXISTENT_VERSION"
	codeVersionMissing     = "VERSION_MISSING"
)

// deadRefreshToken is how LinkedIn's token endpoint words a refresh token
// that is invalid, expired or revoked. LinkedIn sends it as invalid_request,
// not RFC 6749's invalid_grant, so the description is what tells it apart
// from a malformed request.
// https://learn.microsoft.com/en-us/linkedin/shared/authentication/programmatic-refresh-tokens#api-error-details
const deadRefreshToken = "authorization grant or refresh token is invalid, expired or revoked"

// versionHint tells the operator what to change when LinkedIn refuses the
// API version.
const versionHint = "LinkedIn no longer serves this LinkedIn-Version: set TOKENWATCH_LINKEDIN_API_VERSION to an active version " +
	"(https://learn.microsoft.com/en-us/linkedin/marketing/integrations/migrations)."

// triage classifies a LinkedIn answer:
//   - at the token endpoint, a dead grant (invalid_grant, or LinkedIn's
//     invalid_request "…refresh token is invalid, expired or revoked") means
//     reconnecting; a refused client (invalid_client, LinkedIn's
//     invalid_client_id) is tokenwatch's own problem;
//   - a refused LinkedIn-Version (426 NONEXISTENT_VERSION) is tokenwatch's own
//     problem too, never the page's;
//   - a 401 (invalid, revoked or expired token) means reconnecting;
//   - a 403 (ACCESS_DENIED, not enough permissions) a missing scope or role:
//     LinkedIn's 403 does not say whether the member or the app lacks the
//     permission ("Does your application have permissions to make the API
//     call? Does your application ask the user to enable these
//     permissions?"), so it stays the page's problem;
//   - 429 and 5xx are transient; any other 4xx refuses the request itself.
func triage(status int, body []byte) *provider.Error {
	if code, desc := oauthx.OAuthError(body); code != "" {
		e := oauthx.TriageOAuth(status, body)
		switch {
		case code == "invalid_request" && strings.Contains(desc, deadRefreshToken):
			e.Class = tokenwatch.ClassMustReconnect
		case code == "invalid_client_id":
			// The Client Credentials page's word for an unknown client.
			// https://learn.microsoft.com/en-us/linkedin/shared/authentication/client-credentials-flow#api-error-details
			e.Class = tokenwatch.ClassService
		}
		return e
	}
	var r struct {
		ServiceErrorCode int    `json:"serviceErrorCode"`
		Code             string `json:"code"`
		Message          string `json:"message"`
	}
	if json.Unmarshal(body, &r) != nil {
		r.Code, r.Message = "", ""
	}
	e := &provider.Error{Code: r.Code, Message: r.Message, Class: oauthx.ClassForStatus(status)}
	if r.ServiceErrorCode != 0 {
		e.Code = strconv.Itoa(r.ServiceErrorCode)
	}
	switch {
	case status == http.StatusUpgradeRequired || r.Code == codeNonexistentVersion || r.Code == codeVersionMissing:
		e.Class = tokenwatch.ClassService
		if e.Code == "" {
			e.Code = codeNonexistentVersion
		}
		if e.Message == "" {
			e.Message = "LinkedIn refused the requested API version"
		}
		e.Action = versionHint
		return e
	case r.ServiceErrorCode == codeInvalidToken || r.ServiceErrorCode == codeRevoked || r.ServiceErrorCode == codeExpired:
		e.Class = tokenwatch.ClassMustReconnect
	}
	if e.Code == "" {
		e.Code = strconv.Itoa(status)
	}
	e.Rejected = e.Class == tokenwatch.ClassTransient && oauthx.RejectedStatus(status)
	return e
}
