// Package google is the Google OAuth 2.0 plumbing Google Business Profile
// and YouTube share: consent with offline access and PKCE, the refresh
// grant, tokeninfo, and the triage of Google API errors.
package google

import (
	"context"
	"encoding/json"
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
	// Sent for apps whose consent screen is in "Testing" (7 days).
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

// apiError is the "error" object of a Google API response.
type apiError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Status  string `json:"status"`
	Errors  []struct {
		Reason string `json:"reason"`
	} `json:"errors"`
	Details []struct {
		Reason string `json:"reason"`
	} `json:"details"`
}

// quotaReasons are 403 answers that are rate limits, not permissions.
var quotaReasons = map[string]bool{
	"rateLimitExceeded": true, "userRateLimitExceeded": true, "quotaExceeded": true,
	"dailyLimitExceeded": true, "RATE_LIMIT_EXCEEDED": true, "RESOURCE_EXHAUSTED": true,
}

// Triage classifies a Google answer: OAuth errors from the token and
// tokeninfo endpoints (invalid_grant, invalid_token: reconnect), API errors
// by status (UNAUTHENTICATED: reconnect; PERMISSION_DENIED: permission
// missing, unless the reason is a quota, which Google also answers with 403).
func Triage(status int, body []byte) *provider.Error {
	if e := oauthx.TriageOAuth(status, body); e != nil {
		return e
	}
	var r struct {
		Error apiError `json:"error"`
	}
	if json.Unmarshal(body, &r) != nil || (r.Error.Status == "" && r.Error.Message == "") {
		return nil
	}
	e := &provider.Error{Code: r.Error.Status, Message: r.Error.Message, Class: oauthx.ClassForStatus(status)}
	reasons := make([]string, 0, len(r.Error.Errors)+len(r.Error.Details))
	for _, x := range r.Error.Errors {
		reasons = append(reasons, x.Reason)
	}
	for _, x := range r.Error.Details {
		reasons = append(reasons, x.Reason)
	}
	for _, reason := range reasons {
		if quotaReasons[reason] {
			e.Class, e.Code = tokenwatch.ClassTransient, reason
		}
	}
	if e.Class == tokenwatch.ClassTransient && oauthx.RejectedStatus(status) {
		e.Rejected = true
	}
	if e.Code == "" {
		e.Code = strconv.Itoa(status)
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
