// Package web is tokenwatch's HTTP interface: the server-rendered pages
// where people see and fix token problems, the health and readiness
// endpoints, and the middleware they share (sessions, cross-site request
// protection, security headers, request logs). Handlers are methods on
// Server, one handler per file.
package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/admin"
	"github.com/tokenwatch/tokenwatch/internal/chat"
	"github.com/tokenwatch/tokenwatch/internal/connect"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/password"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// Options configures the web server.
type Options struct {
	Logger *slog.Logger
	// Now is the clock; time.Now if nil.
	Now func() time.Time
	// Policy is the default lifecycle policy; accounts may override its
	// thresholds.
	Policy lifecycle.Policy
	// CookieSecure marks cookies Secure (behind https).
	CookieSecure bool
	// SessionTTL is how long a sign-in lasts.
	SessionTTL time.Duration
	// DemoLogins, when set, are shown on the sign-in page (demo mode).
	DemoLogins []DemoLogin
	// Demo adds what only the demo has to the menu (the mail outbox).
	Demo bool
	// PasswordCost is the bcrypt cost for passwords set through the UI.
	PasswordCost int
	// Flow runs the connect and reconnect flows; nil disables them.
	Flow *connect.Flow
	// TrustedProxies are the load balancers whose X-Forwarded-For names
	// the client (for the sign-in limiter).
	TrustedProxies []netip.Prefix
	// OnSignIn, if set, is called after each sign-in (to check the user's
	// pages with their networks).
	OnSignIn func(u *tokenwatch.User)
	// Metrics, when set, is served at /metrics; to requests bearing
	// MetricsToken only, when that is set.
	Metrics      http.Handler
	MetricsToken tokenwatch.Secret
	// Outbox serves the demo's mail outbox at /outbox.
	Outbox bool
	// Admin runs the account: locations, people, checks, disconnects, the
	// audit log.
	Admin *admin.Service
	// Status reports service problems: at /status, as a banner for
	// account owners, and in /readyz. Optional.
	Status ServiceStatus
	// BaseURL is the service's public address (links in test messages).
	BaseURL string
	// Chat sends the test messages of /locations/{id}/channels; a client
	// with a 10 s timeout if nil. AllowPrivateChannels accepts channel
	// webhooks on loopback (tests, the demo), as for webhook endpoints.
	Chat                 *chat.Client
	AllowPrivateChannels bool
}

// ServiceStatus is what the web UI shows of service problems
// (status.Monitor).
type ServiceStatus interface {
	Open() []store.ServiceProblem
	Recent(ctx context.Context) ([]*store.ServiceProblem, error)
	Versions() []provider.VersionStatus
}

// DemoLogin is a demo user shown on the sign-in page.
type DemoLogin struct {
	Email, Password, Description string
}

// Server serves the web UI.
type Server struct {
	store   *store.Store
	log     *slog.Logger
	now     func() time.Time
	opts    Options
	views   *views
	limiter *loginLimiter
	handler http.Handler

	dummyOnce sync.Once
	dummy     string
}

