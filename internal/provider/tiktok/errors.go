package tiktok

import (
	"encoding/json"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/oauthx"
)

// triage classifies a TikTok answer. The token endpoint answers RFC 6749
// errors with a log_id (developers.tiktok.com/doc/oauth-error-handling);
// the API answers {"data":{},"error":{"code","message","log_id"}}
// (developers.tiktok.com/doc/tiktok-api-v2-error-handling, and the error
// tables of the Content Posting API references), sometimes with a 200.
func triage(status int, body []byte) *provider.Error {
	if code, desc := oauthx.OAuthError(body); code != "" {
		return tokenTriage(status, body, code, desc)
	}
	var r struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &r) != nil || r.Error.Code == "" || r.Error.Code == "ok" {
		return nil
	}
	e := &provider.Error{Code: r.Error.Code, Message: r.Error.Message, Class: oauthx.ClassForStatus(status)}
	if m, ok := apiMessages[e.Code]; ok {
		e.Message = m + " (TikTok: " + r.Error.Message + ")"
	}
	switch e.Code {
	case "access_token_invalid":
		// "The access token is invalid or not found in the request.
		// Please refresh the token and retry." An expired two-hour token
		// reads the same as a revoked one: a refresh tells them apart.
		e.Class, e.RefreshMayFix = tokenwatch.ClassMustReconnect, true
	case "scope_not_authorized", "scope_permission_missed":
		e.Class = tokenwatch.ClassPermissionMissing
	case "rate_limit_exceeded", "internal_error":
		e.Class = tokenwatch.ClassTransient
	case "spam_risk_too_many_posts", "spam_risk_too_many_pending_share":
		// The creator's daily cap: the post can go once the 24-hour
		// window rolls; the page is fine.
		e.Class = tokenwatch.ClassTransient
	case "spam_risk_user_banned_from_posting", "privacy_level_option_mismatch":
		// This creator may not post now, or not at that privacy level:
		// the post fails, the connection is fine.
		e.Class, e.Rejected = tokenwatch.ClassTransient, true
	case "reached_active_user_cap", "unaudited_client_can_only_post_to_private_accounts", "url_ownership_unverified":
		// Limits of tokenwatch's own app at TikTok (an unaudited app, a
		// media URL prefix it has not verified): the operator must act.
		e.Class = tokenwatch.ClassService
	default:
		e.Rejected = e.Class == tokenwatch.ClassTransient && oauthx.RejectedStatus(status)
	}
	return e
}

// apiMessages explain TikTok's refusals of direct posts in words an
// operator or a page owner can act on
// (developers.tiktok.com/doc/content-posting-api-reference-direct-post,
// developers.tiktok.com/doc/content-sharing-guidelines).
var apiMessages = map[string]string{
	"spam_risk_too_many_posts": "TikTok's daily cap of posts made through apps is reached for this account; the post can go tomorrow",
	"spam_risk_user_banned_from_posting": "TikTok has banned this account from making new posts; its owner must resolve it with TikTok " +
		"before anything can be posted",
	"privacy_level_option_mismatch": "TikTok no longer offers this account the privacy level chosen for the post",
	"reached_active_user_cap": "tokenwatch's TikTok app has posted for as many users today as TikTok allows it " +
		"(an app not yet audited by TikTok may post for at most 5 users in 24 hours); have the app audited for the Content Posting API",
	"unaudited_client_can_only_post_to_private_accounts": "tokenwatch's TikTok app has not passed TikTok's audit for the Content " +
		"Posting API: until it does, it may post only to private accounts, visible only to their owner (SELF_ONLY); " +
		"submit the app for audit in the TikTok developer portal",
	"url_ownership_unverified": "TikTok pulls videos only from URL prefixes or domains the app has verified: add the media " +
		"host's prefix under URL properties of tokenwatch's TikTok app in the developer portal",
}

// tokenTriage classifies an error of the token endpoint. A grant TikTok no
// longer honours (invalid_grant: the refresh token expired, was rotated
// away or revoked) means reconnecting. A refusal of tokenwatch's app
// (invalid_client: a wrong client_key or client_secret; unauthorized_client)
// or of the request tokenwatch built (invalid_request: a parameter missing
// or malformed, a redirect URI that does not match) is a service problem:
// the page is not in question.
func tokenTriage(status int, body []byte, code, desc string) *provider.Error {
	e := oauthx.TriageOAuth(status, body)
	if desc == "" {
		desc = code
	}
	switch code {
	case "invalid_client", "unauthorized_client", "unsupported_grant_type":
		e.Class = tokenwatch.ClassService
		e.Message = "TikTok refused tokenwatch's app (" + code + ", " + desc + ")"
		e.Action = "Check the client key and client secret of the TikTok app (TOKENWATCH_TIKTOK_CLIENT_ID and TOKENWATCH_TIKTOK_CLIENT_SECRET)."
	case "invalid_request":
		e.Class = tokenwatch.ClassService
		e.Message = "TikTok refused the token request as malformed: check the app's client key and its registered redirect URI " +
			"(TikTok: " + desc + ")"
	}
	return e
}
