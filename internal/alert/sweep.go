// Package alert is tokenwatch's alert engine. A sweep claims the pages
// that need attention now (through their next_due_at index, so its cost
// follows the number of due pages, not of all pages), lets the lifecycle
// policy decide what each needs, records every due alert once per page,
// token generation, step and recipient together with the in-app
// notifications and the outbox of deliveries (e-mail digests, webhook
// events, messages to the locations' Slack and Teams channels) in one
// transaction, and then hands the deliveries to the job queue and the
// refreshes and health checks to a Maintainer. It also sends the daily
// digests that are due. Who receives an alert is decided by Recipients,
// and who of them by e-mail now by Mailing: pure functions.
package alert

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/chat"
	"github.com/tokenwatch/tokenwatch/internal/connection"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/mail"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/webhook"
)

// Maintainer refreshes and checks pages' tokens with their network; the
// sweep hands it the pages whose moment has come. Both calls only queue
// the work (as jobs) and return quickly.
type Maintainer interface {
	Refresh(ctx context.Context, pageID int64) error
	Check(ctx context.Context, pageID int64) error
}

// Queue hands deliveries from the outbox to background workers. Handing
// the same delivery twice must be harmless.
type Queue interface {
	Deliver(ctx context.Context, ds []store.Delivery) error
}

// Options configures a Sweeper.
type Options struct {
	// Policy is the default lifecycle policy; accounts may have their own
	// thresholds.
	Policy lifecycle.Policy
	// BaseURL is the service's public URL, for reconnect links.
	BaseURL string
	// MailFrom is the sender address; its domain ends every Message-ID.
	MailFrom string
	// Queue receives the deliveries after each commit; nil leaves them in
	// the outbox (a later sweep with a queue hands them over).
	Queue Queue
	// Maintainer receives the due refreshes and checks; nil postpones them
	// by RetryMaintenance.
	Maintainer Maintainer
	Logger     *slog.Logger
	// Now is the clock (the store's); time.Now if nil.
	Now func() time.Time
	// BatchSize is how many pages are claimed and recorded at once
	// (default: as many as the store records best at once, see
	// store.Store.SweepBatch). A recipient gets one digest per batch.
	BatchSize int
	// Workers is how many batches a sweep claims and records side by side
	// (default: as many as the store runs well at once, see
	// store.Store.SweepWorkers; 1 when Explain, whose lines keep the
	// queue's order).
	Workers int
	// RetryMaintenance is when a page whose refresh or check was handed
	// over (or could not be, without a Maintainer) is looked at again if
	// nothing else happened (default 1 hour).
	RetryMaintenance time.Duration
	// Requeue is the age after which pending deliveries are handed to the
	// queue again (default 1 minute).
	Requeue time.Duration
	// Explain makes the report say, page by page, what the sweep did
	// (`sweep --once`); a serving sweep keeps only counts.
	Explain bool
}

// Sweeper runs sweeps.
type Sweeper struct {
	st   *store.Store
	opts Options
}

// New returns a sweeper over the store.
func New(st *store.Store, opts Options) *Sweeper {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	opts.BatchSize = cmp.Or(opts.BatchSize, st.SweepBatch())
	opts.Workers = cmp.Or(opts.Workers, st.SweepWorkers())
	if opts.Explain {
		opts.Workers = 1
	}
	opts.RetryMaintenance = cmp.Or(opts.RetryMaintenance, time.Hour)
	opts.Requeue = cmp.Or(opts.Requeue, time.Minute)
	return &Sweeper{st: st, opts: opts}
}

// Report is what a sweep found and did.
type Report struct {
	// Claimed counts the due pages claimed.
	Claimed int
	// Pages counts the pages alerted, by step; Alerts the alerts recorded
	// (one per recipient), by step.
	Pages  map[lifecycle.Step]int
	Alerts map[lifecycle.Step]int
	// Deliveries counts the deliveries queued, by channel; Requeued the
	// older pending ones handed to the queue again.
	Deliveries map[string]int
	Requeued   int
	// Digests counts the daily digests that were due (an empty one sends
	// nothing).
	Digests int
	// Refreshes and Checks count the pages handed to the Maintainer.
	Refreshes, Checks int
	Duration          time.Duration
	// Lines say what was done with each due page, when Options.Explain.
	Lines []string
}

