// Package publish sends scheduled posts to their pages when their time
// comes. A post due on a page that is not publishable (expired, revoked,
// missing a permission, blocked) is held, not failed: it goes out as soon as
// the page is reconnected, or is marked missed, with a notification, once
// the grace window has passed. A network's refusal that reconnecting would
// fix holds the post and flags the page; a transient failure retries with
// backoff; a request the network rejects for good fails the post.
package publish

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/connection"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/status"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/tokens"
)

// Options configures the publisher.
type Options struct {
	Providers provider.Registry
	Policy    lifecycle.Policy
	Now       func() time.Time
	Logger    *slog.Logger
	// Grace is how long a held post waits for its page to be reconnected
	// before it is marked missed.
	Grace time.Duration
	// Lease is how long a claimed delivery belongs to this publisher
	// (default 20 minutes: longer than the longest upload,
	// oauthx.MediaTimeout). An attempt is cut off at nine tenths of it, so
	// that no other publisher takes the delivery over while it is under
	// way and publishes the post a second time.
	Lease time.Duration
	// Status hears of every publish call: refusals of tokenwatch's own app
	// open service problems, successes close them. Optional.
	Status tokens.ServiceMonitor
}

// Publisher publishes due posts.
type Publisher struct {
	store  *store.Store
	keeper *tokens.Keeper
	opts   Options
	kick   chan struct{}
}

// New returns a publisher.
func New(st *store.Store, keeper *tokens.Keeper, opts Options) *Publisher {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Grace == 0 {
		opts.Grace = 72 * time.Hour
	}
	if opts.Lease == 0 {
		opts.Lease = 20 * time.Minute
	}
	return &Publisher{store: st, keeper: keeper, opts: opts, kick: make(chan struct{}, 1)}
}

// Report counts what a round did.
type Report struct {
	Published, Held, Failed, Retried, Missed int
}

func (r Report) String() string {
	return fmt.Sprintf("%d published, %d held, %d failed, %d to retry, %d missed", r.Published, r.Held, r.Failed, r.Retried, r.Missed)
}

// Run publishes every interval, and at once after Release, until ctx ends.
func (p *Publisher) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		p.safeRound(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-p.kick:
		}
	}
}

// safeRound runs a round; a panic in it is logged, not fatal to the
// process that also serves the web UI.
func (p *Publisher) safeRound(ctx context.Context) {
	defer func() {
		if v := recover(); v != nil {
			p.opts.Logger.Error("publishing panicked", "panic", v)
		}
	}()
	if r, err := p.Round(ctx); err != nil {
		p.opts.Logger.Error("publishing", "err", err)
	} else if r != (Report{}) {
		p.opts.Logger.Info("published", "report", r.String())
	}
}

// Renewed releases the held posts of a page renewed by a new grant
// (connection.Renewer).
func (p *Publisher) Renewed(ctx context.Context, page *tokenwatch.Page) error {
	return p.Release(ctx, page.ID)
}

// Release puts a reconnected page's held posts back in line and wakes the
// publisher.
func (p *Publisher) Release(ctx context.Context, pageID int64) error {
	n, err := p.store.ReleaseHeld(ctx, pageID)
	if err != nil {
		return err
	}
	if n > 0 {
		p.opts.Logger.Info("held posts released", "page", pageID, "posts", n)
		select {
		case p.kick <- struct{}{}:
		default:
		}
	}
	return nil
}

// Round publishes what is due now and marks missed what waited too long.
func (p *Publisher) Round(ctx context.Context) (Report, error) {
	var r Report
	now := p.opts.Now()
	missed, err := p.store.MissHeld(ctx, now.Add(-p.opts.Grace))
	if err != nil {
		return r, err
	}
	for _, d := range missed {
		r.Missed++
		p.notifyMissed(ctx, d)
	}
	if err := p.releaseRecovered(ctx); err != nil {
		return r, err
	}
	// One delivery at a time: a claim is never held longer than one
	// publish takes, so another publisher never takes it over mid-way. The
	// lease runs from the claim, not from the round's start: a round may
	// last longer than a lease (slow uploads).
	for {
		batch, err := p.store.ClaimDuePosts(ctx, p.opts.Now(), p.opts.Lease, 1)
		if err != nil || len(batch) == 0 {
			return r, err
		}
		if err := p.deliver(ctx, batch[0], &r); err != nil {
			return r, err
		}
	}
}

// releaseRecovered puts back in line the held posts of pages that are
// publishable again without a reconnect (a blocked account fixed, a
// permission granted again, a deadline pushed out).
func (p *Publisher) releaseRecovered(ctx context.Context) error {
	ids, err := p.store.HeldPages(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		page, err := p.store.GetPage(ctx, id)
		if err != nil {
			return err
		}
		if ok, err := p.publishable(ctx, page); err != nil {
			return err
		} else if ok {
			if err := p.Release(ctx, id); err != nil {
				return err
			}
		}
	}
	return nil
}

// deliver publishes one post on one page, or holds, fails or retries it.
func (p *Publisher) deliver(ctx context.Context, d store.DuePost, r *Report) error {
	// The attempt ends before the lease does; its outcome is recorded on
	// the round's context, which a cut-off attempt leaves alive.
	actx, cancel := context.WithTimeout(ctx, p.opts.Lease-p.opts.Lease/10)
	result, err := p.attempt(actx, d)
	cancel()
	if err != nil {
		return err
	}
	switch result.Status {
	case tokenwatch.PostPublished:
		r.Published++
	case tokenwatch.PostHeld:
		r.Held++
	case tokenwatch.PostFailed:
		r.Failed++
	case tokenwatch.PostScheduled:
		r.Retried++
	}
	return p.store.SetPublishResult(ctx, d.Post.ID, d.PageID, result)
}

