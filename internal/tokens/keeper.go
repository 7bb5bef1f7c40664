// Package tokens keeps each page's tokens alive. It refreshes them through
// the page's network (ahead of expiry when the sweep says so, or when a
// caller needs a token that is about to expire), one refresh at a time per
// page across every process on the database, persisting a rotated refresh
// token before the new access token is handed out; it checks tokens with
// the network to catch revocations early; and it records what it learns:
// a dead grant, a missing permission or a blocked account changes the
// page's problem and makes it due for an alert at once, while a transient
// failure (5xx, timeout, rate limit) only schedules a retry with backoff and
// never changes the page's state.
package tokens

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/connection"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/status"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// Options configures a Keeper.
type Options struct {
	Providers provider.Registry
	// Policy is the default lifecycle policy; accounts may override its
	// thresholds.
	Policy lifecycle.Policy
	Now    func() time.Time
	Logger *slog.Logger
	// LockTTL bounds how long a crashed process can hold a page's lock.
	LockTTL time.Duration
	// Skew refreshes a token this long before it actually expires.
	Skew time.Duration
	// Status hears of every refresh and check: refusals of tokenwatch's
	// own app open service problems, successes close them. Optional.
	Status ServiceMonitor
}

// ServiceMonitor keeps service problems (status.Monitor).
type ServiceMonitor interface {
	Failed(ctx context.Context, p tokenwatch.Provider, scope string, err error)
	Succeeded(ctx context.Context, p tokenwatch.Provider, scope string)
}

type noMonitor struct{}

func (noMonitor) Failed(context.Context, tokenwatch.Provider, string, error) {}
func (noMonitor) Succeeded(context.Context, tokenwatch.Provider, string)     {}

// Keeper refreshes and checks tokens.
type Keeper struct {
	store   *store.Store
	opts    Options
	owner   string // names this process in page locks
	flights singleflight.Group
	// waiting counts the callers of refreshes not yet ended: refreshes run
	// to their end even when their callers give up (see refresh).
	mu      sync.Mutex
	waiting int
	idle    *sync.Cond
}

// Wait waits for every refresh under way to end, before the store closes.
func (k *Keeper) Wait() {
	k.mu.Lock()
	defer k.mu.Unlock()
	for k.waiting > 0 {
		k.idle.Wait()
	}
}

func (k *Keeper) track(delta int) {
	k.mu.Lock()
	k.waiting += delta
	if k.waiting == 0 {
		k.idle.Broadcast()
	}
	k.mu.Unlock()
}

// New returns a keeper.
func New(st *store.Store, opts Options) *Keeper {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.LockTTL == 0 {
		opts.LockTTL = 2 * time.Minute
	}
	if opts.Skew == 0 {
		opts.Skew = time.Minute
	}
	if opts.Status == nil {
		opts.Status = noMonitor{}
	}
	k := &Keeper{store: st, opts: opts, owner: "keeper-" + rand.Text()[:12]}
	k.idle = sync.NewCond(&k.mu)
	return k
}

// Backoff bounds after transient failures.
const (
	minBackoff = time.Minute
	maxBackoff = 6 * time.Hour
)

// Access returns a page and its credentials ready to use: when the access
// token expires within the skew and tokenwatch can refresh it, it is
// refreshed first (once, however many callers ask at the same time). While
// a refresh is backing off after a transient failure, an expired token is
// not handed out: the caller gets a transient error and tries later.
func (k *Keeper) Access(ctx context.Context, pageID int64) (*tokenwatch.Page, tokenwatch.Credentials, error) {
	page, _, err := k.load(ctx, pageID)
	if err != nil {
		return nil, tokenwatch.Credentials{}, err
	}
	now := k.opts.Now()
	if expiring := k.expiring(page, now); expiring && page.AutoRefresh && page.State.Publishable() {
		if page.RetryAt.After(now) {
			return nil, tokenwatch.Credentials{}, &provider.Error{Provider: page.Provider, Class: tokenwatch.ClassTransient,
				Code: "backoff", Message: "the token is being refreshed again after a failure; try later", RetryAfter: page.RetryAt.Sub(now)}
		}
		if err := k.refresh(ctx, pageID, tokenwatch.Secret{}); err != nil {
			return nil, tokenwatch.Credentials{}, err
		}
		if page, err = k.store.GetPage(ctx, pageID); err != nil {
			return nil, tokenwatch.Credentials{}, err
		}
	}
	creds, err := k.store.PageCredentials(ctx, pageID)
	return page, creds, err
}

