// Package meta is the Graph API plumbing Meta's networks share (Facebook
// Pages, Instagram through Facebook Login, Instagram Login, Threads): the
// error format and its triage, Facebook Login's code exchange and
// long-lived token exchange, debug_token, and two-step media publishing.
package meta

import (
	"encoding/json"
	"strconv"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/oauthx"
)

// Graph error codes and subcodes that tokenwatch acts on.
const (
	CodeUnknown          = 1
	CodeService          = 2
	CodeTooManyCalls     = 4
	CodePermission       = 10
	CodeUserRateLimit    = 17
	CodeSessionKey       = 102
	CodeOAuth            = 190
	CodeAppRateLimit     = 341
	CodeTemporarilyBlock = 368
	CodeNoPageRole       = 492
	CodeDuplicatePost    = 506

	SubcodeAppRemoved      = 458
	SubcodeCheckpointed    = 459
	SubcodePasswordChanged = 460
	SubcodeExpired         = 463
	SubcodeUnconfirmedUser = 464
	SubcodeInvalidSession  = 467
)

// GraphError is the "error" object of a Graph API response.
type GraphError struct {
	Message string `json:"message"`
	Type    string `json:"type"`
	Code    int    `json:"code"`
	Subcode int    `json:"error_subcode"`
}

// Triage classifies a failed Graph API response.
func Triage(status int, body []byte) *provider.Error {
	var r struct {
		Error json.RawMessage `json:"error"`
		// Instagram's token endpoint answers in its own shape.
		ErrorType    string `json:"error_type"`
		ErrorMessage string `json:"error_message"`
	}
	if json.Unmarshal(body, &r) != nil {
		return nil
	}
	var ge GraphError
	if json.Unmarshal(r.Error, &ge) == nil && ge.Code != 0 {
		return Classify(ge)
	}
	if r.ErrorType != "" {
		return &provider.Error{Class: oauthx.ClassForStatus(status), Code: r.ErrorType, Message: r.ErrorMessage,
			Rejected: oauthx.RejectedStatus(status)}
	}
	return oauthx.TriageOAuth(status, body)
}

// Classify triages a Graph error by its code and subcode, as Meta
// documents them: 190 and its subcodes and 102 mean the token is dead,
// except 459 and 464 where the user must fix their account first; 492 means
// no role on the Page and 10 or 200–299 a missing permission; 506 is a
// duplicate post, refused for good; the rest (1, 2, 4, 17, 341, 368, …)
// passes.
func Classify(ge GraphError) *provider.Error {
	e := &provider.Error{Code: strconv.Itoa(ge.Code), Message: ge.Message, Class: tokenwatch.ClassTransient}
	if ge.Subcode != 0 {
		e.Code += "/" + strconv.Itoa(ge.Subcode)
	}
	switch {
	case ge.Subcode == SubcodeCheckpointed || ge.Subcode == SubcodeUnconfirmedUser:
		e.Class = tokenwatch.ClassAccountBlocked
	case ge.Code == CodeOAuth || ge.Code == CodeSessionKey:
		e.Class = tokenwatch.ClassMustReconnect
	case ge.Code == CodeNoPageRole || ge.Code == CodePermission || (ge.Code >= 200 && ge.Code <= 299):
		e.Class = tokenwatch.ClassPermissionMissing
	case ge.Code == CodeDuplicatePost:
		e.Rejected = true
	case transientCodes[ge.Code]:
	default:
		// An invalid parameter or an unsupported request: the request is
		// wrong, not the token.
		e.Rejected = true
	}
	if e.Message == "" {
		e.Message = "Graph API error " + e.Code
	}
	return e
}

var transientCodes = map[int]bool{
	CodeUnknown: true, CodeService: true, CodeTooManyCalls: true, CodeUserRateLimit: true,
	CodeAppRateLimit: true, CodeTemporarilyBlock: true, 32: true, 613: true,
}
