// Package status keeps tokenwatch's service problems apart from page
// problems. A service problem is a refusal of tokenwatch's own app or
// configuration at a network (a wrong client secret, a network that is not
// configured, a retired API version, an exhausted quota, no credits, an app
// not approved for a permission): no page is at fault and reconnecting would
// not help. The monitor opens one problem per network and kind of call when
// such a refusal is met, closes it when the same kind of call succeeds
// again, raises a warning when an API version in use nears its end of
// support, and e-mails the operator once per problem. Pages keep their state
// throughout; the web UI shows the problems at /status and as a banner, and
// /metrics and /readyz report them.
package status

import (
	"context"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/mail"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// Scopes: the kind of call that met a problem. A problem is closed only by
// a success of the same kind: a token refresh that works says nothing of a
// refused API version, and an API call with a stored token says nothing of
// the app's secret.
const (
	ScopeToken   = "token"   // the token endpoint: code exchange, refresh, app credentials
	ScopeAPI     = "api"     // API calls with a page's token: checks, publishing, page listings
	ScopeVersion = "version" // the API version table (warnings ahead of an end of support)
)

// Severities.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
)

// Options configures a Monitor.
type Options struct {
	Logger *slog.Logger
	Now    func() time.Time
	// Operator is the e-mail address told once per problem (empty: none),
	// through Mail (nil: no e-mail is configured), from MailFrom.
	Operator string
	Mail     mail.Sender
	MailFrom string
	// BaseURL is where the /status page is, for the e-mail.
	BaseURL string
	// Versions are the operator's API version overrides, and Configured
	// says which networks are set up: together they say which versions are
	// in use.
	Versions   map[string]string
	Configured func(tokenwatch.Provider) bool
}

// Monitor records service problems. It is safe for concurrent use; it
// keeps the open problems in memory (refreshed from the database by Run, so
// that replicas see each other's), so that a successful call costs nothing
// unless a problem of its network is open.
type Monitor struct {
	store *store.Store
	opts  Options

	mu   sync.Mutex
	open []*store.ServiceProblem
	// kick wakes Run to e-mail the operator about a problem just opened.
	kick chan struct{}
}

// New returns a monitor.
func New(st *store.Store, opts Options) *Monitor {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Configured == nil {
		opts.Configured = func(tokenwatch.Provider) bool { return true }
	}
	return &Monitor{store: st, opts: opts, kick: make(chan struct{}, 1)}
}

// Failed records a failed call to network p of the given scope: a
// ClassService refusal opens (or renews) the network's problem; any other
// failure is none of the monitor's business.
func (m *Monitor) Failed(ctx context.Context, p tokenwatch.Provider, scope string, err error) {
	var pe *provider.Error
	if !errors.As(err, &pe) || pe.Class != tokenwatch.ClassService {
		return
	}
	sp := &store.ServiceProblem{Provider: p, Scope: scope, Severity: SeverityError, Code: pe.Code, Message: pe.Message, Action: pe.Action}
	if sp.Action == "" {
		sp.Action = fmt.Sprintf("Check tokenwatch's app at %s and its settings (%s_*), then run tokenwatch doctor.", p.DisplayName(), provider.EnvPrefix(p))
	}
	m.openProblem(ctx, sp)
}

func (m *Monitor) openProblem(ctx context.Context, sp *store.ServiceProblem) {
	opened, err := m.store.OpenServiceProblem(ctx, sp)
	if err != nil {
		m.opts.Logger.Error("recording a service problem", "provider", sp.Provider, "err", err)
		return
	}
	if opened {
		m.opts.Logger.Warn("service problem opened", "provider", sp.Provider, "scope", sp.Scope, "severity", sp.Severity,
			"code", sp.Code, "message", sp.Message)
		select {
		case m.kick <- struct{}{}:
		default:
		}
	}
	m.refresh(ctx)
}

// Succeeded records a successful call to network p of the given scope: an
// open error of that network and scope closes.
func (m *Monitor) Succeeded(ctx context.Context, p tokenwatch.Provider, scope string) {
	if !m.isOpen(p, scope) {
		return
	}
	m.closeProblem(ctx, p, scope)
}

func (m *Monitor) closeProblem(ctx context.Context, p tokenwatch.Provider, scope string) {
	closed, err := m.store.CloseServiceProblem(ctx, p, scope)
	if err != nil {
		m.opts.Logger.Error("closing a service problem", "provider", p, "err", err)
		return
	}
	if closed {
		m.opts.Logger.Info("service problem closed", "provider", p, "scope", scope)
	}
	m.refresh(ctx)
}

func (m *Monitor) isOpen(p tokenwatch.Provider, scope string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.ContainsFunc(m.open, func(sp *store.ServiceProblem) bool { return sp.Provider == p && sp.Scope == scope })
}

// Open returns the open problems, errors first.
func (m *Monitor) Open() []store.ServiceProblem {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]store.ServiceProblem, len(m.open))
	for i, sp := range m.open {
		out[i] = *sp
	}
	return out
}

// refresh reads the open problems from the database.
func (m *Monitor) refresh(ctx context.Context) {
	open, err := m.store.OpenServiceProblems(ctx)
	if err != nil {
		m.opts.Logger.Error("reading service problems", "err", err)
		return
	}
	m.mu.Lock()
	m.open = open
	m.mu.Unlock()
}

