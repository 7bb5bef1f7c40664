// Package connect runs the OAuth flows that attach a network's pages to
// tokenwatch: connecting new pages to a location, and reconnecting a page
// whose grant ended. It checks who may start them (owners and managers of
// the location), keeps a single-use state bound to the browser session
// with PKCE where the network supports it, takes the network's answer at a
// callback of that network's own, and refuses what would silently break the
// page: another network account than the one the page was connected with,
// or a role on the page that is not enough. Failures come back as a
// *Failure that says what happened and what to do.
package connect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"golang.org/x/oauth2"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/status"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/tokens"
)

// stateTTL is how long a person has at the network's consent screen.
const stateTTL = 10 * time.Minute

// Options configures the flows.
type Options struct {
	Providers provider.Registry
	// Policy is the default lifecycle policy; accounts may override its
	// thresholds.
	Policy lifecycle.Policy
	// BaseURL is tokenwatch's public URL; callbacks are under it.
	BaseURL string
	Now     func() time.Time
	Logger  *slog.Logger
	// OnReconnect, if set, is told of every successful reconnect (to emit
	// page.reconnected and release the page's held posts).
	OnReconnect func(ctx context.Context, page *tokenwatch.Page)
	// Status hears of code exchanges and page listings: refusals of
	// tokenwatch's own app open service problems. Optional.
	Status tokens.ServiceMonitor
}

// Flow runs the connect and reconnect flows.
type Flow struct {
	store *store.Store
	opts  Options
}

// New returns the flows over a store.
func New(st *store.Store, opts Options) *Flow {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Flow{store: st, opts: opts}
}

// Failure is a flow that did not succeed, explained: what happened, and
// the network's advice on what to do.
type Failure struct {
	Provider        tokenwatch.Provider
	Message         string
	Troubleshooting []string
	// PageID is the page a reconnect was for (zero for a new connection).
	PageID int64
	err    error
}

func (f *Failure) Error() string {
	if f.err != nil {
		return f.Message + ": " + f.err.Error()
	}
	return f.Message
}

func (f *Failure) Unwrap() error { return f.err }

func (f *Flow) failure(p tokenwatch.Provider, pageID int64, err error, format string, args ...any) *Failure {
	fl := &Failure{Provider: p, PageID: pageID, Message: fmt.Sprintf(format, args...), err: err}
	if prov, e := f.opts.Providers.Get(p); e == nil {
		fl.Troubleshooting = prov.Info().Troubleshooting
	}
	return fl
}

