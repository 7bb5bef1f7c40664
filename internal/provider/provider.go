// Package provider defines what tokenwatch needs from a social network: the
// OAuth consent and code exchange, the pages a user may connect and the role
// they hold on each, refreshing, inspecting and publishing, and the triage of
// the network's errors. Each network lives in its own sub-package with the
// same shape (endpoints, token lifetimes, refresh, inspect, role check,
// error triage); Registry holds the configured ones.
package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/tokenwatch/tokenwatch"
)

// Provider is one social network integration. Every method talks to the
// network at the configured base URL; none logs or returns a token in an
// error.
type Provider interface {
	// Info describes the integration: name, scopes, refresh abilities.
	Info() Info

	// AuthCodeURL returns the URL of the network's consent screen. state is
	// the single-use state; verifier is the PKCE verifier, ignored by
	// networks without PKCE; redirectURI is this provider's callback.
	AuthCodeURL(state, verifier, redirectURI string) string

	// Exchange trades the authorization code for a grant: the tokens and the
	// identity of the provider account that consented. For Meta it also
	// trades the short-lived token for a long-lived one.
	Exchange(ctx context.Context, code, verifier, redirectURI string) (*Grant, error)

	// Pages lists what the grant's user may connect (pages, organizations,
	// business locations, channels, or the account itself), each with the
	// user's role and the credentials to store for it.
	Pages(ctx context.Context, grant *Grant) ([]Candidate, error)

	// Refresh prolongs a page's token. The returned token's RefreshToken is
	// empty when the network did not issue a new one: the stored one stays.
	Refresh(ctx context.Context, page *tokenwatch.Page, creds tokenwatch.Credentials) (*Token, error)

	// Inspect checks that a page's token is still valid and what it grants.
	// A dead grant, a missing scope or role, or a blocked account comes back
	// as an *Error of the matching class.
	Inspect(ctx context.Context, page *tokenwatch.Page, creds tokenwatch.Credentials) (*Inspection, error)

	// Publish posts on the page and returns what the network says of the
	// post: its id, and the public link to it where the network gives one.
	Publish(ctx context.Context, page *tokenwatch.Page, creds tokenwatch.Credentials, post Post) (Published, error)
}

// Info describes a provider integration.
type Info struct {
	Name tokenwatch.Provider
	// Scopes are requested at consent; RequiredScopes must all be granted.
	Scopes         []string
	RequiredScopes []string
	// PKCE says the network supports PKCE S256.
	PKCE bool
	// AutoRefresh says tokenwatch can prolong tokens by itself.
	AutoRefresh bool
	// RefreshBeforeExpiry says only a still-valid token can be prolonged.
	RefreshBeforeExpiry bool
	// RefreshLead is how long before expiry to refresh; zero: on use.
	RefreshLead time.Duration
	// RequiredRole names, in the network's own words, the role a user needs
	// on a page to connect it ("Super Admin", "full control of the Page").
	RequiredRole string
	// Troubleshooting explains, in plain words, what to do when a reconnect
	// fails (shown on the error page), one paragraph per item.
	Troubleshooting []string
	// CancelErrors are the network's own error codes, beside RFC 6749's
	// access_denied, that its consent screen sends back when the person
	// cancels.
	CancelErrors []string
	// AppErrors are the network's error codes at the consent screen that
	// refuse tokenwatch's app itself (LinkedIn's unauthorized_scope_error:
	// the app lacks the product for a scope): service problems, not the
	// person's doing.
	AppErrors []string
}

// Config configures one provider: the app's credentials at the network and
// where the network is (its real address by default; the sandbox or a test
// server in tests and the demo).
type Config struct {
	ClientID     string
	ClientSecret tokenwatch.Secret
	// BaseURL, when set, replaces every host of the network: each endpoint
	// becomes BaseURL + its path.
	BaseURL string
	// RefreshEnabled is for networks where refreshing depends on the app
	// (LinkedIn: partner apps only).
	RefreshEnabled bool
	// HTTPClient is used for every call; nil means a client with a timeout.
	HTTPClient HTTPDoer
	// Versions overrides API versions by API id (see APIs); an API not
	// named is called at its default version.
	Versions map[string]string
}