func newReport() Report {
	return Report{Pages: map[lifecycle.Step]int{}, Alerts: map[lifecycle.Step]int{}, Deliveries: map[string]int{}}
}

// maxBatches bounds one sweep, in case pages keep becoming due.
const maxBatches = 10000

// Sweep claims every due page, batch by batch, and processes each batch
// in one transaction, Options.Workers batches at a time (each worker
// claims the next batch of the queue, as replicas do); then it hands older
// pending deliveries to the queue again. An error stops the sweep: the
// batches committed stay, the failed batch rolls back and its pages stay
// due, and the other workers finish the batch they are on.
func (s *Sweeper) Sweep(ctx context.Context) (Report, error) {
	start := time.Now()
	rep, err := s.sweepAll(ctx)
	if err != nil {
		return rep, err
	}
	if err := s.digests(ctx, &rep); err != nil {
		return rep, err
	}
	if s.opts.Queue != nil {
		n, err := s.requeue(ctx)
		rep.Requeued = n
		if err != nil {
			return rep, err
		}
	}
	rep.Duration = time.Since(start)
	return rep, nil
}

// sweepAll runs Options.Workers workers over the due pages and reports
// what they did. Every worker works on ctx itself, and a failed one stops
// the others through a flag, not a context of their own: a context that
// can be canceled costs every statement on SQLite a goroutine and a
// progress handler called every 1,000 steps of its program
// (modernc.org/sqlite), and canceling it would also cancel what follows a
// batch already committed.
func (s *Sweeper) sweepAll(ctx context.Context) (Report, error) {
	if s.opts.Workers <= 1 {
		return s.sweepBatches(ctx, nil)
	}
	rep := newReport()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		stop atomic.Bool
		errs = make([]error, s.opts.Workers)
	)
	for w := range s.opts.Workers {
		wg.Go(func() {
			r, err := s.sweepBatches(ctx, &stop)
			if err != nil {
				errs[w] = err
				// The others take no new batch; those in progress finish,
				// with what follows their commit.
				stop.Store(true)
			}
			mu.Lock()
			rep.add(r)
			mu.Unlock()
		})
	}
	wg.Wait()
	return rep, errors.Join(errs...)
}

// sweepBatches claims and processes batches until the queue has no more
// due pages, or stop (if not nil) is set, and reports what they did.
func (s *Sweeper) sweepBatches(ctx context.Context, stop *atomic.Bool) (Report, error) {
	rep := newReport()
	b := newBatch()
	for range maxBatches {
		if stop != nil && stop.Load() {
			break
		}
		var after work
		swept, err := s.st.SweepDue(ctx, s.opts.BatchSize, func(pages []*tokenwatch.Page, sent map[int64][]store.PageAlert) ([]store.Outcome, func(store.Recorded) ([]store.Delivery, error), error) {
			return s.decide(ctx, b, pages, sent, &after)
		})
		if err != nil {
			return rep, err
		}
		rep.Claimed += swept.Claimed
		s.afterCommit(ctx, swept.Recorded, swept.Deliveries, after, &rep)
		if swept.Claimed < s.opts.BatchSize {
			break
		}
	}
	return rep, nil
}

// add adds what another worker's batches did to r.
func (r *Report) add(o Report) {
	r.Claimed += o.Claimed
	for k, n := range o.Pages {
		r.Pages[k] += n
	}
	for k, n := range o.Alerts {
		r.Alerts[k] += n
	}
	for k, n := range o.Deliveries {
		r.Deliveries[k] += n
	}
	r.Refreshes += o.Refreshes
	r.Checks += o.Checks
	r.Lines = append(r.Lines, o.Lines...)
}

// requeue hands pending deliveries older than Requeue to the queue again:
// this is how a delivery whose job was never inserted (a crash right after
// the commit) still goes out.
func (s *Sweeper) requeue(ctx context.Context) (int, error) {
	total := 0
	for {
		ds, err := s.st.StaleDeliveries(ctx, s.opts.Requeue, 1000)
		if err != nil || len(ds) == 0 {
			return total, err
		}
		vs := make([]store.Delivery, len(ds))
		for i, d := range ds {
			vs[i] = *d
		}
		if err := s.opts.Queue.Deliver(ctx, vs); err != nil {
			return total, err
		}
		total += len(ds)
		if len(ds) < 1000 {
			return total, nil
		}
	}
}

