// Package sandbox is a social network that stands in for every provider in
// the demo and in tests. It speaks each provider's endpoints under a prefix
// named after the provider (/facebook/…, /linkedin/…), so that a provider
// configured with BaseURL = sandbox URL + "/facebook" runs unchanged
// against it. It holds accounts, pages with per-user roles, apps, and grants
// with expiring, revocable tokens; it serves consent pages, token exchange,
// refresh, introspection, page listings and publishing; and it can be
// steered, from Go or over HTTP under /_sandbox/, to revoke, expire, rotate,
// fail with 5xx or 429, and count calls.
package sandbox

import (
	"crypto/rand"
	"encoding/base64"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/tokenwatch/tokenwatch"
)

// Options are how a network behaves. Every network starts with the
// defaults of its real counterpart; Configure changes them.
type Options struct {
	// AccessTTL is the lifetime of access tokens issued at code exchange
	// and refresh (Meta: the short-lived token).
	AccessTTL time.Duration
	// LongLivedTTL is the lifetime of Meta long-lived tokens (0: none).
	LongLivedTTL time.Duration
	// MinRefreshAge is how old a long-lived token must be to be prolonged
	// (Instagram, Threads).
	MinRefreshAge time.Duration
	// DataAccessTTL is Meta's data-access window (0: none).
	DataAccessTTL time.Duration
	// RefreshTokens says refresh tokens are issued; RefreshTTL is their
	// lifetime (0: no fixed lifetime).
	RefreshTokens bool
	RefreshTTL    time.Duration
	// RefreshFixed keeps a grant's refresh-token expiry from the first
	// consent (LinkedIn).
	RefreshFixed bool
	// RotateRefresh issues a new refresh token on every refresh; the used
	// one stops working.
	RotateRefresh bool
	// ReplayKillsGrant revokes the whole grant when a used refresh token
	// is presented again.
	ReplayKillsGrant bool
	// RequirePKCE refuses a consent without an S256 code challenge.
	RequirePKCE bool
	// DailyQuota is how many quota units each app may spend a day, the
	// day ending at midnight Pacific Time as YouTube's does (0: no quota).
	DailyQuota int

	// Meta media containers (Instagram, Threads): a new container answers
	// IN_PROGRESS to its first ContainerReads status reads and for
	// ContainerDelay of sandbox time, then FINISHED, or ERROR with
	// ContainerError as its reason when that is set (Threads: an
	// error_message such as FAILED_DOWNLOADING_VIDEO; Instagram: an error
	// subcode). All zero: finished at once.
	ContainerReads int
	ContainerDelay time.Duration
	ContainerError string
	// OldestGraphVersion is the oldest Graph API version Meta still
	// serves: a call at an older one is served at this one, as the
	// facebook-api-version header says ("": every version is served).
	OldestGraphVersion string
}

var defaultOptions = map[tokenwatch.Provider]Options{
	tokenwatch.Facebook:          {AccessTTL: time.Hour, LongLivedTTL: 60 * day, DataAccessTTL: 90 * day},
	tokenwatch.InstagramFacebook: {AccessTTL: time.Hour, LongLivedTTL: 60 * day, DataAccessTTL: 90 * day},
	tokenwatch.Instagram:         {AccessTTL: time.Hour, LongLivedTTL: 60 * day, MinRefreshAge: day},
	tokenwatch.Threads:           {AccessTTL: time.Hour, LongLivedTTL: 60 * day, MinRefreshAge: day},
	tokenwatch.LinkedIn:          {AccessTTL: 60 * day, RefreshTokens: true, RefreshTTL: 365 * day, RefreshFixed: true},
	tokenwatch.GoogleBusiness:    {AccessTTL: time.Hour, RefreshTokens: true},
	tokenwatch.YouTube:           {AccessTTL: time.Hour, RefreshTokens: true, DailyQuota: 10000},
	tokenwatch.X:                 {AccessTTL: 2 * time.Hour, RefreshTokens: true, RotateRefresh: true, ReplayKillsGrant: true, RequirePKCE: true},
	// developers.tiktok.com/docs/en/oauth-user-access-token-management
	// (updated November 2026): 2-hour access tokens, 180-day refresh
	// tokens, rotated on every refresh.
	tokenwatch.TikTok: {AccessTTL: 2 * time.Hour, RefreshTokens: true, RefreshTTL: 180 * day, RotateRefresh: true},
	// developers.pinterest.com/docs/api/v5/oauth-token: continuous refresh
	// (a new 60-day refresh token on every refresh) is the only kind
	// Pinterest still issues; access tokens last 30 days.
	tokenwatch.Pinterest: {AccessTTL: 30 * day, RefreshTokens: true, RefreshTTL: 60 * day, RotateRefresh: true},
}