// CheckVersions opens a warning for every API version in use within
// provider.VersionWarnWithin of its published end, an error for one past
// it, and closes those that no longer apply (the operator moved on).
func (m *Monitor) CheckVersions(ctx context.Context) {
	byProvider := map[tokenwatch.Provider][]provider.VersionStatus{}
	for _, vs := range provider.VersionStatuses(m.opts.Versions, m.opts.Configured, m.opts.Now()) {
		for _, p := range vs.API.Providers {
			if m.opts.Configured(p) && (vs.Ending || vs.Ended) {
				byProvider[p] = append(byProvider[p], vs)
			}
		}
	}
	for _, p := range tokenwatch.Providers {
		statuses := byProvider[p]
		if len(statuses) == 0 {
			if m.isOpen(p, ScopeVersion) {
				m.closeProblem(ctx, p, ScopeVersion)
			}
			continue
		}
		sp := &store.ServiceProblem{Provider: p, Scope: ScopeVersion, Severity: SeverityWarning, Code: "version_ending"}
		var msgs []string
		for _, vs := range statuses {
			if vs.Ended {
				sp.Severity, sp.Code = SeverityError, "version_ended"
			}
			msgs = append(msgs, vs.Message())
		}
		sp.Message = strings.Join(msgs, "; ")
		sp.Action = "Upgrade tokenwatch or set the API version setting named above to a version the network supports."
		m.openProblem(ctx, sp)
	}
}

// Run keeps the monitor's view current until ctx ends: every interval it
// reads the open problems (those other replicas opened or closed), checks
// the API versions once a day, and e-mails the operator about new ones.
func (m *Monitor) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	var versionsChecked time.Time
	for {
		if now := m.opts.Now(); now.Sub(versionsChecked) >= 24*time.Hour {
			m.CheckVersions(ctx)
			versionsChecked = now
		}
		m.refresh(ctx)
		m.Notify(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-m.kick:
		}
	}
}

// Notify e-mails the operator about every open problem not yet told, once
// each (across replicas: each e-mail is claimed before it is sent).
func (m *Monitor) Notify(ctx context.Context) {
	if m.opts.Operator == "" || m.opts.Mail == nil {
		return
	}
	for range 20 {
		sp, err := m.store.ClaimServiceProblemNotice(ctx, 5*time.Minute)
		if err != nil {
			m.opts.Logger.Error("claiming a service problem e-mail", "err", err)
			return
		}
		if sp == nil {
			return
		}
		subject, text := m.notice(sp)
		domain := mail.Domain(m.opts.MailFrom)
		if domain == "" {
			domain = "tokenwatch.invalid"
		}
		msg := mail.Message{MessageID: fmt.Sprintf("service-problem-%d@%s", sp.ID, domain), To: m.opts.Operator, Subject: subject,
			Text: text, HTML: "<pre>" + html.EscapeString(text) + "</pre>"}
		if err := m.opts.Mail.Send(ctx, msg); err != nil {
			m.opts.Logger.Warn("e-mailing the operator about a service problem", "provider", sp.Provider, "err", err)
			return // claimed for a while; tried again after the claim lapses
		}
		if err := m.store.ServiceProblemNotified(ctx, sp.ID); err != nil {
			m.opts.Logger.Error("recording the operator's e-mail", "err", err)
			return
		}
	}
}

// notice is the operator's e-mail about a problem.
func (m *Monitor) notice(sp *store.ServiceProblem) (subject, text string) {
	what := "a service problem"
	if sp.Severity == SeverityWarning {
		what = "a service warning"
	}
	subject = fmt.Sprintf("tokenwatch: %s at %s", what, sp.Provider.DisplayName())
	var b strings.Builder
	fmt.Fprintf(&b, "tokenwatch met %s at %s, caused by its own app or configuration, not by any page.\n\n", what, sp.Provider.DisplayName())
	fmt.Fprintf(&b, "What happened: %s", sp.Message)
	if sp.Code != "" {
		fmt.Fprintf(&b, " (%s)", sp.Code)
	}
	fmt.Fprintf(&b, "\nSince: %s\n\nWhat to do: %s\n\n", sp.OpenedAt.UTC().Format("2 January 2006 15:04 MST"), sp.Action)
	b.WriteString("Pages keep their state and nobody is asked to reconnect because of this. The problem closes by itself once calls succeed again.\n")
	if m.opts.BaseURL != "" {
		fmt.Fprintf(&b, "\nStatus: %s/status\n", strings.TrimRight(m.opts.BaseURL, "/"))
	}
	return subject, b.String()
}

// Versions says which API version of every configured network is in use
// and how far it is from its published end of support.
func (m *Monitor) Versions() []provider.VersionStatus {
	return provider.VersionStatuses(m.opts.Versions, m.opts.Configured, m.opts.Now())
}

// Recent lists the problems closed in the last 30 days, newest first.
func (m *Monitor) Recent(ctx context.Context) ([]*store.ServiceProblem, error) {
	return m.store.RecentServiceProblems(ctx, m.opts.Now().Add(-30*24*time.Hour), 50)
}
