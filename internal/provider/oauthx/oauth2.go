package oauthx

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// OAuth2 is a network whose consent, code exchange and refresh follow RFC
// 6749 closely enough for golang.org/x/oauth2.
type OAuth2 struct {
	*Client
	Config oauth2.Config
	// PKCE sends an S256 challenge at consent and the verifier at exchange.
	PKCE bool
	// AuthParams are added to the consent URL (access_type, prompt, …).
	AuthParams map[string]string
	// RefreshExpiryField names the token response field holding the refresh
	// token's lifetime in seconds, if the network sends one.
	RefreshExpiryField string
}

// NewOAuth2 returns the OAuth 2.0 side of a network: endpoints are moved to
// the client's base URL and the client's HTTP client does the calls.
func NewOAuth2(c *Client, cfg provider.Config, authURL, tokenURL string, style oauth2.AuthStyle, scopes []string) *OAuth2 {
	return &OAuth2{Client: c, Config: oauth2.Config{
		ClientID:     cfg.ClientID,
		ClientSecret: cfg.ClientSecret.Reveal(),
		Endpoint:     oauth2.Endpoint{AuthURL: c.URL(authURL), TokenURL: c.URL(tokenURL), AuthStyle: style},
		Scopes:       scopes,
	}}
}

// AuthCodeURL returns the consent URL.
func (o *OAuth2) AuthCodeURL(state, verifier, redirectURI string) string {
	opts := []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("redirect_uri", redirectURI)}
	for k, v := range o.AuthParams {
		opts = append(opts, oauth2.SetAuthURLParam(k, v))
	}
	if o.PKCE && verifier != "" {
		opts = append(opts, oauth2.S256ChallengeOption(verifier))
	}
	return o.Config.AuthCodeURL(state, opts...)
}

// Exchange trades a code for a token.
func (o *OAuth2) Exchange(ctx context.Context, code, verifier, redirectURI string) (provider.Token, error) {
	opts := []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("redirect_uri", redirectURI)}
	if o.PKCE && verifier != "" {
		opts = append(opts, oauth2.VerifierOption(verifier))
	}
	t, err := o.Config.Exchange(o.context(ctx), code, opts...)
	if err != nil {
		return provider.Token{}, o.RetrieveError(err, code, verifier)
	}
	return o.token(t), nil
}

// Refresh runs the refresh grant. The result's RefreshToken is empty unless
// the network issued a new one (golang.org/x/oauth2 would copy the old one
// in; the caller keeps the stored one instead).
func (o *OAuth2) Refresh(ctx context.Context, refreshToken tokenwatch.Secret) (provider.Token, error) {
	if refreshToken.IsZero() {
		return provider.Token{}, &provider.Error{Provider: o.name, Class: tokenwatch.ClassMustReconnect,
			Code: "no_refresh_token", Message: "no refresh token is stored for this page"}
	}
	t, err := o.Config.TokenSource(o.context(ctx), &oauth2.Token{RefreshToken: refreshToken.Reveal()}).Token()
	if err != nil {
		return provider.Token{}, o.RetrieveError(err, refreshToken.Reveal())
	}
	return o.token(t), nil
}

func (o *OAuth2) token(t *oauth2.Token) provider.Token {
	now := time.Now()
	tok := provider.Token{
		AccessToken:     tokenwatch.NewSecret(t.AccessToken),
		AccessExpiresAt: ExpiresAt(now, t.ExpiresIn),
		Scopes:          Scopes(extraString(t, "scope")),
	}
	if tok.AccessExpiresAt.IsZero() && !t.Expiry.IsZero() {
		tok.AccessExpiresAt = t.Expiry
	}
	// Only a refresh token the response really carried: see Refresh.
	if rt := extraString(t, "refresh_token"); rt != "" {
		tok.RefreshToken = tokenwatch.NewSecret(rt)
	}
	if o.RefreshExpiryField != "" {
		tok.RefreshExpiresAt = ExpiresAt(now, extraInt(t, o.RefreshExpiryField))
	}
	return tok
}