// expiring says the access token expires within the skew.
func (k *Keeper) expiring(p *tokenwatch.Page, now time.Time) bool {
	return !p.AccessExpiresAt.IsZero() && !now.Add(k.opts.Skew).Before(p.AccessExpiresAt)
}

// refreshDue says whether a page's token should be refreshed now: when it
// is about to expire, or when the policy's refresh-ahead moment has come;
// never for a token tokenwatch cannot refresh, nor during a backoff.
func (k *Keeper) refreshDue(ctx context.Context, p *tokenwatch.Page, now time.Time) (bool, error) {
	if !p.AutoRefresh || p.AccessExpiresAt.IsZero() || p.RetryAt.After(now) {
		return false, nil
	}
	if k.expiring(p, now) {
		return true, nil
	}
	d, err := k.evaluate(ctx, p, now)
	return !d.RefreshAt.IsZero() && !now.Before(d.RefreshAt), err
}

// Refresh prolongs a page's token if it is due (the sweep calls it when
// the policy's refresh moment has come). A page that was deleted, or whose
// network is not set up on this tokenwatch, has nothing to refresh: that
// is no failure to retry.
func (k *Keeper) Refresh(ctx context.Context, pageID int64) error {
	return k.nothingToDo(k.refresh(ctx, pageID, tokenwatch.Secret{}))
}

// Use calls use with the page's fresh token (see Access). When the network
// refuses that token in a way a refresh may cure (provider.RefreshMayFix)
// and tokenwatch can refresh the page, the token is refreshed once, out of
// schedule, and use is called again with the new one; what the second call
// answers stands. The error of a refresh that fails is recorded on the page
// by the keeper itself.
func (k *Keeper) Use(ctx context.Context, pageID int64, use func(*tokenwatch.Page, tokenwatch.Credentials) error) error {
	page, creds, err := k.Access(ctx, pageID)
	if err != nil {
		return err
	}
	err = use(page, creds)
	if err == nil || !provider.RefreshMayFix(err) || !page.AutoRefresh {
		return err
	}
	k.opts.Logger.Info("token refused; refreshing before trying again", "page", pageID, "provider", page.Provider)
	if err := k.refresh(ctx, pageID, creds.AccessToken); err != nil {
		return err
	}
	if page, err = k.store.GetPage(ctx, pageID); err != nil {
		return err
	}
	if creds, err = k.store.PageCredentials(ctx, pageID); err != nil {
		return err
	}
	return use(page, creds)
}

// nothingToDo turns "no such page" and "network not set up" into success,
// for the scheduled work: retrying would not change them.
func (k *Keeper) nothingToDo(err error) error {
	if tokenwatch.IsNotFound(err) {
		k.opts.Logger.Debug("scheduled token work skipped", "reason", tokenwatch.ErrorMessage(err))
		return nil
	}
	return err
}

// load reads a page and its network. A network that is not configured is
// a service problem, recorded on the page (which keeps its state) and
// reported to the monitor.
func (k *Keeper) load(ctx context.Context, pageID int64) (*tokenwatch.Page, provider.Provider, error) {
	page, err := k.store.GetPage(ctx, pageID)
	if err != nil {
		return nil, nil, err
	}
	prov, err := k.opts.Providers.Get(page.Provider)
	if err != nil {
		k.opts.Status.Failed(ctx, page.Provider, status.ScopeToken, err)
		return nil, nil, errors.Join(err, k.recordFailure(ctx, page, err, store.Event{Kind: store.EventCheckFailed}))
	}
	return page, prov, nil
}

// refresh runs one refresh of the page at a time in this process
// (singleflight) and across processes (the page's lock in the database).
// Once started, a refresh runs to its end even if its caller gives up: a
// network that rotates refresh tokens has spent the old one, and the new
// one must be stored. With a zero refused token the refresh happens only
// when due; otherwise it is forced, unless the stored access token is no
// longer the refused one (someone refreshed meanwhile).
func (k *Keeper) refresh(ctx context.Context, pageID int64, refused tokenwatch.Secret) error {
	key := "refresh:" + strconv.FormatInt(pageID, 10)
	if !refused.IsZero() {
		key = "renew:" + strconv.FormatInt(pageID, 10)
	}
	k.track(1)
	ch := k.flights.DoChan(key, func() (any, error) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), k.opts.LockTTL-5*time.Second)
		defer cancel()
		release, err := k.lock(ctx, pageID)
		if err != nil {
			return nil, err
		}
		defer release()
		return nil, k.refreshLocked(ctx, pageID, refused)
	})
	select {
	case r := <-ch:
		k.track(-1)
		return r.Err
	case <-ctx.Done():
		go func() { <-ch; k.track(-1) }()
		return ctx.Err()
	}
}

