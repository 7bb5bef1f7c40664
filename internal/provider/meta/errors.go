// Package meta is the Graph API plumbing Meta's networks share (Facebook
// Pages, Instagram through Facebook Login, Instagram Login, Threads): the
// error format and its triage, Facebook Login's code exchange and
// long-lived token exchange, debug_token, two-step media publishing with
// its container status, and the checks of the app itself (Diagnose).
package meta

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/oauthx"
)

// Graph error codes and subcodes that tokenwatch acts on.
// https://developers.facebook.com/docs/graph-api/guides/error-handling
// https://developers.facebook.com/docs/graph-api/overview/rate-limiting
// https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/error-codes
const (
	CodeUnknown          = 1
	CodeService          = 2
	CodeTooManyCalls     = 4
	CodePermission       = 10
	CodeDeprecated       = 12 // "(#12) … is deprecated for versions vN and higher"
	CodeUserRateLimit    = 17
	CodePageRateLimit    = 32 // Pages API calls made with a user token
	CodeInvalidParameter = 100
	CodeInvalidApp       = 101 // "Error validating application. Invalid application ID."
	CodeSessionKey       = 102
	CodeOAuth            = 190
	CodeAppRateLimit     = 341
	CodeTemporarilyBlock = 368
	CodeDuplicatePost    = 506
	CodeCustomRateLimit  = 613
	// CodeDeprecatedVersion is the refusal of a version no longer served
	// ("(#2635) You are calling a deprecated version of the Ads API.
	// Please update to the latest version").
	CodeDeprecatedVersion = 2635
	// CodeMediaNotReady with SubcodeMediaNotReady: Instagram's
	// media_publish of a container still being processed.
	CodeMediaNotReady    = 9007
	SubcodeMediaNotReady = 2207027
	// CodeThreadsNotFound with SubcodeThreadsMediaNotFound: Threads'
	// threads_publish of a container it cannot publish yet. Not in Meta's
	// published docs; seen by maintained Threads clients, which retry it.
	CodeThreadsNotFound         = 24
	SubcodeThreadsMediaNotFound = 4279009

	SubcodeAppRemoved      = 458
	SubcodeCheckpointed    = 459
	SubcodePasswordChanged = 460
	SubcodeExpired         = 463
	SubcodeUnconfirmedUser = 464
	SubcodeInvalidSession  = 467
	// SubcodeNoPageRole, with code 190: the user associated with the Page
	// access token does not have an appropriate role on the Page.
	SubcodeNoPageRole = 492
)

// Business Use Case rate limits: 80001 Pages (Page or system user token),
// 80002 Instagram, and the rest of Meta's documented BUC codes.
// https://developers.facebook.com/docs/graph-api/overview/rate-limiting#buc-rate-limits
const (
	CodeBUCPages     = 80001
	CodeBUCInstagram = 80002
)

var bucCodes = map[int]bool{80000: true, CodeBUCPages: true, CodeBUCInstagram: true, 80003: true, 80004: true,
	80005: true, 80006: true, 80008: true, 80009: true, 80014: true}

// RoleLostMessage is what tokenwatch says of 190/492: the token is fine,
// the person behind it lost their role on the Page, so a fresh token from
// the same person fails the same way.
const RoleLostMessage = "The person who connected this Page no longer has a role on it. " +
	"Restore their role on the Page, or reconnect it as someone who has one."

// GraphError is the "error" object of a Graph API response.
type GraphError struct {
	Message     string `json:"message"`
	Type        string `json:"type"`
	Code        int    `json:"code"`
	Subcode     int    `json:"error_subcode"`
	IsTransient bool   `json:"is_transient"`
	UserMessage string `json:"error_user_msg"`
}

// Triage classifies a failed Graph API response.
func Triage(status int, body []byte) *provider.Error {
	var r struct {
		Error json.RawMessage `json:"error"`
		// Instagram's and Threads' token endpoints answer in their own
		// shape: {"error_type": "OAuthException", "code": 400,
		// "error_message": "…"}.
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
		e := &provider.Error{Class: oauthx.ClassForStatus(status), Code: r.ErrorType, Message: r.ErrorMessage,
			Rejected: oauthx.RejectedStatus(status)}
		if appRefused(r.ErrorMessage) {
			e.Class, e.Rejected = tokenwatch.ClassService, false
		}
		return e
	}
	return oauthx.TriageOAuth(status, body)
}

