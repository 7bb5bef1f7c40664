package tiktok

import (
	"encoding/json"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/oauthx"
)

// triage classifies a TikTok answer. The token endpoint answers RFC 6749
// errors (invalid_grant: reconnect); the API answers {"error": {"code": …}}:
// access_token_invalid means reconnecting, scope_not_authorized a missing
// permission, rate_limit_exceeded and 5xx are transient.
func triage(status int, body []byte) *provider.Error {
	if e := oauthx.TriageOAuth(status, body); e != nil {
		return e
	}
	var r struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &r) != nil || r.Error.Code == "" {
		return nil
	}
	e := &provider.Error{Code: r.Error.Code, Message: r.Error.Message, Class: oauthx.ClassForStatus(status)}
	switch r.Error.Code {
	case "access_token_invalid":
		e.Class = tokenwatch.ClassMustReconnect
	case "scope_not_authorized", "scope_permission_missed":
		e.Class = tokenwatch.ClassPermissionMissing
	case "rate_limit_exceeded", "internal_error":
		e.Class = tokenwatch.ClassTransient
	default:
		e.Rejected = e.Class == tokenwatch.ClassTransient && oauthx.RejectedStatus(status)
	}
	return e
}