// HTTPDoer is the part of *http.Client providers use.
type HTTPDoer interface {
	Do(*http.Request) (*http.Response, error)
}

// Token is what a network returned for a grant or a refresh.
type Token struct {
	AccessToken  tokenwatch.Secret
	RefreshToken tokenwatch.Secret // empty: none issued, keep the stored one
	// Expiries; zero when the network gave none.
	AccessExpiresAt     time.Time
	RefreshExpiresAt    time.Time
	DataAccessExpiresAt time.Time
	Scopes              []string
}

// Grant is the result of a consent: the user's token and who they are at
// the network.
type Grant struct {
	Token
	UserID   string
	UserName string
}

// Candidate is a page the granting user may be able to connect.
type Candidate struct {
	ID   string
	Name string
	// Role is the user's role on it, in the network's terms.
	Role string
	// Eligible says the role is enough to connect; if not, Refusal says
	// which role is needed, in words to show.
	Eligible bool
	Refusal  string
	// Token holds the credentials to store for the page (a page token for
	// Meta, the user's token elsewhere).
	Token Token
}

// Inspection is what a validity check found out.
type Inspection struct {
	UserID              string
	AccessExpiresAt     time.Time
	DataAccessExpiresAt time.Time
	Scopes              []string
}

// Post is what Publish sends.
type Post struct {
	Text string
	Link string
	// MediaURL is a public URL of the image or video to post, for networks
	// that cannot post text alone (Instagram, Pinterest, TikTok, YouTube).
	MediaURL string
}

// TextWithLink is the post's text followed by its link, for networks
// without link posts.
func (p Post) TextWithLink() string {
	switch {
	case p.Link == "":
		return p.Text
	case p.Text == "":
		return p.Link
	}
	return p.Text + "\n\n" + p.Link
}

// Self is the one candidate of networks where the granting account is what
// gets connected (X, TikTok, Pinterest, Threads, Instagram Login): always
// eligible, with the grant's token.
func Self(g *Grant) []Candidate {
	return []Candidate{{ID: g.UserID, Name: g.UserName, Role: "account owner", Eligible: true, Token: g.Token}}
}

// Error is a provider failure, triaged. Message is the network's
// explanation with any credential removed.
type Error struct {
	Provider tokenwatch.Provider
	Class    tokenwatch.ErrorClass
	// Code is the network's own error code, e.g. "190/463" or "invalid_grant".
	Code    string
	Message string
	// Status is the HTTP status, zero if the request did not complete.
	Status int
	// RetryAfter is the network's requested delay, if it gave one.
	RetryAfter time.Duration
	// Rejected says the network refused this very request for a reason
	// neither retrying nor reconnecting fixes (a duplicate post, a post the
	// network does not accept): the post fails, the page's state does not
	// change. Such errors are of ClassTransient.
	Rejected bool
	// RefreshMayFix says the network refused the access token in a way
	// that a refresh may cure (TikTok's access_token_invalid, an expired
	// short-lived token): where tokenwatch can refresh the page, it
	// refreshes and tries once more before deciding anything about the
	// page; elsewhere the error stands as its Class says.
	RefreshMayFix bool
	// Action says, for a ClassService error, what the operator must do
	// ("set TOKENWATCH_LINKEDIN_API_VERSION to a supported version"); empty
	// when the network's message says enough.
	Action string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s: %s (%s, code %s, status %d)", e.Provider, e.Message, e.Class, e.Code, e.Status)
}

// IsRejected reports whether err is a provider error that says the request
// itself was refused (see Error.Rejected).
func IsRejected(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Rejected
}

