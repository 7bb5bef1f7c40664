package x

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/oauthx"
)

// triage classifies an X answer. At the token endpoint invalid_grant and
// invalid_request (X's answer to a spent or revoked refresh token) mean
// reconnecting. From the API a 401 means reconnecting and a 403 a missing
// permission, except a suspended or locked account (the user must act) and
// a duplicate post (refused for good).
func triage(status int, body []byte) *provider.Error {
	if e := oauthx.TriageOAuth(status, body); e != nil {
		if e.Code == "invalid_request" {
			e.Class = tokenwatch.ClassMustReconnect
		}
		return e
	}
	var r struct {
		Title  string `json:"title"`
		Detail string `json:"detail"`
		Type   string `json:"type"`
	}
	if json.Unmarshal(body, &r) != nil || (r.Title == "" && r.Detail == "") {
		return nil
	}
	e := &provider.Error{Code: strconv.Itoa(status), Message: r.Detail, Class: oauthx.ClassForStatus(status)}
	if r.Title != "" {
		e.Code = r.Title
	}
	detail := strings.ToLower(r.Detail)
	switch {
	case strings.Contains(detail, "duplicate content"):
		e.Class, e.Rejected = tokenwatch.ClassTransient, true
	case strings.Contains(detail, "suspended") || strings.Contains(detail, "locked"):
		e.Class = tokenwatch.ClassAccountBlocked
	case e.Class == tokenwatch.ClassTransient:
		e.Rejected = oauthx.RejectedStatus(status)
	}
	return e
}
