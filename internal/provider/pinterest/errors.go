package pinterest

import (
	"encoding/json"
	"strconv"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/oauthx"
)

// Pinterest API error codes.
const (
	codeAuthentication = 2 // the token is not accepted
	codeAuthorization  = 3 // the token lacks a scope
)

// triage classifies a Pinterest answer: invalid_grant at the token
// endpoint and a 401 (code 2, authentication failed) mean reconnecting;
// code 3 (authorization failed) and a 403 a missing permission; 429 and
// 5xx are transient.
func triage(status int, body []byte) *provider.Error {
	if e := oauthx.TriageOAuth(status, body); e != nil {
		return e
	}
	var r struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &r) != nil || (r.Code == 0 && r.Message == "") {
		return nil
	}
	e := &provider.Error{Code: strconv.Itoa(r.Code), Message: r.Message, Class: oauthx.ClassForStatus(status)}
	switch r.Code {
	case codeAuthentication:
		e.Class = tokenwatch.ClassMustReconnect
	case codeAuthorization:
		e.Class = tokenwatch.ClassPermissionMissing
	default:
		e.Rejected = e.Class == tokenwatch.ClassTransient && oauthx.RejectedStatus(status)
	}
	return e
}