// batch is what the batches of claimed pages need from the store: read
// once per sweep, as each batch first needs it (the same locations, people
// and preferences recur from batch to batch). An id read and not found
// maps to the zero value, so that it is not read again.
type batch struct {
	sent         map[int64][]store.PageAlert // of the batch at hand
	participants map[int64][]tokenwatch.Participant
	owners       map[int64][]*tokenwatch.User
	locations    map[int64]*tokenwatch.Location
	accounts     map[int64]*tokenwatch.Account
	policies     map[int64]lifecycle.Policy
	endpoints    map[int64][]*store.WebhookEndpoint
	channels     map[int64][]*store.Channel
	prefs        map[int64]tokenwatch.NotificationPrefs
	// admins are the page admins of the alerted pages.
	admins map[int64]*tokenwatch.User
}

func newBatch() *batch {
	return &batch{participants: map[int64][]tokenwatch.Participant{}, owners: map[int64][]*tokenwatch.User{},
		locations: map[int64]*tokenwatch.Location{}, accounts: map[int64]*tokenwatch.Account{}, policies: map[int64]lifecycle.Policy{},
		endpoints: map[int64][]*store.WebhookEndpoint{}, channels: map[int64][]*store.Channel{},
		prefs: map[int64]tokenwatch.NotificationPrefs{}, admins: map[int64]*tokenwatch.User{}}
}