// New returns a web server over the store.
func New(st *store.Store, opts Options) (*Server, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SessionTTL == 0 {
		opts.SessionTTL = 12 * time.Hour
	}
	if opts.PasswordCost == 0 {
		opts.PasswordCost = password.DefaultCost
	}
	if opts.Chat == nil {
		opts.Chat = chat.NewClient(10 * time.Second)
	}
	if opts.PasswordCost < bcrypt.MinCost || opts.PasswordCost > bcrypt.MaxCost {
		return nil, fmt.Errorf("web: password cost %d is out of range", opts.PasswordCost)
	}
	if opts.Admin == nil {
		opts.Admin = admin.New(st, admin.Options{PasswordCost: opts.PasswordCost, Now: opts.Now, Logger: opts.Logger})
	}
	v, err := parseViews()
	if err != nil {
		return nil, err
	}
	s := &Server{store: st, log: opts.Logger, now: opts.Now, opts: opts, views: v, limiter: newLoginLimiter(opts.Now)}
	s.handler = s.routes()
	return s, nil
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /static/", s.static())

	mux.HandleFunc("GET /login", s.loginForm)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("POST /logout", s.logout)

	mux.Handle("GET /{$}", s.signedIn(s.home))
	mux.Handle("POST /popup/close", s.signedIn(s.closePopup))
	mux.Handle("GET /issues", s.signedIn(s.issues))
	mux.Handle("GET /calendar", s.signedIn(s.calendar))
	mux.Handle("GET /posts/new", s.signedIn(s.newPost))
	mux.Handle("POST /posts", s.signedIn(s.createPost))
	mux.Handle("GET /locations", s.signedIn(s.locations))
	mux.Handle("POST /locations", s.signedIn(s.createLocation))
	mux.Handle("GET /locations/{id}", s.signedIn(s.locationSettingsPage))
	mux.Handle("POST /locations/{id}", s.signedIn(s.updateLocation))
	mux.Handle("POST /locations/{id}/roles", s.signedIn(s.act("location", s.setRole)))
	mux.Handle("GET /people", s.signedIn(s.people))
	mux.Handle("POST /people/invite", s.signedIn(s.invite))
	mux.Handle("GET /people/{id}", s.signedIn(s.person))
	mux.Handle("POST /people/{id}/roles", s.signedIn(s.act("person", s.personRole)))
	mux.Handle("POST /people/{id}/owner", s.signedIn(s.act("person", s.personOwner)))
	mux.Handle("POST /people/{id}/transfer", s.signedIn(s.act("person", s.personTransfer)))
	mux.Handle("POST /people/{id}/remove", s.signedIn(s.act("person", s.personRemove)))
	mux.Handle("POST /invitations/{id}/withdraw", s.signedIn(s.act("invitation", s.withdrawInvitation)))
	mux.HandleFunc("GET /invitations/{token}", s.invitationPage)
	mux.HandleFunc("POST /invitations/{token}", s.acceptInvitation)
	mux.Handle("GET /audit", s.signedIn(s.audit))
	mux.Handle("GET /settings", s.signedIn(s.settings))
	mux.Handle("POST /settings/thresholds", s.signedIn(s.settingsThresholds))
	mux.Handle("POST /settings/webhooks", s.signedIn(s.settingsWebhookAdd))
	mux.Handle("POST /settings/webhooks/{id}/{op}", s.signedIn(s.act("webhook endpoint", s.settingsWebhook)))
	mux.Handle("POST /settings/keys", s.signedIn(s.settingsKeyCreate))
	mux.Handle("POST /settings/return-urls", s.signedIn(s.settingsReturnURLs))
	mux.Handle("POST /settings/keys/{id}/revoke", s.signedIn(s.act("API key", s.settingsKeyRevoke)))
	mux.Handle("GET /me", s.signedIn(s.me))
	mux.Handle("POST /me/name", s.signedIn(s.meName))
	mux.Handle("POST /me/password", s.signedIn(s.mePassword))
	mux.Handle("POST /me/sessions", s.signedIn(s.meSessions))
	mux.Handle("GET /status", s.signedIn(s.status))

	mux.Handle("GET /pages/{id}", s.signedIn(s.pageDetailPage))
	mux.Handle("POST /pages/{id}/check", s.signedIn(s.act("page", s.checkPage)))
	mux.Handle("GET /pages/{id}/disconnect", s.signedIn(s.disconnectForm))
	mux.Handle("POST /pages/{id}/disconnect", s.signedIn(s.act("page", s.disconnect)))
	mux.Handle("GET /pages/{id}/reconnect", s.signedIn(s.reconnectPage))
	mux.Handle("GET /pages/{id}/ask", s.signedIn(s.askPage))
	mux.Handle("POST /pages/{id}/ask", s.signedIn(s.ask))
	mux.Handle("POST /requests/{id}/withdraw", s.signedIn(s.act("request", s.withdrawRequest)))
	mux.HandleFunc("GET /r/{token}", s.requestPage)
	mux.HandleFunc("POST /r/{token}", s.startRequest)
	mux.Handle("POST /pages/{id}/reconnect", s.signedIn(s.reconnect))
	mux.HandleFunc("GET /oauth/{provider}/callback", s.oauthCallback)
	mux.Handle("GET /connect", s.signedIn(s.connectForm))
	mux.Handle("POST /connect", s.signedIn(s.connectStart))
	mux.Handle("GET /connect/choose", s.signedIn(s.connectChoose))
	mux.Handle("POST /connect/choose", s.signedIn(s.connectFinish))
	mux.Handle("GET /notifications", s.signedIn(s.notifications))
	mux.Handle("POST /notifications/read", s.signedIn(s.notificationsRead))
	mux.Handle("POST /notifications/{id}/dismiss", s.signedIn(s.notificationDismiss))
	mux.Handle("POST /notifications/pages/{id}/dismiss", s.signedIn(s.notificationPageDismiss))
	mux.Handle("GET /me/notifications", s.signedIn(s.preferences))
	mux.Handle("POST /me/notifications", s.signedIn(s.preferencesSave))
	mux.Handle("GET /locations/{id}/channels", s.signedIn(s.channels))
	mux.Handle("POST /locations/{id}/channels", s.signedIn(s.channelAdd))
	mux.Handle("POST /locations/{id}/channels/{cid}/delete", s.signedIn(s.channelRemove))
	mux.Handle("POST /locations/{id}/channels/{cid}/test", s.signedIn(s.channelTest))
	// The one-click unsubscribe link needs no session: its secret is the
	// authorization (RFC 8058).
	mux.HandleFunc("GET /unsubscribe/{token}", s.unsubscribeForm)
	mux.HandleFunc("POST /unsubscribe/{token}", s.unsubscribe)
	if s.opts.Outbox {
		mux.Handle("GET /outbox", s.signedIn(s.outbox))
		mux.Handle("GET /outbox/{id}/html", s.signedIn(s.outboxHTML))
	}
	if s.opts.Metrics != nil {
		mux.Handle("GET /metrics", bearer(s.opts.MetricsToken, "tokenwatch metrics", s.opts.Metrics))
	}

	mux.HandleFunc("GET /favicon.ico", s.favicon)
	// Anything else: an HTML page that says so, with the menu when signed in.
	mux.HandleFunc("/", s.notFound)

	cop := http.NewCrossOriginProtection()
	// A mail client posts the one-click unsubscribe from wherever it runs.
	cop.AddInsecureBypassPattern("POST /unsubscribe/{token}")
	return s.logRequests(securityHeaders(cop.Handler(s.limitForms(mux))))
}
