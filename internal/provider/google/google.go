// Package google is the Google OAuth 2.0 plumbing Google Business Profile
// and YouTube share: consent with offline access and PKCE, the refresh
// grant, tokeninfo, and the triage of Google API errors.
package google

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"golang.org/x/oauth2"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/oauthx"
)

// Real endpoints.
const (
	AuthURL      = "https://accounts.google.com/o/oauth2/v2/auth"
	TokenURL     = "https://oauth2.googleapis.com/token"
	TokeninfoURL = "https://oauth2.googleapis.com/tokeninfo"
)

// IdentityScopes name the user in tokeninfo.
var IdentityScopes = []string{"openid", "email"}

// AccessLifetime is Google's access-token lifetime when a response gives none.
const AccessLifetime = time.Hour

// OAuth is Google's OAuth for one product.
type OAuth struct {
	*oauthx.OAuth2
	cfg      provider.Config
	required []string
}

// New returns Google's OAuth for network name, asking for scopes (plus the
// identity scopes) and requiring required.
func New(name tokenwatch.Provider, cfg provider.Config, scopes, required []string) *OAuth {
	c := oauthx.NewClient(name, cfg, Triage)
	o := oauthx.NewOAuth2(c, cfg, AuthURL, TokenURL, oauth2.AuthStyleInParams, append(append([]string{}, IdentityScopes...), scopes...))
	o.PKCE = true
	// offline and consent: a refresh token every time, also on reconnect.
	o.AuthParams = map[string]string{"access_type": "offline", "prompt": "consent", "include_granted_scopes": "true"}
	// Sent only when the user granted time-based access
	// (https://developers.google.com/identity/protocols/oauth2/web-server#exchange-authorization-code).
	// A refresh token otherwise has no fixed lifetime; it dies on
	// revocation, after six months unused, past 100 live tokens per
	// account and client, or after seven days for an app whose consent
	// screen is in "Testing" (https://developers.google.com/identity/protocols/oauth2#expiration),
	// none of which the response announces.
	o.RefreshExpiryField = "refresh_token_expires_in"
	return &OAuth{OAuth2: o, cfg: cfg, required: required}
}

// Exchange trades the code and reads who consented from tokeninfo.
func (o *OAuth) Exchange(ctx context.Context, code, verifier, redirectURI string) (*provider.Grant, error) {
	t, err := o.OAuth2.Exchange(ctx, code, verifier, redirectURI)
	if err != nil {
		return nil, err
	}
	info, err := o.tokeninfo(ctx, t.AccessToken)
	if err != nil {
		return nil, err
	}
	if len(t.Scopes) == 0 {
		t.Scopes = oauthx.Scopes(info.Scope)
	}
	return &provider.Grant{Token: t, UserID: info.Sub, UserName: info.Email}, nil
}

// Refresh runs the refresh grant; Google issues no new refresh token, so
// the result's RefreshToken is empty and the stored one stays.
func (o *OAuth) Refresh(ctx context.Context, creds tokenwatch.Credentials) (*provider.Token, error) {
	t, err := o.OAuth2.Refresh(ctx, creds.RefreshToken)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// Inspect asks tokeninfo about the access token: that it is alive, issued to
// this app, and carries the required scopes. An expired access token reads
// as invalid: callers refresh short-lived tokens before inspecting them
// (Info.RefreshDue).
func (o *OAuth) Inspect(ctx context.Context, token tokenwatch.Secret) (*provider.Inspection, error) {
	info, err := o.tokeninfo(ctx, token)
	if err != nil {
		return nil, err
	}
	granted := oauthx.Scopes(info.Scope)
	if err := o.MissingScopes(o.required, granted); err != nil {
		return nil, err
	}
	in := &provider.Inspection{UserID: info.Sub, Scopes: granted}
	if exp, err := strconv.ParseInt(info.Exp, 10, 64); err == nil && exp > 0 {
		in.AccessExpiresAt = time.Unix(exp, 0)
	}
	return in, nil
}

type tokeninfo struct {
	Aud   string `json:"aud"`
	Sub   string `json:"sub"`
	Email string `json:"email"`
	Scope string `json:"scope"`
	Exp   string `json:"exp"`
}

// tokeninfo posts the token in a form body rather than the documented
// query string, which Google accepts and which keeps it out of logs.
func (o *OAuth) tokeninfo(ctx context.Context, token tokenwatch.Secret) (*tokeninfo, error) {
	var info tokeninfo
	if err := o.PostForm(ctx, TokeninfoURL, url.Values{"access_token": {token.Reveal()}}, tokenwatch.Secret{}, &info); err != nil {
		return nil, err
	}
	if info.Aud != "" && o.cfg.ClientID != "" && info.Aud != o.cfg.ClientID {
		return nil, &provider.Error{Provider: o.Name(), Class: tokenwatch.ClassMustReconnect, Code: "wrong_audience",
			Message: "the token was issued to another app"}
	}
	return &info, nil
}

// apiError is the "error" object of a Google API response
// (https://cloud.google.com/apis/design/errors): code, message and status,
// with the reasons in errors[] (YouTube's shape,
// https://developers.google.com/youtube/v3/docs/core_errors) or in the
// ErrorInfo of details[] (the Business Profile APIs).
type apiError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Status  string `json:"status"`
	Errors  []struct {
		Reason string `json:"reason"`
		Domain string `json:"domain"`
	} `json:"errors"`
	Details []struct {
		Type     string            `json:"@type"`
		Reason   string            `json:"reason"`
		Metadata map[string]string `json:"metadata"`
	} `json:"details"`
}