// fill reads, through read, the ids that have is missing, into have.
func fill[T any](ctx context.Context, have map[int64]T, ids []int64, read func(context.Context, []int64) (map[int64]T, error)) error {
	var missing []int64
	for _, id := range ids {
		if _, ok := have[id]; !ok {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	got, err := read(ctx, unique(missing))
	if err != nil {
		return err
	}
	for _, id := range missing {
		have[id] = got[id]
	}
	return nil
}

// load reads the locations and accounts of the pages, and the accounts'
// policies.
func (s *Sweeper) load(ctx context.Context, b *batch, pages []*tokenwatch.Page) error {
	if err := fill(ctx, b.locations, locationsOf(pages), s.st.LocationsByID); err != nil {
		return err
	}
	if err := fill(ctx, b.accounts, accountsOf(pages), s.st.AccountsByID); err != nil {
		return err
	}
	for id, a := range b.accounts {
		if _, ok := b.policies[id]; !ok && a != nil {
			b.policies[id] = s.opts.Policy.WithThresholds(a.AlertThresholds).WithEscalation(a.EscalateAfter)
		}
	}
	return nil
}

// loadRecipients reads who may receive the alerts of the given pages.
func (s *Sweeper) loadRecipients(ctx context.Context, b *batch, pages []*tokenwatch.Page) error {
	if err := fill(ctx, b.participants, locationsOf(pages), s.st.ParticipantsAt); err != nil {
		return err
	}
	if err := fill(ctx, b.owners, accountsOf(pages), s.st.OwnersOf); err != nil {
		return err
	}
	var users, admins []int64
	for _, p := range pages {
		for _, pt := range b.participants[p.LocationID] {
			users = append(users, pt.ID)
		}
		for _, o := range b.owners[p.AccountID] {
			users = append(users, o.ID)
		}
		if p.ConnectedBy != 0 {
			admins = append(admins, p.ConnectedBy)
		}
	}
	if err := fill(ctx, b.admins, admins, s.st.UsersByID); err != nil {
		return err
	}
	for _, id := range admins {
		if b.admins[id] != nil {
			users = append(users, id)
		}
	}
	return fill(ctx, b.prefs, users, s.st.PrefsOf)
}

// due is a page with an alert due, as the digests, events and chat
// messages describe it, and who receives it (mailNow: by e-mail with this
// sweep).
type due struct {
	page       *tokenwatch.Page
	item       mail.Item
	event      webhook.Event
	chat       chat.Message
	recipients map[int64]tokenwatch.User
	mailNow    map[int64]bool
}

// work is what happens after the commit.
type work struct {
	refresh, check []int64
	lines          []string // when Options.Explain
}

// decide evaluates a batch of claimed pages (inside the sweep's
// transaction; it only reads): the outcome of each and the function that
// builds the deliveries of what gets recorded.
func (s *Sweeper) decide(ctx context.Context, b *batch, pages []*tokenwatch.Page, sent map[int64][]store.PageAlert, after *work) ([]store.Outcome, func(store.Recorded) ([]store.Delivery, error), error) {
	now := s.opts.Now().UTC()
	if err := s.load(ctx, b, pages); err != nil {
		return nil, nil, err
	}
	b.sent = sent
	var (
		outcomes = make([]store.Outcome, 0, len(pages))
		alerted  []*tokenwatch.Page
		steps    = map[int64]lifecycle.Decision{}
	)
	for _, p := range pages {
		policy, ok := b.policies[p.AccountID]
		if !ok {
			policy = s.opts.Policy
		}
		facts := lifecycle.FactsOf(p)
		sent := sentOf(b.sent[p.ID])
		d := policy.Evaluate(facts, sent, now)
		o := store.Outcome{PageID: p.ID, Generation: p.Generation}
		if d.Due != lifecycle.StepNone {
			o.Step = string(d.Due)
			steps[p.ID] = d
			alerted = append(alerted, p)
			// The next moment is decided as if the alert were recorded.
			d = policy.Evaluate(facts, append(sent, lifecycle.Sent{Generation: p.Generation, Step: d.Due, At: now}), now)
		}
		o.State, o.NextDueAt = d.State, s.next(d, now, p.ID, after)
		outcomes = append(outcomes, o)
		if s.opts.Explain {
			after.lines = append(after.lines, explain(p, b.locations[p.LocationID], o, after, now))
		}
	}

	dues := map[int64]*due{}
	if len(alerted) > 0 {
		if err := s.loadRecipients(ctx, b, alerted); err != nil {
			return nil, nil, err
		}
		ids := make([]int64, len(alerted))
		byID := map[int64]*tokenwatch.Page{}
		for i, p := range alerted {
			ids[i] = p.ID
			byID[p.ID] = p
		}
		risks, err := s.st.PostsAtRisk(ctx, ids)
		if err != nil {
			return nil, nil, err
		}
		activeEndpoints := func(ctx context.Context, ids []int64) (map[int64][]*store.WebhookEndpoint, error) {
			return s.st.WebhookEndpoints(ctx, ids, true)
		}
		if err := fill(ctx, b.endpoints, accountsOf(alerted), activeEndpoints); err != nil {
			return nil, nil, err
		}
		if err := fill(ctx, b.channels, locationsOf(alerted), s.st.ChannelsAt); err != nil {
			return nil, nil, err
		}
		for i := range outcomes {
			o := &outcomes[i]
			if o.Step == "" {
				continue
			}
			p := byID[o.PageID]
			d := steps[p.ID]
			dd := s.describe(p, d, b, risks[p.ID], now)
			owners := users(b.owners[p.AccountID])
			recipients, fallback := Recipients(b.participants[p.LocationID], b.owners[p.AccountID]), owners
			if d.Due == lifecycle.StepEscalated {
				recipients = owners
				if err := s.told(ctx, dd); err != nil {
					return nil, nil, err
				}
			} else if admin := b.admins[p.ConnectedBy]; admin != nil && admin.AccountID == p.AccountID {
				fallback = []tokenwatch.User{*admin}
			}
			recipients, dd.mailNow = Mailing(d.Due, recipients, b.prefs, fallback)
			dd.recipients = map[int64]tokenwatch.User{}
			for _, r := range recipients {
				o.Recipients = append(o.Recipients, r.ID)
				dd.recipients[r.ID] = r
			}
			o.Notification = tokenwatch.Notification{Kind: o.Step, Title: dd.item.Headline(now), Body: dd.item.Advice()}
			if d.Due == lifecycle.StepEscalated {
				o.Notification.Body = toldText(dd.item.Told, p.LocationID, b)
			}
			dues[p.ID] = dd
		}
	}
	return outcomes, func(rec store.Recorded) ([]store.Delivery, error) { return s.deliveries(rec, dues, b, now) }, nil
}

// process decides and records pages loaded by other means than a claim
// (the benchmark's naive scan).
func (s *Sweeper) process(ctx context.Context, pages []*tokenwatch.Page, rep *Report) error {
	var after work
	ids := make([]int64, len(pages))
	for i, p := range pages {
		ids[i] = p.ID
	}
	sent, err := s.st.PageAlerts(ctx, ids)
	if err != nil {
		return err
	}
	outcomes, build, err := s.decide(ctx, newBatch(), pages, sent, &after)
	if err != nil {
		return err
	}
	rec, queued, err := s.st.RecordSweep(ctx, outcomes, build)
	if err != nil {
		return err
	}
	s.afterCommit(ctx, rec, queued, after, rep)
	return nil
}

// afterCommit counts what was recorded and hands the new deliveries to
// the queue and the due refreshes and checks to the Maintainer.
func (s *Sweeper) afterCommit(ctx context.Context, rec store.Recorded, queued []store.Delivery, after work, rep *Report) {
	for _, st := range rec.Steps {
		rep.Pages[lifecycle.Step(st.Step)]++
	}
	for _, a := range rec.Alerts {
		rep.Alerts[lifecycle.Step(a.Step)]++
	}
	for _, d := range queued {
		rep.Deliveries[d.Channel]++
	}
	rep.Lines = append(rep.Lines, after.lines...)
	if s.opts.Queue != nil && len(queued) > 0 {
		if err := s.opts.Queue.Deliver(ctx, queued); err != nil {
			// Committed in the outbox: a later sweep hands them over again.
			s.opts.Logger.Warn("handing deliveries to the queue", "deliveries", len(queued), "err", err)
		}
	}
	if m := s.opts.Maintainer; m != nil {
		for _, id := range after.refresh {
			if err := m.Refresh(ctx, id); err != nil {
				s.opts.Logger.Warn("queueing a refresh", "page", id, "err", err)
			}
		}
		for _, id := range after.check {
			if err := m.Check(ctx, id); err != nil {
				s.opts.Logger.Warn("queueing a health check", "page", id, "err", err)
			}
		}
		rep.Refreshes += len(after.refresh)
		rep.Checks += len(after.check)
	}
}

// next returns when the page next needs attention. A refresh or check due
// now is handed to the Maintainer (after the commit) and the page comes
// back after RetryMaintenance unless something comes earlier: the
// Maintainer's work sets the page's next moment itself, and a page whose
// work is lost, or that has no Maintainer, is not claimed again in a loop.
func (s *Sweeper) next(d lifecycle.Decision, now time.Time, pageID int64, after *work) time.Time {
	refreshDue := !d.RefreshAt.IsZero() && !d.RefreshAt.After(now)
	checkDue := !d.CheckAt.IsZero() && !d.CheckAt.After(now)
	if !refreshDue && !checkDue {
		return d.NextAt
	}
	switch {
	case refreshDue:
		after.refresh = append(after.refresh, pageID)
	case checkDue:
		after.check = append(after.check, pageID)
	}
	next := now.Add(s.opts.RetryMaintenance)
	for _, t := range []time.Time{d.NextAlertAt, d.RefreshAt, d.CheckAt} {
		if t.After(now) && t.Before(next) {
			next = t
		}
	}
	return next
}

// describe turns a page with an alert due into a digest item and, where
// they go anywhere, an event and a chat message (b has the account's
// endpoints and the location's channels).
func (s *Sweeper) describe(p *tokenwatch.Page, d lifecycle.Decision, b *batch, risk store.Risk, now time.Time) *due {
	loc := b.locations[p.LocationID]
	if loc == nil {
		loc = &tokenwatch.Location{ID: p.LocationID, TimeZone: "UTC"}
	}
	url := connection.ReconnectURL(s.opts.BaseURL, p.ID)
	it := mail.Item{PageID: p.ID, Provider: p.Provider, Page: p.Name, Location: loc.Name, TimeZone: loc.TimeZone,
		Step: string(d.Due), State: d.State, Deadline: d.Deadline, PostsAtRisk: risk.Posts, EarliestPost: risk.Earliest,
		ReconnectURL: url}
	if admin := b.admins[p.ConnectedBy]; admin != nil && admin.AccountID == p.AccountID {
		it.Contact = admin.Email
		if admin.Name != "" && admin.Name != admin.Email {
			it.Contact = admin.Name + " <" + admin.Email + ">"
		}
	}
	// The event and the message are written only for an account with
	// webhooks and a location with channels (most have neither, and a
	// message's title costs as much as the item).
	ev := webhook.Event{ID: webhook.EventID(p.ID, p.Generation, string(d.Due))}
	if len(b.endpoints[p.AccountID]) > 0 {
		ev.Type, ev.CreatedAt = webhook.TypeOf(string(d.Due)), now
		ev.Data = webhook.Data{Step: string(d.Due), ReconnectURL: url, Page: PageData(p, loc, d)}
	}
	var msg chat.Message
	if len(b.channels[p.LocationID]) > 0 {
		msg = chat.Message{Title: mail.Subject(mail.Digest{At: now, Items: []mail.Item{it}}), Page: p.Name, Provider: p.Provider,
			Location: loc.Name, TimeZone: loc.TimeZone, State: d.State, Step: string(d.Due), Advice: it.Advice(), Deadline: d.Deadline,
			PostsAtRisk: risk.Posts, EarliestPost: risk.Earliest, PageURL: connection.PageURL(s.opts.BaseURL, p.ID)}
	}
	return &due{page: p, item: it, event: ev, chat: msg}
}

// told adds to an escalation who received the page's terminal alert of
// this generation, and when.
func (s *Sweeper) told(ctx context.Context, dd *due) error {
	var steps []string
	for _, st := range []lifecycle.Step{lifecycle.StepExpired, lifecycle.StepRevoked, lifecycle.StepAccountBlocked} {
		steps = append(steps, string(st))
	}
	rs, err := s.st.StepRecipients(ctx, dd.page.ID, dd.page.Generation, steps)
	if err != nil {
		return err
	}
	for _, r := range rs {
		dd.item.Told = append(dd.item.Told, mail.Told{Name: r.User.Name, Email: r.User.Email, At: r.At})
	}
	return nil
}

// toldText says, in the in-app notification of an escalation, who was
// told and when (the location's time).
func toldText(told []mail.Told, locationID int64, b *batch) string {
	if len(told) == 0 {
		return "Nobody was told: the location has no participants."
	}
	names := make([]string, len(told))
	for i, t := range told {
		names[i] = t.Name
	}
	zone := "UTC"
	if l := b.locations[locationID]; l != nil {
		zone = l.TimeZone
	}
	at := told[0].At.In(tokenwatch.Location{TimeZone: zone}.Loc()).Format("Mon 2 January, 15:04 MST")
	return fmt.Sprintf("Told on %s: %s.", at, strings.Join(names, ", "))
}

// PageData describes a page in webhook events.
func PageData(p *tokenwatch.Page, loc *tokenwatch.Location, d lifecycle.Decision) webhook.Page {
	wp := webhook.Page{ID: p.ID, AccountID: p.AccountID, LocationID: p.LocationID, Location: loc.Name, Network: p.Provider,
		Name: p.Name, State: d.State, Generation: p.Generation}
	if !d.Deadline.IsZero() {
		dl := d.Deadline.UTC()
		wp.Deadline = &dl
	}
	return wp
}

// deliveries builds the outbox rows of what the transaction newly
// recorded: one digest per recipient e-mailed now, one event per page step
// and endpoint, one chat message per page step and channel of its
// location. An escalation goes to the owners only, never to webhooks or
// channels.
func (s *Sweeper) deliveries(rec store.Recorded, dues map[int64]*due, b *batch, now time.Time) ([]store.Delivery, error) {
	var out []store.Delivery
	byUser := map[int64][]store.AlertKey{}
	var users []int64
	for _, a := range rec.Alerts {
		if !dues[a.PageID].mailNow[a.UserID] {
			continue // told in the app, and in the daily digest if they chose it
		}
		if _, ok := byUser[a.UserID]; !ok {
			users = append(users, a.UserID)
		}
		byUser[a.UserID] = append(byUser[a.UserID], a)
	}
	domain := mail.Domain(s.opts.MailFrom)
	for _, userID := range users {
		keys := byUser[userID]
		var (
			u       tokenwatch.User
			names   []string
			pageIDs []int64
			items   []mail.Item
		)
		for _, k := range keys {
			dd := dues[k.PageID]
			u = dd.recipients[userID]
			names = append(names, fmt.Sprintf("p%d.g%d.%s.u%d", k.PageID, k.Generation, k.Step, k.UserID))
			pageIDs = append(pageIDs, k.PageID)
			items = append(items, s.itemFor(dd.item, dd.page, u, b))
		}
		sortItems(items)
		dg := mail.Digest{MessageID: mail.MessageID(names, domain), To: u.Email, Name: u.Name, At: now, Items: items,
			TimeZone: b.prefs[userID].Zone, BaseURL: s.opts.BaseURL}
		if a := b.accounts[u.AccountID]; a != nil {
			dg.Account = a.Name
		}
		payload, err := json.Marshal(dg)
		if err != nil {
			return nil, err
		}
		out = append(out, store.Delivery{Channel: store.ChannelEmail, Key: dg.MessageID, AccountID: u.AccountID, UserID: userID,
			PageIDs: pageIDs, Payload: string(payload)})
	}
	for _, st := range rec.Steps {
		dd := dues[st.PageID]
		if lifecycle.Step(st.Step) == lifecycle.StepEscalated {
			continue
		}
		if eps := b.endpoints[dd.page.AccountID]; len(eps) > 0 {
			body, err := webhook.Marshal(dd.event)
			if err != nil {
				return nil, err
			}
			for _, ep := range eps {
				out = append(out, store.Delivery{Channel: store.ChannelWebhook, Key: dd.event.ID + "/" + strconv.FormatInt(ep.ID, 10),
					AccountID: dd.page.AccountID, EndpointID: ep.ID, PageIDs: []int64{st.PageID}, Payload: body})
			}
		}
		if chs := b.channels[dd.page.LocationID]; len(chs) > 0 {
			body, err := json.Marshal(dd.chat)
			if err != nil {
				return nil, err
			}
			for _, c := range chs {
				out = append(out, store.Delivery{Channel: c.Kind, Key: "chat/" + dd.event.ID + "/" + strconv.FormatInt(c.ID, 10),
					AccountID: dd.page.AccountID, ChannelID: c.ID, PageIDs: []int64{st.PageID}, Payload: string(body)})
			}
		}
	}
	return out, nil
}

// itemFor is a page's item as one recipient reads it: someone who may
// not reconnect the page (a member) gets whom to contact and a link to ask
// someone instead of the Reconnect link.
func (s *Sweeper) itemFor(it mail.Item, p *tokenwatch.Page, u tokenwatch.User, b *batch) mail.Item {
	if u.AccountOwner {
		return it
	}
	for _, pt := range b.participants[p.LocationID] {
		if pt.ID == u.ID && pt.Role.CanReconnect() {
			return it
		}
	}
	it.CannotReconnect = true
	it.AskURL = connection.PageURL(s.opts.BaseURL, p.ID) + "/ask"
	return it
}

// sortItems puts the worst first, then the nearest deadline.
func sortItems(items []mail.Item) {
	slices.SortStableFunc(items, func(a, b mail.Item) int {
		return cmp.Or(b.State.Severity()-a.State.Severity(), a.Deadline.Compare(b.Deadline), cmp.Compare(a.Page, b.Page))
	})
}

func users(us []*tokenwatch.User) []tokenwatch.User {
	out := make([]tokenwatch.User, len(us))
	for i, u := range us {
		out[i] = *u
	}
	return out
}

func locationsOf(pages []*tokenwatch.Page) []int64 {
	out := make([]int64, len(pages))
	for i, p := range pages {
		out[i] = p.LocationID
	}
	return out
}

func sentOf(as []store.PageAlert) []lifecycle.Sent {
	out := make([]lifecycle.Sent, len(as))
	for i, a := range as {
		out[i] = lifecycle.Sent{Generation: a.Generation, Step: lifecycle.Step(a.Step), At: a.At}
	}
	return out
}

func accountsOf(pages []*tokenwatch.Page) []int64 {
	out := make([]int64, len(pages))
	for i, p := range pages {
		out[i] = p.AccountID
	}
	return out
}

func unique(ids []int64) []int64 {
	slices.Sort(ids)
	return slices.Compact(ids)
}

// explain says in a line what a sweep did with a due page.
func explain(p *tokenwatch.Page, loc *tokenwatch.Location, o store.Outcome, after *work, now time.Time) string {
	where := p.Provider.DisplayName()
	if loc != nil {
		where += ", " + loc.Name
	}
	var did []string
	if o.Step != "" {
		did = append(did, fmt.Sprintf("alert %q recorded", o.Step))
	}
	if slices.Contains(after.refresh, p.ID) {
		did = append(did, "refresh queued")
	}
	if slices.Contains(after.check, p.ID) {
		did = append(did, "health check queued")
	}
	if len(did) == 0 {
		did = append(did, "nothing due")
	}
	next := "never"
	if !o.NextDueAt.IsZero() {
		next = o.NextDueAt.UTC().Format("2006-01-02 15:04 MST")
		if !o.NextDueAt.After(now) {
			next = "now"
		}
	}
	return fmt.Sprintf("page %d %q (%s): %s; %s; next look %s", p.ID, p.Name, where, o.State, strings.Join(did, ", "), next)
}