// lock waits for the page's lock.
func (k *Keeper) lock(ctx context.Context, pageID int64) (release func(), err error) {
	for {
		ok, err := k.store.LockPage(ctx, pageID, k.owner, k.opts.Now().Add(k.opts.LockTTL))
		if err != nil {
			return nil, err
		}
		if ok {
			return func() {
				if err := k.store.UnlockPage(context.WithoutCancel(ctx), pageID, k.owner); err != nil {
					k.opts.Logger.Error("unlocking page", "page", pageID, "err", err)
				}
			}, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(25 * time.Millisecond):
		}
	}
}

func (k *Keeper) refreshLocked(ctx context.Context, pageID int64, refused tokenwatch.Secret) error {
	// Read again under the lock: another process may have refreshed.
	page, prov, err := k.load(ctx, pageID)
	if err != nil {
		return err
	}
	info := prov.Info()
	now := k.opts.Now()
	creds, err := k.store.PageCredentials(ctx, pageID)
	if err != nil {
		return err
	}
	if refused.IsZero() {
		if due, err := k.refreshDue(ctx, page, now); err != nil || !due {
			return err
		}
	} else if !page.AutoRefresh || !creds.AccessToken.Equal(refused) {
		return nil
	}
	tok, err := prov.Refresh(ctx, page, creds)
	if err != nil {
		k.opts.Logger.Warn("refresh failed", "page", pageID, "provider", page.Provider, "class", provider.ClassOf(err), "err", err)
		k.opts.Status.Failed(ctx, page.Provider, status.ScopeToken, err)
		return errors.Join(err, k.recordFailure(ctx, page, err, store.Event{Kind: store.EventRefreshFailed}))
	}
	k.opts.Status.Succeeded(ctx, page.Provider, status.ScopeToken)
	g := store.Grant{
		Credentials:         tokenwatch.Credentials{AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken},
		AccessExpiresAt:     tok.AccessExpiresAt,
		RefreshExpiresAt:    keep(tok.RefreshExpiresAt, page.RefreshExpiresAt),
		DataAccessExpiresAt: keep(tok.DataAccessExpiresAt, page.DataAccessExpiresAt),
		Scopes:              tok.Scopes,
		AutoRefresh:         page.AutoRefresh,
		RefreshBeforeExpiry: info.RefreshBeforeExpiry,
		RefreshLead:         info.RefreshLead,
	}
	after := *page
	after.AccessExpiresAt, after.RefreshExpiresAt, after.DataAccessExpiresAt = g.AccessExpiresAt, g.RefreshExpiresAt, g.DataAccessExpiresAt
	after.Problem = ""
	g.NewGeneration = pushedOut(page, &after)
	d, err := k.evaluate(ctx, &after, now)
	if err != nil {
		return err
	}
	g.State, g.NextDueAt = d.State, nextDue(d, now)
	g.Event = &store.Event{Kind: store.EventRefreshed}
	// SaveGrant stores the rotated refresh token with the new access token
	// in one transaction, before anyone gets to use the access token.
	if _, err := k.store.SaveGrant(ctx, pageID, g); err != nil {
		return err
	}
	k.opts.Logger.Info("token refreshed", "page", pageID, "provider", page.Provider, "new_generation", g.NewGeneration)
	return nil
}

// keep returns t, or old when the network did not say.
func keep(t, old time.Time) time.Time {
	if t.IsZero() {
		return old
	}
	return t
}

// pushedOut reports whether the connection deadline moved later: the grant
// is new for the alert ladder, which restarts.
func pushedOut(before, after *tokenwatch.Page) bool {
	b, a := lifecycle.Deadline(lifecycle.FactsOf(before)), lifecycle.Deadline(lifecycle.FactsOf(after))
	return !b.IsZero() && (a.IsZero() || a.After(b))
}

// evaluate applies the account's policy to a page.
func (k *Keeper) evaluate(ctx context.Context, p *tokenwatch.Page, now time.Time) (lifecycle.Decision, error) {
	return connection.Policies{Store: k.store, Default: k.opts.Policy}.Evaluate(ctx, p, now)
}

// nextDue is when the sweep should look at the page again: the policy's
// next moment, never in the past, never "never".
func nextDue(d lifecycle.Decision, now time.Time) time.Time {
	if d.NextAt.Before(now) {
		return now
	}
	return d.NextAt
}

