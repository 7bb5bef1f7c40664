package linkedin

import (
	"encoding/json"
	"strconv"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/oauthx"
)

// LinkedIn service error codes for dead tokens.
const (
	codeInvalidToken = 65600
	codeRevoked      = 65601
	codeExpired      = 65602
)

// triage classifies a LinkedIn answer: invalid_grant on the token endpoint
// and a 401 (invalid, revoked or expired token) mean reconnecting; a 403
// (ACCESS_DENIED, not enough permissions) a missing scope or role; 429 and
// 5xx are transient.
func triage(status int, body []byte) *provider.Error {
	if e := oauthx.TriageOAuth(status, body); e != nil {
		return e
	}
	var r struct {
		ServiceErrorCode int    `json:"serviceErrorCode"`
		Code             string `json:"code"`
		Message          string `json:"message"`
	}
	if json.Unmarshal(body, &r) != nil {
		return nil
	}
	e := &provider.Error{Code: r.Code, Message: r.Message, Class: oauthx.ClassForStatus(status)}
	if r.ServiceErrorCode != 0 {
		e.Code = strconv.Itoa(r.ServiceErrorCode)
	}
	switch r.ServiceErrorCode {
	case codeInvalidToken, codeRevoked, codeExpired:
		e.Class = tokenwatch.ClassMustReconnect
	}
	if e.Code == "" {
		e.Code = strconv.Itoa(status)
	}
	e.Rejected = e.Class == tokenwatch.ClassTransient && oauthx.RejectedStatus(status)
	return e
}
