// Package connect runs the OAuth flows that attach a network's pages to
// tokenwatch: connecting new pages to a location, and reconnecting pages
// whose grant ended. A flow is run by an actor — a participant signed in,
// a person answering a single-use reconnect link (who needs no account), or
// the platform's user sent by an API session — and bound to the browser that
// started it (its session cookie or its flow cookie): a single-use state,
// PKCE where the network supports it, a callback of the network's own. What
// the actor may do is decided by package access when the flow begins and
// again when the network answers. A consent renews the page it was started
// for and every other page of the account that the same network account
// connected and that needs a person; it refuses what would silently break a
// page (another network account than the page's, unless the request allowed
// any; a role that is not enough). Failures come back as a *Failure that
// says what happened and what to do.
package connect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"time"

	"golang.org/x/oauth2"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/access"
	"github.com/tokenwatch/tokenwatch/internal/connection"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/oauthx"
	"github.com/tokenwatch/tokenwatch/internal/status"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/tokens"
)

// stateTTL is how long a person has at the network's consent screen.
const stateTTL = 10 * time.Minute

// Options configures the flows.
type Options struct {
	Providers provider.Registry
	// Connection creates and renews the pages.
	Connection *connection.Service
	// BaseURL is tokenwatch's public URL; callbacks are under it.
	BaseURL string
	Now     func() time.Time
	Logger  *slog.Logger
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

// Actor names who runs a flow: a user, a reconnect request or an API
// session, by id. The flow reads what it may do when it begins and again
// when the network answers.
type Actor struct {
	Kind access.Kind
	ID   int64
}

// User is the actor of a signed-in participant.
func User(u *tokenwatch.User) Actor { return Actor{Kind: access.KindUser, ID: u.ID} }

// Failure is a flow that did not succeed, explained: what happened, and
// the network's advice on what to do.
type Failure struct {
	Provider        tokenwatch.Provider
	Message         string
	Troubleshooting []string
	// PageID is the page a reconnect was for (zero for a new connection);
	// ReturnTo is where the flow was to go back to.
	PageID   int64
	ReturnTo string
	// Redirect, for an API session, is where to send the browser now.
	Redirect string
	err      error
}

func (f *Failure) Error() string {
	if f.err != nil {
		return f.Message + ": " + f.err.Error()
	}
	return f.Message
}

func (f *Failure) Unwrap() error { return f.err }

func (f *Flow) failure(p tokenwatch.Provider, st *store.OAuthState, err error, format string, args ...any) *Failure {
	fl := &Failure{Provider: p, Message: fmt.Sprintf(format, args...), err: err}
	if st != nil {
		fl.PageID, fl.ReturnTo = st.PageID, st.ReturnTo
	}
	if prov, e := f.opts.Providers.Get(p); e == nil {
		fl.Troubleshooting = prov.Info().Troubleshooting
	}
	return fl
}

// Providers lists the networks that can be connected, in display order.
func (f *Flow) Providers() []tokenwatch.Provider {
	var out []tokenwatch.Provider
	for _, p := range tokenwatch.Providers {
		if _, ok := f.opts.Providers[p]; ok {
			out = append(out, p)
		}
	}
	return out
}

// Info describes network p's integration (its required scopes and role,
// and what to do by hand when a reconnect cannot work); false when the
// network is not set up here.
func (f *Flow) Info(p tokenwatch.Provider) (provider.Info, bool) {
	prov, err := f.opts.Providers.Get(p)
	if err != nil {
		return provider.Info{}, false
	}
	return prov.Info(), true
}

// CallbackURL is the redirect URI registered at network p's app.
func (f *Flow) CallbackURL(p tokenwatch.Provider) string {
	return f.opts.BaseURL + "/oauth/" + string(p) + "/callback"
}

// resolve reads what an actor may do: a user's account, ownership and
// roles; the page a reconnect request is bound to (while it is open); the
// pages or location of an API session.
func (f *Flow) resolve(ctx context.Context, a Actor) (access.Actor, *store.ReconnectRequest, error) {
	switch a.Kind {
	case access.KindUser:
		u, err := f.store.GetUser(ctx, a.ID)
		if err != nil {
			return access.Actor{}, nil, err
		}
		locs, err := f.store.UserLocations(ctx, u.ID)
		if err != nil {
			return access.Actor{}, nil, err
		}
		aa := access.Actor{Kind: access.KindUser, AccountID: u.AccountID, UserID: u.ID, Owner: u.AccountOwner, Roles: map[int64]tokenwatch.Role{}}
		for _, l := range locs {
			aa.Roles[l.ID] = l.Role
		}
		return aa, nil, nil
	case access.KindRequest:
		r, err := f.store.GetReconnectRequest(ctx, a.ID)
		if err != nil {
			return access.Actor{}, nil, err
		}
		if !r.Open(f.opts.Now()) {
			return access.Actor{}, r, tokenwatch.Errorf(tokenwatch.CodeForbidden,
				"This reconnect link has been used, revoked or has expired. Ask whoever sent it for a new one.")
		}
		return access.Actor{Kind: access.KindRequest, AccountID: r.AccountID, PageIDs: []int64{r.PageID}}, r, nil
	case access.KindSession:
		return f.resolveSession(ctx, a.ID)
	}
	return access.Actor{}, nil, tokenwatch.Errorf(tokenwatch.CodeForbidden, "This kind of sign-in is not supported.")
}

// decide checks that actor may do act on the page or location: an id it
// may not see does not exist; one it may see but not act on is refused.
func decide(a access.Actor, act access.Action, t access.Target, what string) error {
	switch access.Decide(a, act, t) {
	case access.Allowed:
		return nil
	case access.Forbidden:
		if act == access.Reconnect || act == access.Connect {
			return tokenwatch.Errorf(tokenwatch.CodeForbidden, "Only owners and managers of a location can connect or reconnect its pages.")
		}
		return tokenwatch.Errorf(tokenwatch.CodeForbidden, "You may not do that.")
	}
	return tokenwatch.Errorf(tokenwatch.CodeNotFound, "%s not found", what)
}

// Reconnect is what a reconnect flow is started for.
type Reconnect struct {
	PageID int64
	// ReturnTo is where the browser goes once done (checked by the
	// caller: a path of tokenwatch, or an allowed return URL).
	ReturnTo string
}

// BeginReconnect starts reconnecting a page for actor in the browser that
// holds browserToken, and returns the URL of the network's consent screen
// to send the browser to.
func (f *Flow) BeginReconnect(ctx context.Context, a Actor, browserToken string, r Reconnect) (string, error) {
	aa, req, err := f.resolve(ctx, a)
	if err != nil {
		return "", err
	}
	p, err := f.store.GetPage(ctx, r.PageID)
	if err != nil {
		return "", tokenwatch.Errorf(tokenwatch.CodeNotFound, "page not found")
	}
	if err := decide(aa, access.Reconnect, access.Target{AccountID: p.AccountID, LocationID: p.LocationID, PageID: p.ID}, "page"); err != nil {
		return "", err
	}
	st := store.OAuthState{Provider: p.Provider, AccountID: p.AccountID, ActorKind: string(a.Kind), ActorID: a.ID, PageID: p.ID, ReturnTo: r.ReturnTo}
	if req != nil {
		st.AnyAccount = req.AnyAccount
	}
	return f.begin(ctx, browserToken, st)
}

// BeginConnect starts connecting pages of network p to a location.
func (f *Flow) BeginConnect(ctx context.Context, a Actor, browserToken string, p tokenwatch.Provider, locationID int64, returnTo string) (string, error) {
	aa, _, err := f.resolve(ctx, a)
	if err != nil {
		return "", err
	}
	loc, err := f.store.GetLocation(ctx, locationID)
	if err != nil {
		return "", tokenwatch.Errorf(tokenwatch.CodeNotFound, "location not found")
	}
	if err := decide(aa, access.Connect, access.Target{AccountID: loc.AccountID, LocationID: loc.ID}, "location"); err != nil {
		return "", err
	}
	return f.begin(ctx, browserToken, store.OAuthState{Provider: p, AccountID: loc.AccountID, ActorKind: string(a.Kind), ActorID: a.ID,
		LocationID: loc.ID, ReturnTo: returnTo})
}

func (f *Flow) begin(ctx context.Context, browserToken string, st store.OAuthState) (string, error) {
	prov, err := f.opts.Providers.Get(st.Provider)
	if err != nil {
		return "", err
	}
	st.Verifier = tokenwatch.NewSecret(oauth2.GenerateVerifier())
	st.RedirectURI = f.CallbackURL(st.Provider)
	st.ExpiresAt = f.opts.Now().Add(stateTTL)
	state, err := f.store.CreateOAuthState(ctx, browserToken, st)
	if err != nil {
		return "", err
	}
	return prov.AuthCodeURL(state.Reveal(), st.Verifier.Reveal(), st.RedirectURI), nil
}

// Result is what a successful callback did: pages renewed (the one the
// flow was for first, then the others the same consent renewed), the
// pages of the same network account it could not renew and why, or a
// grant waiting for the person to pick the pages to connect.
type Result struct {
	Actor     Actor
	Renewed   []*tokenwatch.Page
	NotFixed  []NotFixed
	PendingID string
	// Connected are the pages an API connect session connected.
	Connected []*tokenwatch.Page
	// ReturnTo is where the flow was started from, to go back to.
	ReturnTo string
	// Redirect, for an API session, is where to send the browser now: the
	// session's return URL with the outcome.
	Redirect string
}

// NotFixed is a page a consent could not renew, with the reason.
type NotFixed struct {
	Page   *tokenwatch.Page
	Reason string
}

// Callback takes the network's answer at /oauth/{p}/callback in the browser
// that holds browserToken. The flow of an API session ends by sending the
// browser back to the session's return URL with the outcome (Redirect).
func (f *Flow) Callback(ctx context.Context, browserToken string, p tokenwatch.Provider, q url.Values) (*Result, error) {
	prov, err := f.opts.Providers.Get(p)
	if err != nil {
		return nil, err
	}
	st, err := f.store.ConsumeOAuthState(ctx, q.Get("state"), browserToken, p)
	if err != nil {
		if tokenwatch.ErrorCode(err) == tokenwatch.CodeForbidden {
			return nil, f.failure(p, nil, err, "%s", tokenwatch.ErrorMessage(err))
		}
		return nil, err
	}
	res, err := f.callback(ctx, browserToken, prov, st, q)
	if access.Kind(st.ActorKind) == access.KindSession {
		return f.sessionDone(ctx, st, res, err)
	}
	return res, err
}

func (f *Flow) callback(ctx context.Context, browserToken string, prov provider.Provider, st *store.OAuthState, q url.Values) (*Result, error) {
	p := prov.Info().Name
	actor := Actor{Kind: access.Kind(st.ActorKind), ID: st.ActorID}
	if e := q.Get("error"); e != "" {
		info := prov.Info()
		if e == "access_denied" || slices.Contains(info.CancelErrors, e) {
			return nil, f.failure(p, st, nil, "You cancelled at %s; nothing was changed.", p.DisplayName())
		}
		if slices.Contains(info.AppErrors, e) {
			pe := &provider.Error{Provider: p, Class: tokenwatch.ClassService, Code: e, Message: q.Get("error_description"),
				Action: "The app registered at " + p.DisplayName() + " lacks what tokenwatch asks for; check the app's products and permissions there."}
			if pe.Message == "" {
				pe.Message = p.DisplayName() + " refused tokenwatch's app at the consent screen (" + e + ")"
			}
			pe.Message = oauthx.Scrub(pe.Message)
			f.observe(ctx, p, status.ScopeToken, pe)
			return nil, f.failure(p, st, pe, "%s", providerMessage(pe))
		}
		return nil, f.failure(p, st, errors.New(e), "%s refused the sign-in (%s).", p.DisplayName(), e)
	}
	code := q.Get("code")
	if code == "" {
		return nil, f.failure(p, st, nil, "%s sent no authorization code back.", p.DisplayName())
	}
	aa, req, err := f.resolve(ctx, actor)
	if err != nil {
		return nil, f.failure(p, st, err, "%s", tokenwatch.ErrorMessage(err))
	}
	grant, err := prov.Exchange(ctx, code, st.Verifier.Reveal(), st.RedirectURI)
	f.observe(ctx, p, status.ScopeToken, err)
	if err != nil {
		return nil, f.failure(p, st, err, "%s did not accept the sign-in: %s", p.DisplayName(), providerMessage(err))
	}
	if st.PageID == 0 {
		if err := decide(aa, access.Connect, access.Target{AccountID: st.AccountID, LocationID: st.LocationID}, "location"); err != nil {
			return nil, err
		}
		if actor.Kind == access.KindSession {
			return f.connectAll(ctx, aa, actor, prov, st, grant)
		}
		id, err := f.savePending(ctx, browserToken, actor, prov, st, grant)
		if err != nil {
			return nil, err
		}
		return &Result{Actor: actor, PendingID: id, ReturnTo: st.ReturnTo}, nil
	}
	res, err := f.renew(ctx, aa, prov, st, grant)
	if req != nil {
		f.recordRequest(ctx, req, res, err)
	}
	if err != nil {
		return nil, err
	}
	res.Actor = actor
	return res, nil
}

// renew renews the page the flow was for, and every other page of the
// account that the same network account connected and that needs a
// person, with the pages the consent's grant may act on.
func (f *Flow) renew(ctx context.Context, aa access.Actor, prov provider.Provider, st *store.OAuthState, grant *provider.Grant) (*Result, error) {
	info := prov.Info()
	page, err := f.store.GetPage(ctx, st.PageID)
	if err != nil {
		return nil, f.failure(info.Name, st, err, "The page to reconnect no longer exists.")
	}
	if err := decide(aa, access.Reconnect, access.Target{AccountID: page.AccountID, LocationID: page.LocationID, PageID: page.ID}, "page"); err != nil {
		return nil, f.failure(info.Name, st, err, "%s", tokenwatch.ErrorMessage(err))
	}
	cands, err := prov.Pages(ctx, grant)
	f.observe(ctx, info.Name, status.ScopeAPI, err)
	if err != nil {
		return nil, f.failure(info.Name, st, err, "tokenwatch could not list what the %s account %q manages: %s",
			info.Name.DisplayName(), grant.UserName, providerMessage(err))
	}
	byID := map[string]provider.Candidate{}
	for _, c := range cands {
		byID[c.ID] = c
	}
	verdict := func(p *tokenwatch.Page, anyAccount bool) (access.Verdict, provider.Candidate) {
		c, listed := byID[p.ProviderPageID]
		return access.MayRenew(p, access.Account{UserID: grant.UserID, UserName: grant.UserName, Listed: listed,
			Eligible: c.Eligible, Refusal: c.Refusal}, anyAccount, info.RequiredRole), c
	}
	by := aa.UserID // zero for someone without an account
	actor := ""
	if aa.Kind == access.KindRequest {
		actor = "someone with a reconnect link"
		if r, err := f.store.GetReconnectRequest(ctx, st.ActorID); err == nil {
			actor = r.Recipient + ", through a reconnect link"
		}
	}
	v, c := verdict(page, st.AnyAccount)
	if !v.OK {
		return nil, f.failure(info.Name, st, nil, "%s", v.Reason)
	}
	renewed, err := f.opts.Connection.RenewAs(ctx, page, connection.Grant{Token: c.Token, UserID: grant.UserID, UserName: grant.UserName}, by, actor)
	if err != nil {
		return nil, err
	}
	res := &Result{Renewed: []*tokenwatch.Page{renewed}, ReturnTo: st.ReturnTo}
	// One consent renews every page it can: the others of the same
	// network account in this account that need a person.
	same, err := f.store.ListPages(ctx, store.PageFilter{AccountID: page.AccountID, Provider: info.Name, ProviderUserID: grant.UserID})
	if err != nil {
		return nil, err
	}
	policies := f.opts.Connection.Policies()
	now := f.opts.Now()
	for _, other := range same {
		if other.ID == page.ID {
			continue
		}
		d, err := policies.Evaluate(ctx, other, now)
		if err != nil {
			return nil, err
		}
		if !d.State.IsIssue() {
			continue
		}
		v, c := verdict(other, false)
		if !v.OK {
			res.NotFixed = append(res.NotFixed, NotFixed{Page: other, Reason: v.Reason})
			continue
		}
		p, err := f.opts.Connection.RenewAs(ctx, other, connection.Grant{Token: c.Token, UserID: grant.UserID, UserName: grant.UserName}, by, actor)
		if err != nil {
			res.NotFixed = append(res.NotFixed, NotFixed{Page: other, Reason: tokenwatch.ErrorMessage(err)})
			continue
		}
		res.Renewed = append(res.Renewed, p)
	}
	return res, nil
}

// recordRequest records on a reconnect request what its consent came to;
// a renewal spends the link.
func (f *Flow) recordRequest(ctx context.Context, r *store.ReconnectRequest, res *Result, err error) {
	outcome, used := "", err == nil
	switch {
	case err == nil:
		outcome = fmt.Sprintf("Renewed %d %s", len(res.Renewed), plural(len(res.Renewed), "page", "pages"))
	default:
		var fl *Failure
		outcome = "Not renewed: " + tokenwatch.ErrorMessage(err)
		if errors.As(err, &fl) {
			outcome = "Not renewed: " + fl.Message
		}
	}
	if _, err := f.store.UseReconnectRequest(ctx, r.ID, outcome, used); err != nil {
		f.opts.Logger.Error("recording a reconnect request's outcome", "request", r.ID, "err", err)
	}
	f.tellOutcome(ctx, r, outcome, used)
}

// tellOutcome tells the requester and the page admin, in the app, what a
// reconnect request's consent came to.
func (f *Flow) tellOutcome(ctx context.Context, r *store.ReconnectRequest, outcome string, renewed bool) {
	page, err := f.store.GetPage(ctx, r.PageID)
	if err != nil {
		f.opts.Logger.Error("telling a reconnect request's outcome", "request", r.ID, "err", err)
		return
	}
	title := fmt.Sprintf("%s (%s) was reconnected by %s", page.Name, page.Provider.DisplayName(), r.Recipient)
	if !renewed {
		title = fmt.Sprintf("%s could not reconnect %s (%s)", r.Recipient, page.Name, page.Provider.DisplayName())
	}
	told := map[int64]bool{}
	for _, id := range []int64{r.RequestedBy, page.ConnectedBy} {
		if id == 0 || told[id] {
			continue
		}
		told[id] = true
		n := &tokenwatch.Notification{UserID: id, PageID: page.ID, Kind: "reconnect_request", Title: title, Body: outcome}
		if _, err := f.store.CreateNotification(ctx, n, ""); err != nil {
			f.opts.Logger.Error("telling a reconnect request's outcome", "request", r.ID, "user", id, "err", err)
		}
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
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