const day = 24 * time.Hour

// App is an OAuth client registered at a network.
type App struct {
	ClientID     string   `json:"client_id"`
	ClientSecret string   `json:"client_secret"`
	RedirectURIs []string `json:"redirect_uris"` // exact matches only
	// Standing, when set, is why the network refuses the API calls made
	// with the app's tokens, in the network's own words (a refusal of the
	// app, not of the user); empty: the app is in good standing.
	Standing Standing `json:"standing,omitempty"`
	// Audited says the app passed the network's review of its use of the
	// API (YouTube: without it, uploads are locked private).
	Audited bool `json:"audited,omitempty"`
	// Testers are the accounts with a role on the app (Meta's app
	// testers: Threads' debug_token takes only their tokens).
	Testers []string `json:"testers,omitempty"`
}

// Standing is a refusal of an app by its network.
type Standing string

// Standings the networks answer.
const (
	// StandingNoCredits: the developer account is out of credits (X: 402
	// CreditsDepleted).
	StandingNoCredits Standing = "no_credits"
	// StandingNotEnrolled: the app is not attached to a project with
	// access to the API (X: 403 client-not-enrolled).
	StandingNotEnrolled Standing = "not_enrolled"
	// StandingUsageCapped: the app reached its usage cap (X: 429
	// usage-capped).
	StandingUsageCapped Standing = "usage_capped"
	// StandingAPIDisabled: the API is not enabled for the app's project
	// (Google: 403 accessNotConfigured / SERVICE_DISABLED).
	StandingAPIDisabled Standing = "api_disabled"
)

// Account is a person's account at a network.
type Account struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Page is something an account can be given a role on: a Facebook Page, an
// Instagram account linked to one (LinkedPageID), a LinkedIn organization,
// a Google Business location, a YouTube channel. Networks where the account
// itself is connected (X, TikTok, Pinterest, Threads, Instagram Login) need
// no pages.
type Page struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// LinkedPageID and LinkedPageName are the Facebook Page an Instagram
	// account is linked to (instagram_facebook only).
	LinkedPageID   string `json:"linked_page_id,omitempty"`
	LinkedPageName string `json:"linked_page_name,omitempty"`
	// Group is the account holding the page besides its own admins (a
	// Google Business Profile location group): a role on the group, set
	// with SetRole under the group's id, reaches the page.
	Group string `json:"group,omitempty"`
	// Business says the roles on the page come through a Business
	// Portfolio (Business Manager). At instagram_facebook, reading the
	// Instagram account then also needs ads_management or ads_read.
	Business bool `json:"business,omitempty"`
}

// Post is something published through the sandbox.
type Post struct {
	Provider tokenwatch.Provider `json:"provider"`
	ID       string              `json:"id"`
	PageID   string              `json:"page_id"`
	UserID   string              `json:"user_id"`
	Text     string              `json:"text"`
	Link     string              `json:"link,omitempty"`
	MediaURL string              `json:"media_url,omitempty"`
	At       time.Time           `json:"at"`
}

// Op names a kind of call, for counting.
type Op string

// Operations counted by Calls.
const (
	OpConsent  Op = "consent"  // consent page shown or answered
	OpToken    Op = "token"    // authorization code exchanged
	OpRefresh  Op = "refresh"  // refresh grant, or a Meta long-lived exchange or refresh
	OpInspect  Op = "inspect"  // debug_token, introspectToken, tokeninfo
	OpIdentity Op = "identity" // /me, userinfo, users/me, user/info, user_account
	OpPages    Op = "pages"    // page, organization, location, channel listings and role reads
	OpPublish  Op = "publish"  // a post created
)