// Report records a network's refusal met while using a page's token (a
// publish): like a failed check, it sets the page's problem and makes the
// page due for its alert, or, for a transient failure, schedules a retry.
func (k *Keeper) Report(ctx context.Context, pageID int64, err error) error {
	page, err2 := k.store.GetPage(ctx, pageID)
	if err2 != nil {
		return err2
	}
	return k.recordFailure(ctx, page, err, store.Event{Kind: store.EventCheckFailed, Detail: "while publishing"})
}

// recordFailure records a failed refresh or check. Transient failures
// keep the page's problem and state and schedule a retry; the others set
// the problem and make the page due now, so its alert goes out at once.
//
// The failure goes into the page's history as ev, with the class and the
// network's message (after ev.Detail, if set, saying what tokenwatch was
// doing).
func (k *Keeper) recordFailure(ctx context.Context, page *tokenwatch.Page, err error, e store.Event) error {
	now := k.opts.Now()
	class := provider.ClassOf(err)
	le := &tokenwatch.PageError{Class: class, Message: failureMessage(err), At: now}
	ev := &store.Event{Kind: e.Kind, UserID: e.UserID, Actor: e.Actor, Class: class, Detail: le.Message}
	if e.Detail != "" {
		ev.Detail = e.Detail + ": " + le.Message
	}
	if !class.ChangesPage() {
		// A transient failure or a service problem of tokenwatch's own app:
		// the page is not at fault; try again later.
		retry := now.Add(backoff(page, err, now))
		return k.store.SetPageStatus(ctx, page.ID, store.PageStatus{Problem: page.Problem, State: page.State,
			LastError: le, RetryAt: retry, NextDueAt: retry, Event: ev})
	}
	after := *page
	after.Problem = class.Problem()
	// A token refused after its deadline is simply expired, not revoked.
	if deadline := lifecycle.Deadline(lifecycle.FactsOf(page)); class == tokenwatch.ClassMustReconnect && !deadline.IsZero() && !now.Before(deadline) {
		after.Problem = page.Problem
	}
	d, err := k.evaluate(ctx, &after, now)
	if err != nil {
		return err
	}
	return k.store.SetPageStatus(ctx, page.ID, store.PageStatus{Problem: after.Problem, State: d.State,
		LastCheckedAt: now, LastError: le, NextDueAt: now, Event: ev})
}

// backoff doubles the previous wait after each consecutive transient
// failure, between a minute and six hours, and honours the network's
// Retry-After.
func backoff(page *tokenwatch.Page, err error, now time.Time) time.Duration {
	wait := minBackoff
	if le := page.LastError; le != nil && !le.Class.ChangesPage() && page.RetryAt.After(le.At) {
		wait = 2 * page.RetryAt.Sub(le.At)
	}
	var pe *provider.Error
	if errors.As(err, &pe) && pe.RetryAfter > wait {
		wait = pe.RetryAfter
	}
	return min(max(wait, minBackoff), maxBackoff)
}

// failureMessage is what the page's record says about a failure; provider
// errors carry a message already cleaned of credentials.
func failureMessage(err error) string {
	var pe *provider.Error
	if errors.As(err, &pe) {
		return pe.Message
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "the network did not answer in time"
	}
	return "the network could not be reached"
}

// Check asks the network whether the page's token is still good, and
// records the answer. A token the network lets tokenwatch refresh is
// refreshed first when due, as some networks cannot tell an expired
// short-lived token from a revoked one. A check that finds nothing new is
// not written into the page's history (the page's last check time says
// it ran): only failures and changes are.
func (k *Keeper) Check(ctx context.Context, pageID int64) error {
	_, err, _ := k.flights.Do("check:"+strconv.FormatInt(pageID, 10), func() (any, error) {
		return nil, k.check(ctx, pageID, 0)
	})
	return k.nothingToDo(err)
}

// CheckNow runs the health check a person asked for (Check now): at once,
// even while a backoff after a transient failure runs, and written into
// the page's history under their name whatever it finds. It returns the
// page as the check left it and, when the network refused or failed, its
// error (classified: provider.ClassOf), which is recorded on the page too.
// A disconnected page has no token to check: that is a conflict.
func (k *Keeper) CheckNow(ctx context.Context, pageID, userID int64) (*tokenwatch.Page, error) {
	page, err := k.store.GetPage(ctx, pageID)
	if err != nil {
		return nil, err
	}
	if page.Problem == tokenwatch.ProblemDisconnected {
		return page, tokenwatch.Errorf(tokenwatch.CodeConflict, "This page is disconnected: there is no token to check. Reconnect it first.")
	}
	_, checkErr, _ := k.flights.Do("check-now:"+strconv.FormatInt(pageID, 10), func() (any, error) {
		return nil, k.check(ctx, pageID, userID)
	})
	if page, err = k.store.GetPage(ctx, pageID); err != nil {
		return nil, err
	}
	return page, checkErr
}

