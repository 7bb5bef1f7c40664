package x

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/oauthx"
)

// problem is X's error body, an RFC 7807 problem
// (https://docs.x.com/x-api/fundamentals/response-codes-and-errors): type
// names the problem; client-forbidden adds a reason, usage-capped a period
// and a scope; a 402 for depleted credits is titled CreditsDepleted.
type problem struct {
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Type   string `json:"type"`
	Reason string `json:"reason"`
	Period string `json:"period"`
	Scope  string `json:"scope"`
}

// kind is the last part of a problem type URI
// (https://api.x.com/2/problems/client-forbidden → client-forbidden; X
// still answers some with the api.twitter.com host).
func (p problem) kind() string {
	if p.Type == "" || p.Type == "about:blank" {
		return ""
	}
	return p.Type[strings.LastIndex(p.Type, "/")+1:]
}

// triage classifies an X answer.
//
// At the token endpoint: invalid_grant and invalid_request (X's answer to
// a spent, revoked or unknown refresh token) mean reconnecting;
// unauthorized_client ("Missing valid authorization header", X's answer to
// a wrong client secret) and invalid_client are tokenwatch's own app.
//
// From the API (problem types of the X API v2 OpenAPI document):
//   - 401: the access token is refused. X access tokens live two hours and
//     tokenwatch refreshes them, so a refresh may cure it; if the refresh
//     fails too, the grant is dead.
//   - 402 (CreditsDepleted: the developer account is out of credits),
//     client-forbidden (client-not-enrolled: the app is not attached to a
//     project with the access the endpoint needs), usage-capped (the app's
//     daily or monthly cap) and unsupported-authentication (the endpoint
//     does not take this kind of token): tokenwatch's own app, never the
//     page.
//   - 403 about:blank: a missing permission, except a suspended or locked
//     account (the user must act first) and a duplicate post (refused).
//   - invalid-request, resource-not-found, not-authorized-for-resource and
//     the other problems about one request: that request is refused.
//   - 429 (rate-limit-exceeded) and 5xx: transient.
func triage(status int, body []byte) *provider.Error {
	if e := oauthx.TriageOAuth(status, body); e != nil {
		if e.Code == "invalid_request" {
			e.Class = tokenwatch.ClassMustReconnect
		}
		return e
	}
	var p problem
	if json.Unmarshal(body, &p) != nil || (p.Title == "" && p.Detail == "" && p.Type == "") {
		if status == http.StatusPaymentRequired {
			return creditsDepleted("")
		}
		return nil
	}
	e := &provider.Error{Code: strconv.Itoa(status), Message: p.Detail, Class: oauthx.ClassForStatus(status)}
	switch {
	case p.Reason != "":
		e.Code = p.Reason
	case p.kind() != "":
		e.Code = p.kind()
	case p.Title != "":
		e.Code = p.Title
	}
	if e.Message == "" {
		e.Message = p.Title
	}
	detail := strings.ToLower(p.Detail)
	switch kind := p.kind(); {
	case status == http.StatusPaymentRequired || kind == "credits":
		d := creditsDepleted(p.Detail)
		if p.Title != "" {
			d.Code = p.Title
		}
		return d
	case kind == "client-forbidden":
		e.Class = tokenwatch.ClassService
		e.Message = "X refuses tokenwatch's app (" + e.Code + "): the app must be attached to a project with access to this endpoint in the X Developer Console. " + p.Detail
	case kind == "usage-capped":
		e.Class = tokenwatch.ClassService
		e.Message = "tokenwatch's app reached its X usage cap"
		if p.Period != "" || p.Scope != "" {
			e.Message += " (" + strings.TrimSpace(p.Period+" "+strings.ToLower(p.Scope)) + ")"
		}
		e.Message += ". " + p.Detail
	case kind == "unsupported-authentication":
		e.Class = tokenwatch.ClassService
	case status == http.StatusUnauthorized:
		e.Class, e.RefreshMayFix = tokenwatch.ClassMustReconnect, true
	case strings.Contains(detail, "duplicate content"):
		e.Class, e.Rejected = tokenwatch.ClassTransient, true
	case strings.Contains(detail, "suspended") || strings.Contains(detail, "locked"):
		e.Class = tokenwatch.ClassAccountBlocked
	case kind == "rate-limit-exceeded" || kind == "streaming-connection" || kind == "operational-disconnect" ||
		kind == "client-disconnected" || kind == "internal-error":
		e.Class = tokenwatch.ClassTransient
	case kind != "" && status != http.StatusForbidden:
		// A problem about this very request (invalid-request,
		// resource-not-found, not-authorized-for-resource, ...).
		e.Class, e.Rejected = tokenwatch.ClassTransient, oauthx.RejectedStatus(status)
	case kind == "not-authorized-for-resource" || kind == "not-authorized-for-field" || kind == "disallowed-resource":
		// 403 about one resource the request named, not about the grant.
		e.Class, e.Rejected = tokenwatch.ClassTransient, true
	case e.Class == tokenwatch.ClassTransient:
		e.Rejected = oauthx.RejectedStatus(status)
	}
	e.Message = strings.TrimSpace(e.Message)
	return e
}

// creditsDepleted is X's 402: the developer account behind tokenwatch's app
// has no credits left (https://docs.x.com/x-api/getting-started/pricing:
// "API requests will fail until you purchase more credits").
func creditsDepleted(detail string) *provider.Error {
	msg := "tokenwatch's X developer account is out of credits: buy credits (or raise the spending limit) in the X Developer Console"
	if detail != "" {
		msg += ". X says: " + detail
	}
	return &provider.Error{Class: tokenwatch.ClassService, Code: "CreditsDepleted", Message: msg}
}