// Fault makes the sandbox answer requests with an error instead.
type Fault struct {
	// Provider limits the fault to one network; empty: every network.
	Provider tokenwatch.Provider `json:"provider,omitempty"`
	// Status is the HTTP status to answer (503, 429, …).
	Status int `json:"status"`
	// Count is how many requests to fail; 0: every request until cleared.
	Count int `json:"count,omitempty"`
	// RetryAfter, when set, is sent as Retry-After (whole seconds).
	RetryAfter time.Duration `json:"retry_after,omitempty"`
	// Path, when set, limits the fault to requests whose path contains it.
	Path string `json:"path,omitempty"`
	// Body, when set, is sent as the response body instead of the
	// network's usual error for Status.
	Body string `json:"body,omitempty"`
	// Headers are sent with the fault's answer (a network's rate-limit
	// headers, such as Meta's X-Business-Use-Case-Usage).
	Headers map[string]string `json:"headers,omitempty"`
	// Delay makes the network slow: the request is answered after it
	// (with the fault's Status, or normally when Status is zero).
	Delay time.Duration `json:"delay,omitempty"`
}

// Sandbox is the sandbox social network. It is safe for concurrent use.
type Sandbox struct {
	mu     sync.Mutex
	now    func() time.Time
	nets   map[tokenwatch.Provider]*network
	faults []*Fault
	posts  []Post
	calls  map[tokenwatch.Provider]map[Op]int
	mux    *http.ServeMux
	seq    int
	// publicURL is where browsers reach the sandbox (see SetPublicURL).
	publicURL string
}

// New returns a sandbox with every network, no accounts and no apps.
func New() *Sandbox {
	s := &Sandbox{
		now:   time.Now,
		nets:  map[tokenwatch.Provider]*network{},
		calls: map[tokenwatch.Provider]map[Op]int{},
		mux:   http.NewServeMux(),
	}
	for _, p := range tokenwatch.Providers {
		n := newNetwork(p, defaultOptions[p])
		s.nets[p] = n
		s.calls[p] = map[Op]int{}
		rt := &router{s: s, n: n}
		routes[p](rt)
		webRoutes(rt)
	}
	s.controlRoutes()
	return s
}

// ServeHTTP serves every network under its prefix and the controls under
// /_sandbox/.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	s.mux.ServeHTTP(w, r)
}

// Server is a sandbox listening on a loopback port.
type Server struct {
	*Sandbox
	// URL is the server's base URL, e.g. http://127.0.0.1:41234.
	URL string
	srv *httptest.Server
}

// Start starts a new sandbox on 127.0.0.1 on a free port.
func Start() (*Server, error) {
	return New().Start()
}

// Start serves s on 127.0.0.1 on a free port.
func (s *Sandbox) Start() (*Server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := httptest.NewUnstartedServer(s)
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	s.mu.Lock()
	if s.publicURL == "" {
		s.publicURL = srv.URL
	}
	s.mu.Unlock()
	return &Server{Sandbox: s, URL: srv.URL, srv: srv}, nil
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// BaseURL is what a provider's Config.BaseURL must be to reach network p here.
func (s *Server) BaseURL(p tokenwatch.Provider) string { return s.URL + Prefix(p) }

// Prefix is the path under which network p is served: "/" + its name.
func Prefix(p tokenwatch.Provider) string { return "/" + string(p) }

// SetClock makes the sandbox tell time with now (nil: the real clock).
func (s *Sandbox) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now == nil {
		now = time.Now
	}
	s.now = now
}

// Configure changes how network p behaves.
func (s *Sandbox) Configure(p tokenwatch.Provider, change func(*Options)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	change(&s.net(p).opts)
}

// Options returns how network p behaves.
func (s *Sandbox) Options(p tokenwatch.Provider) Options {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.net(p).opts
}

func (s *Sandbox) net(p tokenwatch.Provider) *network {
	n, ok := s.nets[p]
	if !ok {
		panic("sandbox: unknown provider " + string(p))
	}
	return n
}

// randomToken is an opaque random credential.
func randomToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// splitScopes splits a scope parameter, space- or comma-separated.
func splitScopes(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' })
}