// Reasons, by what they mean for tokenwatch.
var (
	// serviceReasons refuse tokenwatch's own app or project: its quota
	// (YouTube's default is 10,000 units a day,
	// https://developers.google.com/youtube/v3/getting-started#quota), an
	// API not enabled for the project, billing. Never a page problem.
	serviceReasons = map[string]bool{
		"quotaExceeded": true, "dailyLimitExceeded": true, "dailyLimitExceededUnreg": true, "accessNotConfigured": true,
		"SERVICE_DISABLED": true, "BILLING_DISABLED": true, "CONSUMER_INVALID": true, "USER_PROJECT_DENIED": true,
		"API_KEY_SERVICE_BLOCKED": true, "projectNotLinked": true, "RESOURCE_QUOTA_EXCEEDED": true,
	}
	// transientReasons are rate limits and server trouble.
	transientReasons = map[string]bool{
		"rateLimitExceeded": true, "userRateLimitExceeded": true, "RATE_LIMIT_EXCEEDED": true, "backendError": true,
		"servingLimitExceeded": true, "internalError": true, "uploadLimitExceeded": true,
	}
	// blockedReasons: the user must fix their Google or YouTube account
	// first (https://developers.google.com/youtube/v3/docs/errors).
	blockedReasons = map[string]bool{
		"accountDisabled": true, "authenticatedUserAccountClosed": true, "authenticatedUserAccountSuspended": true,
		"youtubeSignupRequired": true,
	}
	// permissionReasons: the grant lacks a scope, or the user a role.
	permissionReasons = map[string]bool{
		"insufficientPermissions": true, "forbidden": true, "ACCESS_TOKEN_SCOPE_INSUFFICIENT": true, "IAM_PERMISSION_DENIED": true,
	}
)

// Triage classifies a Google answer.
//
// From the token and tokeninfo endpoints (RFC 6749 errors): invalid_grant
// means the grant is dead (revoked, unused for six months, a "Testing"
// app's seven days, past the 100 live refresh tokens); invalid_client and
// unauthorized_client are tokenwatch's app; tokeninfo's invalid_token means
// the access token is expired or invalid, which a refresh may cure.
//
// From the APIs, by reason first: the app's quota or project (service),
// rate limits and backend errors (transient), a closed or suspended
// account (blocked), missing scopes or roles (permission). A 401 means the
// access token is refused: Google access tokens last an hour and tokenwatch
// refreshes them, so a refresh may cure it (a dead grant then fails the
// refresh with invalid_grant). Other 4xx refuse the request itself.
func Triage(status int, body []byte) *provider.Error {
	if e := oauthx.TriageOAuth(status, body); e != nil {
		if e.Code == "invalid_token" {
			e.RefreshMayFix = true
		}
		return e
	}
	var r struct {
		Error apiError `json:"error"`
	}
	if json.Unmarshal(body, &r) != nil || (r.Error.Status == "" && r.Error.Message == "" && len(r.Error.Errors) == 0) {
		return nil
	}
	e := &provider.Error{Code: r.Error.Status, Message: r.Error.Message, Class: oauthx.ClassForStatus(status)}
	var reasons []string
	for _, x := range r.Error.Errors {
		reasons = append(reasons, x.Reason)
	}
	noQuota := false
	for _, x := range r.Error.Details {
		reasons = append(reasons, x.Reason)
		// A quota whose limit is 0: the project was never granted
		// access to the API (the Business Profile APIs start at 0
		// until Google approves the project's access request,
		// https://developers.google.com/my-business/content/prereqs).
		noQuota = noQuota || x.Metadata["quota_limit_value"] == "0"
	}
	found := func(set map[string]bool) bool {
		for _, reason := range reasons {
			if set[reason] {
				e.Code = reason
				return true
			}
		}
		return false
	}
	switch {
	case noQuota:
		e.Class, e.Code = tokenwatch.ClassService, "quota_limit_0"
		e.Message = "the Google Cloud project of tokenwatch's app has no quota for this API (access not approved yet): " + e.Message
	case found(serviceReasons):
		e.Class = tokenwatch.ClassService
	case found(blockedReasons):
		e.Class = tokenwatch.ClassAccountBlocked
	case found(transientReasons):
		e.Class = tokenwatch.ClassTransient
	case status == http.StatusUnauthorized:
		found(map[string]bool{"authError": true, "expired": true, "ACCESS_TOKEN_EXPIRED": true})
		e.Class, e.RefreshMayFix = tokenwatch.ClassMustReconnect, true
	case found(permissionReasons):
		e.Class = tokenwatch.ClassPermissionMissing
	case e.Class == tokenwatch.ClassTransient:
		e.Rejected = oauthx.RejectedStatus(status)
	}
	if e.Code == "" {
		e.Code = strconv.Itoa(status)
	}
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	return e
}

// Info describes a Google product: PKCE, and hour-long access tokens
// refreshed on use (RefreshLead 0) with a refresh token of no fixed lifetime.
func (o *OAuth) Info(name tokenwatch.Provider, role string, troubleshooting []string) provider.Info {
	return provider.Info{
		Name:            name,
		Scopes:          o.Config.Scopes,
		RequiredScopes:  o.required,
		PKCE:            true,
		AutoRefresh:     true,
		RefreshLead:     0,
		RequiredRole:    role,
		Troubleshooting: troubleshooting,
	}
}
