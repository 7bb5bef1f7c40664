// Package connection is what happens to a connected page, whoever asks for
// it (the OAuth flow for a participant, a reconnect link or an API session,
// the import, the demo, the token keeper, the web UI and the API): a page
// made from a grant, a page evaluated now under its account's alert policy,
// a page renewed by a new grant (a new generation, its held posts released,
// page.reconnected announced), and the link that reconnects it.
package connection

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// Policies gives each account's lifecycle policy: the default one with the
// account's own alert thresholds.
type Policies struct {
	Store   *store.Store
	Default lifecycle.Policy
}

// For returns the policy of an account.
func (p Policies) For(ctx context.Context, accountID int64) (lifecycle.Policy, error) {
	acct, err := p.Store.GetAccount(ctx, accountID)
	if err != nil {
		return lifecycle.Policy{}, err
	}
	return p.Default.WithThresholds(acct.AlertThresholds).WithEscalation(acct.EscalateAfter), nil
}

// Evaluate applies the page's account policy to the page at now.
func (p Policies) Evaluate(ctx context.Context, page *tokenwatch.Page, now time.Time) (lifecycle.Decision, error) {
	policy, err := p.For(ctx, page.AccountID)
	if err != nil {
		return lifecycle.Decision{}, err
	}
	return policy.Evaluate(lifecycle.FactsOf(page), nil, now), nil
}

// ReconnectURL is where a person reconnects page id: the link of every
// alert, of the API and of the web UI.
func ReconnectURL(baseURL string, id int64) string {
	return strings.TrimRight(baseURL, "/") + "/pages/" + strconv.FormatInt(id, 10) + "/reconnect"
}

// PageURL is a page's detail in the web UI.
func PageURL(baseURL string, id int64) string {
	return strings.TrimRight(baseURL, "/") + "/pages/" + strconv.FormatInt(id, 10)
}

// CanRefresh says whether tokenwatch can prolong a page's token by itself:
// the network allows it and tokenwatch holds what it needs (a refresh token,
// or an access token that prolongs itself).
func CanRefresh(info provider.Info, hasRefreshToken bool) bool {
	return info.AutoRefresh && (hasRefreshToken || info.RefreshBeforeExpiry)
}

// Grant is a page's new grant, wherever it comes from (a consent, an
// import, the demo's sandbox): the tokens with their expiries, and the
// network account that granted them.
type Grant struct {
	Token    provider.Token
	UserID   string
	UserName string
}

// NewPage returns the page a grant connects: network page id and name, at a
// location of an account, connected by a user (zero: nobody in tokenwatch),
// with the token facts the network's info implies. It is not stored yet.
func NewPage(info provider.Info, g Grant, accountID, locationID int64, pageID, name string, connectedBy int64) (*tokenwatch.Page, tokenwatch.Credentials) {
	p := &tokenwatch.Page{AccountID: accountID, LocationID: locationID, Provider: info.Name, ProviderPageID: pageID, Name: name,
		ConnectedBy: connectedBy, ProviderUserID: g.UserID, ProviderUserName: g.UserName, Scopes: g.Token.Scopes}
	applyGrant(p, info, g.Token, false)
	return p, tokenwatch.Credentials{AccessToken: g.Token.AccessToken, RefreshToken: g.Token.RefreshToken}
}

// applyGrant sets a page's token facts from a grant's token. keepRefresh
// says a refresh token is stored already and the grant brought none (it
// stays: the network sent no new one).
func applyGrant(p *tokenwatch.Page, info provider.Info, t provider.Token, keepRefresh bool) {
	p.AccessExpiresAt, p.RefreshExpiresAt, p.DataAccessExpiresAt = t.AccessExpiresAt, t.RefreshExpiresAt, t.DataAccessExpiresAt
	p.AutoRefresh = CanRefresh(info, !t.RefreshToken.IsZero() || keepRefresh)
	p.RefreshBeforeExpiry, p.RefreshLead = info.RefreshBeforeExpiry, info.RefreshLead
	p.Problem = ""
}

// Renewer is told of a page renewed by a new grant (a new generation):
// the publisher releases its held posts, the alert engine announces
// page.reconnected.
type Renewer interface {
	Renewed(ctx context.Context, page *tokenwatch.Page) error
}

// Options configures a Service.
type Options struct {
	Providers provider.Registry
	Policy    lifecycle.Policy
	Now       func() time.Time
	Logger    *slog.Logger
	// Renewers are told of every renewed page, in order; a failure is
	// logged (the renewal stands).
	Renewers []Renewer
}

// Service connects and renews pages.
type Service struct {
	store    *store.Store
	opts     Options
	policies Policies
}

// New returns the service.
func New(st *store.Store, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{store: st, opts: opts, policies: Policies{Store: st, Default: opts.Policy}}
}

// Policies returns the service's account policies.
func (s *Service) Policies() Policies { return s.policies }

// AddRenewer adds a Renewer (for parts built after the service).
func (s *Service) AddRenewer(r Renewer) { s.opts.Renewers = append(s.opts.Renewers, r) }