// check runs a health check; by is the person who asked for it (zero: the
// schedule).
func (k *Keeper) check(ctx context.Context, pageID, by int64) error {
	page, prov, err := k.load(ctx, pageID)
	if err != nil {
		return err
	}
	now := k.opts.Now()
	if page.Problem == tokenwatch.ProblemDisconnected {
		return nil // no token until someone reconnects it
	}
	if by == 0 && page.RetryAt.After(now) {
		return nil // backing off after a transient failure
	}
	if due, err := k.refreshDue(ctx, page, now); err != nil {
		return err
	} else if due {
		if err := k.refresh(ctx, pageID, tokenwatch.Secret{}); err != nil {
			return err
		}
	}
	var ins *provider.Inspection
	var inspectErr error
	err = k.Use(ctx, pageID, func(p *tokenwatch.Page, creds tokenwatch.Credentials) error {
		page = p
		ins, inspectErr = prov.Inspect(ctx, p, creds)
		return inspectErr
	})
	if err != nil {
		if err != inspectErr {
			return err // reading the page, or a refresh, which recorded its own failure
		}
		k.opts.Logger.Warn("check failed", "page", pageID, "provider", page.Provider, "class", provider.ClassOf(err), "err", err)
		k.opts.Status.Failed(ctx, page.Provider, status.ScopeAPI, err)
		return errors.Join(err, k.recordFailure(ctx, page, err, store.Event{Kind: store.EventCheckFailed, UserID: by}))
	}
	k.opts.Status.Succeeded(ctx, page.Provider, status.ScopeAPI)
	now = k.opts.Now()
	after := *page
	after.AccessExpiresAt = keep(ins.AccessExpiresAt, page.AccessExpiresAt)
	after.DataAccessExpiresAt = keep(ins.DataAccessExpiresAt, page.DataAccessExpiresAt)
	after.Problem, after.LastCheckedAt, after.RetryAt = "", now, time.Time{}
	if page.Problem == tokenwatch.ProblemPermissionMissing && ins.Scopes == nil {
		// The network does not say which scopes the token holds: a valid
		// token proves nothing about the missing permission.
		after.Problem = page.Problem
	}
	d, err := k.evaluate(ctx, &after, now)
	if err != nil {
		return err
	}
	newGeneration := pushedOut(page, &after)
	var ev *store.Event
	if by != 0 || newGeneration || page.Problem != after.Problem || page.LastError != nil || scopesChanged(page.Scopes, ins.Scopes) {
		ev = &store.Event{Kind: store.EventChecked, UserID: by, Detail: checkDetail(page, &after, ins)}
	}
	_, err = k.store.RecordCheck(ctx, pageID, store.Check{CheckedAt: now, Problem: after.Problem, AccessExpiresAt: ins.AccessExpiresAt,
		DataAccessExpiresAt: ins.DataAccessExpiresAt, Scopes: ins.Scopes, NewGeneration: newGeneration,
		State: d.State, NextDueAt: nextDue(d, now), Event: ev})
	return err
}

// scopesChanged says a check reported other scopes than those stored (nil:
// the network does not say).
func scopesChanged(stored, reported []string) bool {
	if reported == nil {
		return false
	}
	a, b := slices.Clone(stored), slices.Clone(reported)
	slices.Sort(a)
	slices.Sort(b)
	return !slices.Equal(a, b)
}

// checkDetail says in words what a successful check found.
func checkDetail(before, after *tokenwatch.Page, ins *provider.Inspection) string {
	parts := []string{"the network accepts the token"}
	if before.Problem != after.Problem && after.Problem == "" {
		parts = append(parts, "the earlier problem is gone")
	}
	if ins.Scopes != nil {
		parts = append(parts, "permissions held: "+strings.Join(ins.Scopes, ", "))
	}
	return strings.Join(parts, "; ")
}

// StalePages returns up to limit pages of a user's locations that were
// not checked within maxAge (and are not revoked or backing off): the
// checks to start when the user signs in.
func (k *Keeper) StalePages(ctx context.Context, userID int64, maxAge time.Duration, limit int) ([]int64, error) {
	now := k.opts.Now()
	return k.store.StalePages(ctx, userID, now.Add(-maxAge), now, limit)
}