// Classify triages a Graph error by its code and subcode, as Meta
// documents them: 190 and its subcodes and 102 mean the token is dead,
// except 459 and 464 where the user must fix their account first and 492
// where the user lost their role on the Page; 10 and 200–299 are a missing
// permission; refusals of tokenwatch's app (101, a wrong secret) or of its
// Graph version (2635, 12) are service problems; 506 is a duplicate post,
// refused for good; rate limits (4, 17, 32, 613, 80001, 80002, …) and
// outages (1, 2, 341, 368) pass.
func Classify(ge GraphError) *provider.Error {
	e := &provider.Error{Code: strconv.Itoa(ge.Code), Message: ge.Message, Class: tokenwatch.ClassTransient}
	if ge.Subcode != 0 {
		e.Code += "/" + strconv.Itoa(ge.Subcode)
	}
	switch {
	case ge.Subcode == SubcodeCheckpointed || ge.Subcode == SubcodeUnconfirmedUser:
		e.Class = tokenwatch.ClassAccountBlocked
	case ge.Code == CodeOAuth && ge.Subcode == SubcodeNoPageRole:
		e.Class, e.Message = tokenwatch.ClassPermissionMissing, RoleLostMessage
	case ge.Code == CodeInvalidApp || (ge.Code == CodeUnknown || ge.Code == CodeOAuth || ge.Code == CodeInvalidParameter) && appRefused(ge.Message):
		// The app itself: a wrong app id or secret. Meta words this in
		// the message only ("Error validating client secret." comes as
		// code 1 from graph.facebook.com, as 100 from graph.instagram.com).
		e.Class = tokenwatch.ClassService
		e.Message = "Meta refused tokenwatch's app credentials (" + ge.Message + ")"
		e.Action = "Check the app id and secret of tokenwatch's Meta app (its TOKENWATCH_*_CLIENT_ID and _CLIENT_SECRET); run tokenwatch doctor."
	case ge.Code == CodeDeprecatedVersion || ge.Code == CodeDeprecated:
		e.Class = tokenwatch.ClassService
		e.Message = "Meta refused the Graph API version tokenwatch calls (" + ge.Message + ")"
		e.Action = "Set TOKENWATCH_META_GRAPH_VERSION (or TOKENWATCH_THREADS_API_VERSION) to a version Meta serves."
	case ge.Code == CodeOAuth || ge.Code == CodeSessionKey:
		e.Class = tokenwatch.ClassMustReconnect
	case ge.Code == CodePermission || (ge.Code >= 200 && ge.Code <= 299):
		e.Class = tokenwatch.ClassPermissionMissing
	case ge.Code == CodeDuplicatePost:
		e.Rejected = true
	case transientCodes[ge.Code] || bucCodes[ge.Code]:
	case ge.Code == CodeMediaNotReady && ge.Subcode == SubcodeMediaNotReady,
		ge.Code == CodeThreadsNotFound && ge.Subcode == SubcodeThreadsMediaNotFound:
		// Published before the container finished: try again later.
	case ge.IsTransient:
		// Instagram marks errors worth retrying (is_transient).
	default:
		// An invalid parameter or an unsupported request: the request is
		// wrong, not the token.
		e.Rejected = true
	}
	if e.Message == "" {
		e.Message = ge.UserMessage
	}
	if e.Message == "" {
		e.Message = "Graph API error " + e.Code
	}
	return e
}

// transientCodes are outages and rate limits: wait and retry. -1 and -2
// are Instagram's "server error, try again" and "timeout downloading the
// media, try again".
var transientCodes = map[int]bool{
	CodeUnknown: true, CodeService: true, CodeTooManyCalls: true, CodeUserRateLimit: true, CodePageRateLimit: true,
	CodeAppRateLimit: true, CodeTemporarilyBlock: true, CodeCustomRateLimit: true, -1: true, -2: true,
}

// appRefused reports whether Meta's message refuses the app itself rather
// than a user's token or a request.
func appRefused(message string) bool {
	m := strings.ToLower(message)
	for _, s := range []string{"validating client secret", "error validating application", "invalid platform app", "invalid client_id", "invalid application id"} {
		if strings.Contains(m, s) {
			return true
		}
	}
	return false
}

// RetryAfter reads the delay Meta asks for in X-Business-Use-Case-Usage:
// for each business object, estimated_time_to_regain_access is the time in
// minutes until calls are no longer throttled. The longest one counts.
// https://developers.facebook.com/docs/graph-api/overview/rate-limiting#headers-2
func RetryAfter(h http.Header, _ time.Time) (time.Duration, bool) {
	raw := h.Get("X-Business-Use-Case-Usage")
	if raw == "" {
		return 0, false
	}
	var usage map[string][]struct {
		Minutes float64 `json:"estimated_time_to_regain_access"`
	}
	if json.Unmarshal([]byte(raw), &usage) != nil {
		return 0, false
	}
	var longest float64
	for _, objects := range usage {
		for _, u := range objects {
			longest = max(longest, u.Minutes)
		}
	}
	if longest <= 0 {
		return 0, false
	}
	return time.Duration(longest * float64(time.Minute)), true
}