func (p *Publisher) attempt(ctx context.Context, d store.DuePost) (store.PublishResult, error) {
	held := store.PublishResult{Status: tokenwatch.PostHeld}
	page, err := p.store.GetPage(ctx, d.PageID)
	if err != nil {
		return held, err
	}
	if ok, err := p.publishable(ctx, page); err != nil || !ok {
		return held, err
	}
	prov, err := p.opts.Providers.Get(page.Provider)
	if err != nil {
		// The network is not configured here: a service problem, not the
		// page's; the post waits for the operator within its grace window.
		if p.opts.Status != nil {
			p.opts.Status.Failed(ctx, page.Provider, status.ScopeToken, err)
		}
		return p.later(d, err), nil
	}
	// Use refreshes the token first when it is about to expire, or once
	// more when the network says a refresh may cure its refusal; a failed
	// refresh is recorded on the page by the keeper itself.
	var out provider.Published
	var publishErr error
	err = p.keeper.Use(ctx, page.ID, func(fresh *tokenwatch.Page, creds tokenwatch.Credentials) error {
		out, publishErr = prov.Publish(ctx, fresh, creds, provider.Post{Text: d.Post.Text, Link: d.Post.Link, MediaURL: d.Post.MediaURL})
		if p.opts.Status != nil {
			if publishErr != nil {
				p.opts.Status.Failed(ctx, page.Provider, status.ScopeAPI, publishErr)
			} else {
				p.opts.Status.Succeeded(ctx, page.Provider, status.ScopeAPI)
			}
		}
		return publishErr
	})
	if err == nil {
		// A note (the network published it otherwise than asked) stays
		// with the page's result, for the post's author to read; so does
		// the link to the post, when it is one that can be shown (a
		// network's answer is untrusted: the post is published all the
		// same without it).
		return store.PublishResult{Status: tokenwatch.PostPublished, ProviderPostID: out.ID, URL: provider.Link(out.URL), Error: out.Note}, nil
	}
	fromPublish := err == publishErr
	var pe *provider.Error
	isProvider := errors.As(err, &pe)
	switch {
	case provider.IsRejected(err):
		return store.PublishResult{Status: tokenwatch.PostFailed, Error: pe.Message}, nil
	case isProvider && pe.Class.ChangesPage():
		// Reconnecting fixes it: flag the page (its alert goes out) and
		// hold the post until then.
		if fromPublish {
			if err := p.keeper.Report(ctx, d.PageID, err); err != nil {
				return held, err
			}
		}
		return held, nil
	}
	// Transient (or a refresh that failed transiently, already recorded by
	// the keeper), or a service problem: try again later.
	return p.later(d, err), nil
}

// later schedules another attempt after a failure that is not the page's
// (transient, or a service problem), with a growing wait; past the grace
// window the post fails.
func (p *Publisher) later(d store.DuePost, err error) store.PublishResult {
	var pe *provider.Error
	isProvider := errors.As(err, &pe)
	wait := min(time.Minute<<min(d.Attempts, 8), 2*time.Hour)
	if isProvider && pe.RetryAfter > wait {
		wait = pe.RetryAfter
	}
	msg := "the network could not be reached"
	if isProvider {
		msg = pe.Message
	}
	if p.opts.Now().Add(wait).After(d.Post.ScheduledAt.Add(p.opts.Grace)) {
		return store.PublishResult{Status: tokenwatch.PostFailed, Error: "Not published within the grace window: " + msg}
	}
	return store.PublishResult{Status: tokenwatch.PostScheduled, Error: msg, RetryAt: p.opts.Now().Add(wait)}
}

// publishable evaluates the page's state now.
func (p *Publisher) publishable(ctx context.Context, page *tokenwatch.Page) (bool, error) {
	d, err := connection.Policies{Store: p.store, Default: p.opts.Policy}.Evaluate(ctx, page, p.opts.Now())
	return d.State.Publishable(), err
}

// notifyMissed tells the post's author and the page's admin that a held
// post was not published.
func (p *Publisher) notifyMissed(ctx context.Context, d store.DuePost) {
	page, err := p.store.GetPage(ctx, d.PageID)
	if err != nil {
		p.opts.Logger.Error("missed post", "post", d.Post.ID, "err", err)
		return
	}
	for _, uid := range []int64{d.Post.AuthorID, page.ConnectedBy} {
		if uid == 0 {
			continue
		}
		n := &tokenwatch.Notification{UserID: uid, PageID: page.ID, Kind: "post_missed",
			Title: fmt.Sprintf("A post was not published on %s (%s)", page.Name, page.Provider.DisplayName()),
			Body: fmt.Sprintf("The post scheduled for %s waited for %s to be reconnected and was not published: %q",
				d.Post.ScheduledAt.UTC().Format("2 January 15:04 MST"), page.Name, excerpt(d.Post.Text))}
		key := fmt.Sprintf("post-missed:%d:%d:%d", d.Post.ID, page.ID, uid)
		if _, err := p.store.CreateNotification(ctx, n, key); err != nil {
			p.opts.Logger.Error("missed post notification", "post", d.Post.ID, "err", err)
		}
	}
}

func excerpt(s string) string {
	r := []rune(s)
	if len(r) > 80 {
		return string(r[:79]) + "…"
	}
	return s
}
