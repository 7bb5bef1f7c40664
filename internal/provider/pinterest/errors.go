package pinterest

import (
	"encoding/json"
	"strconv"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/oauthx"
)

// Pinterest error codes. Pinterest answers errors as {"code": int,
// "message": string} (Error in its OpenAPI description) and publishes no
// table of codes; these are the ones its description and its own client
// libraries show.
const (
	// codeAuthentication: "Authentication failed." At the API, the access
	// token is not accepted; at the token endpoint, the app's client
	// credentials are not (the 401 "Client authentication error" example
	// of /oauth/token/revoke).
	codeAuthentication = 2
	// codeAuthorization: "Your token does not have sufficient permissions
	// to perform this operation…" (seen with a 401:
	// github.com/pinterest/api-quickstart/issues/97).
	codeAuthorization = 3
	// codeNotAuthorizedBoardPin: "Not authorized to access board or Pin."
	codeNotAuthorizedBoardPin = 7
	// codeRateLimit: "This request exceeded a rate limit…" (429).
	codeRateLimit = 8
	// codeNotPermitted: "You are not permitted to access that resource." (403).
	codeNotPermitted = 29
	// codeInvalidGrant: "The authorization grant is invalid", a refresh
	// token (or code) the token endpoint no longer honours, with a 401
	// (github.com/pinterest/pinterest-python-sdk/issues/114).
	codeInvalidGrant = 283
)

// apiError reads Pinterest's error body.
func apiError(body []byte) (code int, message string, ok bool) {
	var r struct {
		Code    *int   `json:"code"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &r) != nil || (r.Code == nil && r.Message == "") {
		return 0, "", false
	}
	if r.Code != nil {
		code = *r.Code
	}
	return code, r.Message, true
}

// apiTriage classifies an answer of the API. Code 2 (a 401) is an access
// token Pinterest does not accept: expired (they last 30 days) or revoked,
// which Pinterest words alike, so a refresh decides (RefreshMayFix); code 3
// and 29 (and a 403) are a missing permission; 429 and 5xx are transient;
// other 4xx refuse the request itself.
func apiTriage(status int, body []byte) *provider.Error {
	code, msg, ok := apiError(body)
	if !ok {
		return nil
	}
	e := &provider.Error{Code: strconv.Itoa(code), Message: msg, Class: oauthx.ClassForStatus(status)}
	switch code {
	case codeAuthentication:
		e.Class, e.RefreshMayFix = tokenwatch.ClassMustReconnect, true
	case codeAuthorization, codeNotPermitted:
		e.Class = tokenwatch.ClassPermissionMissing
	case codeRateLimit:
		e.Class = tokenwatch.ClassTransient
	case codeNotAuthorizedBoardPin:
		// A board tokenwatch may not pin to: this pin fails.
		e.Class, e.Rejected = tokenwatch.ClassTransient, true
	default:
		if status == 401 {
			e.RefreshMayFix = true
		}
		e.Rejected = e.Class == tokenwatch.ClassTransient && oauthx.RejectedStatus(status)
	}
	return e
}

// tokenTriage classifies an answer of the token endpoint. Code 2
// ("Authentication failed.") refuses tokenwatch's app credentials: a
// service problem, never the page's; code 283 refuses the grant (the
// refresh token expired, was rotated away or revoked): reconnect. RFC 6749
// errors are read too, should Pinterest send them.
func tokenTriage(status int, body []byte) *provider.Error {
	if e := oauthx.TriageOAuth(status, body); e != nil {
		return e
	}
	code, msg, ok := apiError(body)
	if !ok {
		return nil
	}
	e := &provider.Error{Code: strconv.Itoa(code), Message: msg, Class: oauthx.ClassForStatus(status)}
	switch code {
	case codeAuthentication:
		// The documented answer is a 401; a 429 or 5xx saying the same is
		// the network's trouble, left transient by the client.
		if status >= 400 && status < 500 && status != 429 {
			e.Class = tokenwatch.ClassService
			e.Message = "Pinterest refused tokenwatch's app credentials (" + msg + ")"
			e.Action = "Check the app id and secret of the Pinterest app (TOKENWATCH_PINTEREST_CLIENT_ID and TOKENWATCH_PINTEREST_CLIENT_SECRET)."
		}
	case codeInvalidGrant:
		e.Class = tokenwatch.ClassMustReconnect
	case codeRateLimit:
		e.Class = tokenwatch.ClassTransient
	default:
		// Another refusal of the token request (invalid parameters): the
		// request tokenwatch built, not the page's grant.
		if status >= 400 && status < 500 && status != 429 {
			e.Class = tokenwatch.ClassService
		}
	}
	return e
}