// Providers lists the networks that can be connected, in display order.
func (f *Flow) Providers() []tokenwatch.Provider {
	var out []tokenwatch.Provider
	for _, p := range tokenwatch.Providers {
		if _, err := f.opts.Providers.Get(p); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// CallbackURL is the redirect URI registered at network p's app.
func (f *Flow) CallbackURL(p tokenwatch.Provider) string {
	return f.opts.BaseURL + "/oauth/" + string(p) + "/callback"
}

// mayConnect checks that u may connect and reconnect pages at a location:
// a location they do not take part in does not exist for them; members
// may look but not connect.
func (f *Flow) mayConnect(ctx context.Context, u *tokenwatch.User, locationID int64) error {
	role, err := f.store.RoleAt(ctx, u.ID, locationID)
	if err != nil {
		return err
	}
	if !role.CanReconnect() {
		return tokenwatch.Errorf(tokenwatch.CodeForbidden, "Only owners and managers of a location can connect or reconnect its pages; you are a %s there.", role)
	}
	return nil
}

// userPage returns a page the user takes part in, or not found.
func (f *Flow) userPage(ctx context.Context, u *tokenwatch.User, pageID int64) (*tokenwatch.Page, error) {
	p, err := f.store.GetPage(ctx, pageID)
	if err != nil {
		return nil, err
	}
	if _, err := f.store.RoleAt(ctx, u.ID, p.LocationID); err != nil {
		return nil, tokenwatch.Errorf(tokenwatch.CodeNotFound, "page not found")
	}
	return p, nil
}

// BeginReconnect starts reconnecting a page and returns the URL of the
// network's consent screen to send the browser to.
func (f *Flow) BeginReconnect(ctx context.Context, u *tokenwatch.User, sessionToken string, pageID int64) (string, error) {
	p, err := f.userPage(ctx, u, pageID)
	if err != nil {
		return "", err
	}
	if err := f.mayConnect(ctx, u, p.LocationID); err != nil {
		return "", err
	}
	return f.begin(ctx, u, sessionToken, store.OAuthState{Provider: p.Provider, UserID: u.ID, PageID: p.ID})
}

// BeginConnect starts connecting pages of network p to a location.
func (f *Flow) BeginConnect(ctx context.Context, u *tokenwatch.User, sessionToken string, p tokenwatch.Provider, locationID int64) (string, error) {
	if err := f.mayConnect(ctx, u, locationID); err != nil {
		return "", err
	}
	return f.begin(ctx, u, sessionToken, store.OAuthState{Provider: p, UserID: u.ID, LocationID: locationID})
}

func (f *Flow) begin(ctx context.Context, u *tokenwatch.User, sessionToken string, st store.OAuthState) (string, error) {
	prov, err := f.opts.Providers.Get(st.Provider)
	if err != nil {
		return "", tokenwatch.Errorf(tokenwatch.CodeInvalid, "%s is not set up on this tokenwatch (its app's client id and secret are missing).", st.Provider.DisplayName())
	}
	st.Verifier = tokenwatch.NewSecret(oauth2.GenerateVerifier())
	st.RedirectURI = f.CallbackURL(st.Provider)
	st.ExpiresAt = f.opts.Now().Add(stateTTL)
	state, err := f.store.CreateOAuthState(ctx, sessionToken, st)
	if err != nil {
		return "", err
	}
	return prov.AuthCodeURL(state.Reveal(), st.Verifier.Reveal(), st.RedirectURI), nil
}

// Result is what a successful callback did: a page reconnected, or a
// grant waiting for the person to pick the pages to connect.
type Result struct {
	Reconnected *tokenwatch.Page
	PendingID   string
}

// Callback takes the network's answer at /oauth/{p}/callback.
func (f *Flow) Callback(ctx context.Context, u *tokenwatch.User, sessionToken string, p tokenwatch.Provider, q url.Values) (*Result, error) {
	prov, err := f.opts.Providers.Get(p)
	if err != nil {
		return nil, tokenwatch.Errorf(tokenwatch.CodeNotFound, "%s is not set up on this tokenwatch.", p.DisplayName())
	}
	st, err := f.store.ConsumeOAuthState(ctx, q.Get("state"), sessionToken, p)
	if err != nil {
		if tokenwatch.ErrorCode(err) == tokenwatch.CodeForbidden {
			return nil, f.failure(p, 0, err, "%s", tokenwatch.ErrorMessage(err))
		}
		return nil, err
	}
	if st.UserID != u.ID {
		return nil, f.failure(p, st.PageID, nil, "%s", tokenwatch.ErrorMessage(store.ErrStateUnknown))
	}
	if e := q.Get("error"); e != "" {
		if e == "access_denied" || e == "user_cancelled_login" || e == "user_cancelled_authorize" {
			return nil, f.failure(p, st.PageID, nil, "You cancelled at %s; nothing was changed.", p.DisplayName())
		}
		return nil, f.failure(p, st.PageID, errors.New(e), "%s refused the sign-in (%s).", p.DisplayName(), e)
	}
	code := q.Get("code")
	if code == "" {
		return nil, f.failure(p, st.PageID, nil, "%s sent no authorization code back.", p.DisplayName())
	}
	grant, err := prov.Exchange(ctx, code, st.Verifier.Reveal(), st.RedirectURI)
	f.observe(ctx, p, status.ScopeToken, err)
	if err != nil {
		return nil, f.failure(p, st.PageID, err, "%s did not accept the sign-in: %s", p.DisplayName(), providerMessage(err))
	}
	if st.PageID != 0 {
		page, err := f.reconnect(ctx, u, prov, st, grant)
		if err != nil {
			return nil, err
		}
		return &Result{Reconnected: page}, nil
	}
	id, err := f.savePending(ctx, u, sessionToken, prov, st, grant)
	if err != nil {
		return nil, err
	}
	return &Result{PendingID: id}, nil
}

// providerMessage is a network error in words for people.
func providerMessage(err error) string {
	var pe *provider.Error
	if errors.As(err, &pe) {
		if pe.Class == tokenwatch.ClassService {
			return "tokenwatch's own app is refused there (" + pe.Message + "). This is not a problem of your page or your account: " +
				"tokenwatch's operator has been told. Try again later."
		}
		return pe.Message
	}
	return "it could not be reached; try again in a moment"
}

// observe tells the service monitor how a call to network p went.
func (f *Flow) observe(ctx context.Context, p tokenwatch.Provider, scope string, err error) {
	if f.opts.Status == nil {
		return
	}
	if err != nil {
		f.opts.Status.Failed(ctx, p, scope, err)
	} else {
		f.opts.Status.Succeeded(ctx, p, scope)
	}
}

func (f *Flow) reconnect(ctx context.Context, u *tokenwatch.User, prov provider.Provider, st *store.OAuthState, grant *provider.Grant) (*tokenwatch.Page, error) {
	info := prov.Info()
	net := info.Name.DisplayName()
	page, err := f.userPage(ctx, u, st.PageID)
	if err != nil {
		return nil, err
	}
	if err := f.mayConnect(ctx, u, page.LocationID); err != nil {
		return nil, err
	}
	if grant.UserID != page.ProviderUserID {
		return nil, f.failure(info.Name, page.ID, nil,
			"%q was connected with the %s account %q, but you signed in to %s as %q. Sign in to %s as %q (sign out of %s first if it signs you in automatically) and reconnect again.",
			page.Name, net, page.ProviderUserName, net, grant.UserName, net, page.ProviderUserName, net)
	}
	cands, err := prov.Pages(ctx, grant)
	f.observe(ctx, info.Name, status.ScopeAPI, err)
	if err != nil {
		return nil, f.failure(info.Name, page.ID, err, "tokenwatch could not list what the %s account %q manages: %s", net, grant.UserName, providerMessage(err))
	}
	var c *provider.Candidate
	for i := range cands {
		if cands[i].ID == page.ProviderPageID {
			c = &cands[i]
		}
	}
	switch {
	case c == nil:
		return nil, f.failure(info.Name, page.ID, nil, "The %s account %q no longer has a role on %q. Reconnecting needs %s.",
			net, grant.UserName, page.Name, info.RequiredRole)
	case !c.Eligible:
		return nil, f.failure(info.Name, page.ID, nil, "%s", c.Refusal)
	}
	g := store.Grant{
		Credentials:         tokenwatch.Credentials{AccessToken: c.Token.AccessToken, RefreshToken: c.Token.RefreshToken},
		AccessExpiresAt:     c.Token.AccessExpiresAt,
		RefreshExpiresAt:    c.Token.RefreshExpiresAt,
		DataAccessExpiresAt: c.Token.DataAccessExpiresAt,
		Scopes:              c.Token.Scopes,
		AutoRefresh:         autoRefresh(info, c.Token),
		RefreshBeforeExpiry: info.RefreshBeforeExpiry,
		RefreshLead:         info.RefreshLead,
		ProviderUserName:    grant.UserName,
		ConnectedBy:         u.ID,
		NewGeneration:       true,
	}
	after := *page
	after.AccessExpiresAt, after.RefreshExpiresAt, after.DataAccessExpiresAt = g.AccessExpiresAt, g.RefreshExpiresAt, g.DataAccessExpiresAt
	after.AutoRefresh, after.RefreshBeforeExpiry, after.RefreshLead, after.Problem = g.AutoRefresh, g.RefreshBeforeExpiry, g.RefreshLead, ""
	if c.Token.RefreshToken.IsZero() && page.AutoRefresh {
		// The network sent no new refresh token; the stored one stays.
		after.AutoRefresh, g.AutoRefresh = true, true
	}
	d, err := f.evaluate(ctx, &after)
	if err != nil {
		return nil, err
	}
	g.State, g.NextDueAt = d.State, f.opts.Now()
	saved, err := f.store.SaveGrant(ctx, page.ID, g)
	if err != nil {
		return nil, err
	}
	f.opts.Logger.Info("page reconnected", "page", page.ID, "provider", page.Provider, "user", u.ID, "generation", saved.Generation)
	if f.opts.OnReconnect != nil {
		f.opts.OnReconnect(ctx, saved)
	}
	return saved, nil
}

// autoRefresh says whether tokenwatch can prolong a token by itself: the
// network allows it and tokenwatch holds what it needs (a refresh token,
// or a token that prolongs itself).
func autoRefresh(info provider.Info, t provider.Token) bool {
	return info.AutoRefresh && (!t.RefreshToken.IsZero() || info.RefreshBeforeExpiry)
}

func (f *Flow) evaluate(ctx context.Context, p *tokenwatch.Page) (lifecycle.Decision, error) {
	acct, err := f.store.GetAccount(ctx, p.AccountID)
	if err != nil {
		return lifecycle.Decision{}, err
	}
	return f.opts.Policy.WithThresholds(acct.AlertThresholds).Evaluate(lifecycle.FactsOf(p), nil, f.opts.Now()), nil
}