// RefreshDue reports whether a token expiring at accessExpiresAt should be
// refreshed at now under this provider's policy: only when the provider
// refreshes by itself, the token expires at all, and now is within
// RefreshLead of that (on or after the expiry itself when RefreshLead is
// zero: a short-lived token is refreshed lazily, on use).
func (i Info) RefreshDue(accessExpiresAt, now time.Time) bool {
	if !i.AutoRefresh || accessExpiresAt.IsZero() {
		return false
	}
	return !now.Before(accessExpiresAt.Add(-i.RefreshLead))
}

// RefreshMayFix reports whether err is a provider error that a refresh of
// the access token may cure (see Error.RefreshMayFix).
func RefreshMayFix(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.RefreshMayFix
}

// ClassOf returns the class of a provider error; errors that are not an
// *Error (network failures, timeouts) are transient.
func ClassOf(err error) tokenwatch.ErrorClass {
	var e *Error
	if errors.As(err, &e) {
		return e.Class
	}
	return tokenwatch.ClassTransient
}

// Registry holds the configured providers by name.
type Registry map[tokenwatch.Provider]Provider

// Get returns the provider named p; an unknown name is not found. A network whose app is not configured
// on this tokenwatch is a service problem (ClassService, code
// "not_configured"), wrapped in an unavailable error whose message is safe
// to show: its pages can be neither refreshed nor checked, which the
// operator must hear about rather than have them silently expire.
func (r Registry) Get(p tokenwatch.Provider) (Provider, error) {
	if pr, ok := r[p]; ok {
		return pr, nil
	}
	if !p.Valid() {
		return nil, tokenwatch.Errorf(tokenwatch.CodeNotFound, "there is no network named %q", p)
	}
	pe := &Error{Provider: p, Class: tokenwatch.ClassService, Code: "not_configured",
		Message: p.DisplayName() + " is not configured on this tokenwatch",
		Action:  "Set the " + p.DisplayName() + " app's client id and secret (" + EnvPrefix(p) + "_CLIENT_ID and " + EnvPrefix(p) + "_CLIENT_SECRET) and restart tokenwatch."}
	return nil, tokenwatch.WrapError(tokenwatch.CodeUnavailable, pe, "%s is not configured on this tokenwatch", p.DisplayName())
}

// EnvPrefix is the prefix of a network's settings, e.g.
// TOKENWATCH_GOOGLE_BUSINESS for Google Business Profile.
func EnvPrefix(p tokenwatch.Provider) string {
	return "TOKENWATCH_" + strings.ToUpper(string(p))
}

// Published is a post the network accepted.
type Published struct {
	// ID is the network's id for the post.
	ID string
	// URL is the public link to the post on the network, as the network
	// documents it (an answer's permalink, or a link built from the id);
	// empty when the network gives none (TikTok's publish id names no
	// post yet) or the reading of it failed: the post is published all
	// the same. It is an http(s) URL (see Link).
	URL string
	// Note, when set, says in words to show the post's author how the
	// network published the post otherwise than asked (YouTube locks the
	// uploads of apps it has not audited as private). The post is
	// published: nothing is to be retried and the page is fine; the note
	// may name something the operator must do about tokenwatch's app.
	Note string
}

// Link returns raw when it may be kept and shown as the link to a
// published post (see tokenwatch.PostURLOK), else "": a link read from a
// network's answer is untrusted, and a post is no less published for a
// link that cannot be shown.
func Link(raw string) string {
	if tokenwatch.PostURLOK(raw) {
		return raw
	}
	return ""
}

// Diagnoser is implemented by providers that can check their app's
// configuration at the network without any user's token, for
// `tokenwatch doctor`: the app's credentials (a token request with a
// made-up code must be refused as invalid_grant, not invalid_client), the
// API version, what the network says of the redirect URI.
type Diagnoser interface {
	Diagnose(ctx context.Context, redirectURI string) []Finding
}

// Finding is one check of Diagnose.
type Finding struct {
	// Check names what was checked ("app credentials", "API version 202603").
	Check string
	OK    bool
	// Detail says what was seen and, when not OK, what the operator must do.
	Detail string
}