// context carries the client's HTTP client to golang.org/x/oauth2.
func (o *OAuth2) context(ctx context.Context) context.Context {
	hc, ok := o.doer.(*http.Client)
	if !ok {
		hc = &http.Client{Transport: doerTransport{o.doer}}
	}
	return context.WithValue(ctx, oauth2.HTTPClient, hc)
}

type doerTransport struct{ d provider.HTTPDoer }

func (t doerTransport) RoundTrip(r *http.Request) (*http.Response, error) { return t.d.Do(r) }

// RetrieveError turns a golang.org/x/oauth2 error into a triaged
// *provider.Error; secrets are scrubbed from it.
func (c *Client) RetrieveError(err error, secrets ...string) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		return c.Fail(re.Response.StatusCode, re.Response.Header, re.Body, secrets...)
	}
	if errors.As(err, &re) {
		return &provider.Error{Provider: c.name, Class: tokenwatch.ClassTransient, Code: re.ErrorCode,
			Message: Scrub(re.ErrorDescription, secrets...)}
	}
	return c.NetworkError(nil, err, secrets...)
}

// ExpiresAt is now plus a lifetime in seconds; zero for none.
func ExpiresAt(now time.Time, seconds int64) time.Time {
	if seconds <= 0 {
		return time.Time{}
	}
	return now.Add(time.Duration(seconds) * time.Second)
}

// Scopes splits a scope list the network sent, space- or comma-separated.
func Scopes(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' })
}

// Missing returns the required scopes absent from granted.
func Missing(required, granted []string) []string {
	have := make(map[string]bool, len(granted))
	for _, s := range granted {
		have[s] = true
	}
	var out []string
	for _, s := range required {
		if !have[s] {
			out = append(out, s)
		}
	}
	return out
}

// MissingScopes is the error for a grant that lacks required scopes, or nil.
func (c *Client) MissingScopes(required, granted []string) error {
	m := Missing(required, granted)
	if len(m) == 0 {
		return nil
	}
	return &provider.Error{Provider: c.name, Class: tokenwatch.ClassPermissionMissing, Code: "missing_scope",
		Message: "the grant lacks the permission " + strings.Join(m, ", ") + "; reconnect and allow it"}
}

func extraString(t *oauth2.Token, key string) string {
	s, _ := t.Extra(key).(string)
	return s
}

func extraInt(t *oauth2.Token, key string) int64 {
	switch v := t.Extra(key).(type) {
	case float64:
		return int64(v)
	case string:
		n, _ := strconv.ParseInt(v, 10, 64)
		return n
	}
	return 0
}

// ProbeCredentials checks the app's client id and secret without any
// user's token: it redeems a made-up authorization code. A network that
// knows the app refuses the code (invalid_grant, or another refusal of the
// code itself); one that does not know it, or not with that secret,
// answers invalid_client.
func (o *OAuth2) ProbeCredentials(ctx context.Context, redirectURI string) provider.Finding {
	f := provider.Finding{Check: "app credentials"}
	_, err := o.Exchange(ctx, "tokenwatch-doctor-made-up-code", "tokenwatch-doctor-verifier-0123456789-0123456789", redirectURI)
	return CredentialsFinding(f, err)
}

// CredentialsFinding judges the answer to a request that only a known app
// gets past: a refusal of the code or token it carried means the app's
// credentials were accepted; a service-class refusal means they were not.
func CredentialsFinding(f provider.Finding, err error) provider.Finding {
	var pe *provider.Error
	switch {
	case err == nil:
		f.OK, f.Detail = true, "accepted"
	case !errors.As(err, &pe) || pe.Code == "network":
		f.Detail = "the network could not be reached: " + err.Error()
	case pe.Class == tokenwatch.ClassService:
		f.Detail = "refused (" + pe.Code + "): check the client id and secret of the app registered at the network"
	case pe.Status >= 500 || pe.Status == 429:
		f.Detail = "the network answered " + strconv.Itoa(pe.Status) + "; try again later"
	default:
		f.OK, f.Detail = true, "accepted (a made-up code was refused with "+pe.Code+", as it should be)"
	}
	return f
}