// Create stores a new page (see NewPage) with its state evaluated now; the
// sweep looks at it at once. A page the account has already is a conflict.
func (s *Service) Create(ctx context.Context, p *tokenwatch.Page, creds tokenwatch.Credentials) error {
	now := s.opts.Now()
	if p.LastCheckedAt.IsZero() {
		p.LastCheckedAt = now
	}
	d, err := s.policies.Evaluate(ctx, p, now)
	if err != nil {
		return err
	}
	p.State, p.NextDueAt = d.State, now
	if err := s.store.CreatePage(ctx, p, creds); err != nil {
		return err
	}
	s.audit(ctx, p, "page.connected", p.ConnectedBy, "", "as "+p.ProviderUserName)
	return nil
}

// audit writes a connect or a reconnect into the account's audit log: by
// the user by, or (zero) by actor. A failure is logged; the page stands.
func (s *Service) audit(ctx context.Context, p *tokenwatch.Page, action string, by int64, actor, detail string) {
	e := &store.AuditEntry{AccountID: p.AccountID, ActorKind: "user", ActorID: by, ActorName: actor, Action: action,
		LocationID: p.LocationID, PageID: p.ID, Subject: fmt.Sprintf("%s (%s)", p.Name, p.Provider.DisplayName()), Detail: detail}
	if by == 0 {
		e.ActorKind = "request"
	} else if u, err := s.store.GetUser(ctx, by); err == nil {
		e.ActorName = u.Email
	}
	if err := s.store.AddAudit(context.WithoutCancel(ctx), e); err != nil {
		s.opts.Logger.Error("writing the audit log", "action", action, "page", p.ID, "err", err)
	}
}

// CreateAll stores new pages (see NewPage) the way Create stores one, in
// one transaction: each with its state evaluated now under its account's
// policy. A page its account has already is left as it is and keeps a zero
// ID. It returns how many pages it created.
func (s *Service) CreateAll(ctx context.Context, pages []store.NewPage) (created int, err error) {
	now := s.opts.Now()
	policies := map[int64]lifecycle.Policy{}
	for _, np := range pages {
		p := np.Page
		policy, ok := policies[p.AccountID]
		if !ok {
			if policy, err = s.policies.For(ctx, p.AccountID); err != nil {
				return 0, err
			}
			policies[p.AccountID] = policy
		}
		if p.LastCheckedAt.IsZero() {
			p.LastCheckedAt = now
		}
		p.State, p.NextDueAt = policy.Evaluate(lifecycle.FactsOf(p), nil, now).State, now
	}
	return s.store.CreatePages(ctx, pages)
}

// Renew stores a new grant for a page (a reconnect): a new generation, so
// the alert ladder restarts; the page's problem is gone; a stored refresh
// token stays when the network sent none. by is the user who renewed it
// (zero: someone without an account, through a reconnect link), who
// becomes the page admin. The Renewers are told.
func (s *Service) Renew(ctx context.Context, page *tokenwatch.Page, g Grant, by int64) (*tokenwatch.Page, error) {
	return s.RenewAs(ctx, page, g, by, "")
}

// RenewAs is Renew by someone without an account (by zero), named by actor
// in the page's history (the address a reconnect link was sent to).
func (s *Service) RenewAs(ctx context.Context, page *tokenwatch.Page, g Grant, by int64, actor string) (*tokenwatch.Page, error) {
	prov, err := s.opts.Providers.Get(page.Provider)
	if err != nil {
		return nil, err
	}
	info := prov.Info()
	after := *page
	applyGrant(&after, info, g.Token, page.AutoRefresh)
	d, err := s.policies.Evaluate(ctx, &after, s.opts.Now())
	if err != nil {
		return nil, err
	}
	saved, err := s.store.SaveGrant(ctx, page.ID, store.Grant{
		Credentials:         tokenwatch.Credentials{AccessToken: g.Token.AccessToken, RefreshToken: g.Token.RefreshToken},
		AccessExpiresAt:     after.AccessExpiresAt,
		RefreshExpiresAt:    after.RefreshExpiresAt,
		DataAccessExpiresAt: after.DataAccessExpiresAt,
		Scopes:              g.Token.Scopes,
		AutoRefresh:         after.AutoRefresh,
		RefreshBeforeExpiry: after.RefreshBeforeExpiry,
		RefreshLead:         after.RefreshLead,
		ProviderUserID:      g.UserID,
		ProviderUserName:    g.UserName,
		ConnectedBy:         by,
		NewGeneration:       true,
		State:               d.State,
		NextDueAt:           s.opts.Now(),
		Event:               &store.Event{Kind: store.EventReconnected, UserID: by, Actor: actor, Detail: renewedAs(page, g)},
	})
	if err != nil {
		return nil, err
	}
	s.opts.Logger.Info("page renewed", "page", saved.ID, "provider", saved.Provider, "by", by, "generation", saved.Generation)
	s.audit(ctx, saved, "page.reconnected", by, actor, renewedAs(page, g))
	for _, r := range s.opts.Renewers {
		if err := r.Renewed(ctx, saved); err != nil {
			s.opts.Logger.Error("after a renewal", "page", saved.ID, "err", err)
		}
	}
	return saved, nil
}

// renewedAs says which network account a renewal came from.
func renewedAs(page *tokenwatch.Page, g Grant) string {
	name := g.UserName
	if name == "" {
		name = page.ProviderUserName
	}
	if name == "" {
		return ""
	}
	if g.UserID != "" && g.UserID != page.ProviderUserID {
		return "as " + name + ", another " + page.Provider.DisplayName() + " account than before"
	}
	return "as " + name
}
