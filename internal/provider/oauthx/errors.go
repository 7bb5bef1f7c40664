package oauthx

import (
	"encoding/json"
	"net/url"
	"strings"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// OAuthError reads an RFC 6749 error response (JSON or form-encoded):
// error and error_description. Both are empty if the body is not one.
func OAuthError(body []byte) (code, description string) {
	var e struct {
		Error            any    `json:"error"`
		ErrorDescription string `json:"error_description"`
	}
	if json.Unmarshal(body, &e) == nil {
		if s, ok := e.Error.(string); ok {
			return s, e.ErrorDescription
		}
		return "", ""
	}
	if v, err := url.ParseQuery(string(body)); err == nil {
		return v.Get("error"), v.Get("error_description")
	}
	return "", ""
}

// TriageOAuth classifies an RFC 6749 token-endpoint error: a grant the
// network no longer honours (invalid_grant, a refresh token it does not
// know) means reconnecting; a missing scope means re-consenting; the rest
// (a server error) changes nothing about the page, and a refused client
// (invalid_client) is a service problem of tokenwatch's own app.
// It returns nil when body is not an OAuth error.
func TriageOAuth(status int, body []byte) *provider.Error {
	code, desc := OAuthError(body)
	if code == "" {
		return nil
	}
	e := &provider.Error{Code: code, Message: desc, Class: tokenwatch.ClassTransient}
	switch code {
	case "invalid_grant", "invalid_token", "expired_token", "access_denied":
		e.Class = tokenwatch.ClassMustReconnect
	case "insufficient_scope", "invalid_scope", "scope_not_authorized":
		e.Class = tokenwatch.ClassPermissionMissing
	case "invalid_client", "unauthorized_client", "unsupported_grant_type":
		// tokenwatch's own app is refused (a wrong or rotated client
		// secret): an operator must fix the configuration; the pages'
		// grants are not in question and reconnecting would not help.
		e.Class = tokenwatch.ClassService
		e.Action = "Check the client id and secret of tokenwatch's app at the network (run tokenwatch doctor)."
		if desc == "" {
			e.Message = "the network refused tokenwatch's app credentials (" + code + ")"
		}
	case "server_error", "temporarily_unavailable":
		e.Class = tokenwatch.ClassTransient
	default:
		e.Class = ClassForStatus(status)
	}
	if e.Message == "" {
		e.Message = strings.ReplaceAll(code, "_", " ")
	}
	return e
}
