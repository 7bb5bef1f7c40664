// Package jobs runs tokenwatch's background work on River (riverqueue):
// delivering the outbox with retries and backoff (e-mail digests in
// batches, a job per batch; webhook events and chat messages a job each),
// and the refreshes and health checks the sweep hands over. It is
// the only package that knows River: on SQLite it drives River's SQLite
// driver (riversqlite) over the store's write pool; on PostgreSQL, River's
// pgx driver (riverpgxv5) over the store's pgx pool, where LISTEN/NOTIFY
// wakes the workers and several replicas share the queues.
package jobs

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/tokenwatch/tokenwatch/internal/alert"
	"github.com/tokenwatch/tokenwatch/internal/chat"
	"github.com/tokenwatch/tokenwatch/internal/mail"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/webhook"
)

// Queues. E-mail, HTTP posts (webhook events and chat messages, a job
// each) and maintenance each have their own queue and workers, so a slow
// endpoint never holds up e-mail, and maintenance never holds up either.
// (A queue more costs every process's polling of the database: on SQLite
// that shares the one write connection, measurably under load.)
const (
	QueueEmail       = "email"
	QueueWebhook     = "webhook"
	QueueMaintenance = "maintenance"
)

// Observer is told about every delivery attempt (metrics).
type Observer interface {
	// Delivered reports an attempt on a channel: err nil is success;
	// permanent says it will not be retried.
	Delivered(channel string, err error, permanent bool)
}

// Config configures the jobs.
type Config struct {
	Store  *store.Store
	Logger *slog.Logger
	// Mail sends e-mails; nil leaves e-mail deliveries pending.
	Mail mail.Sender
	// Webhooks posts webhook events; nil means a client with a 10 s
	// timeout that posts to public addresses only.
	Webhooks *webhook.Client
	// Chat posts to the locations' Slack and Teams channels; nil means a
	// client with a 10 s timeout. AllowPrivateChannels lets a channel's
	// webhook be on loopback (tests, the demo): see chat.CheckURL.
	Chat                 *chat.Client
	AllowPrivateChannels bool
	// BaseURL is the service's public address, for the unsubscribe link of
	// each e-mail.
	BaseURL string
	// Now is the clock of retries (River's scheduling and the backoff);
	// time.Now if nil. Tests move it to play a long downtime in moments.
	// River's rescuer of stuck jobs reads the real clock: a clock set days
	// away from it makes every running job look stuck.
	Now func() time.Time
	// Maintainer does the refreshes and health checks the sweep hands
	// over; nil until the providers are wired.
	Maintainer alert.Maintainer
	Observer   Observer

	// Work says this process works jobs; false only inserts them (sweep
	// --once, next to a running service).
	Work bool
	// Workers per queue (default 100).
	Workers int
	// EmailBatch is the most e-mails one job sends (default 50): a job per
	// e-mail costs River's queries on every one of them, which on SQLite
	// queue for the one write connection.
	EmailBatch int
	// FetchCooldown and FetchPollInterval tune River's polling (SQLite has
	// no LISTEN/NOTIFY): defaults 5 ms and 250 ms. The short cooldown, how
	// soon a queue with more jobs fetches again, measured at about twenty
	// times River's own defaults' throughput on SQLite. The poll is what
	// an idle queue costs: River's client starts a fetch at once for the
	// jobs it inserts itself, so polls only find jobs that another process
	// queued or whose retry came due; at 20 ms, three queues' polls (each
	// parsing River's fetch statement anew) kept an idle serve at 14% of a
	// core, 65% of it these polls.
	FetchCooldown     time.Duration
	FetchPollInterval time.Duration
	// JobTimeout bounds one attempt (default 1 minute); a job still
	// "running" RescueAfter after it started (its process died) is retried
	// (default 2 minutes).
	JobTimeout  time.Duration
	RescueAfter time.Duration
	// RetryBase and RetryMax shape the exponential backoff between
	// attempts: base·2^(attempt-1), at most max, with jitter (defaults 5 s
	// and 1 h). MaxAttempts bounds the attempts (default 25).
	RetryBase, RetryMax time.Duration
	MaxAttempts         int
}

// Jobs is the job queue.
type Jobs struct {
	client client
	cfg    Config
	sent   *sentMarks
}

// client is what Jobs uses of a River client, whatever its driver.
type client interface {
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	InsertMany(ctx context.Context, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
	JobList(ctx context.Context, params *river.JobListParams) (*river.JobListResult, error)
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
}

// Migrate creates or updates River's tables in the store's database.
func Migrate(ctx context.Context, st *store.Store) (int, error) {
	var (
		res *rivermigrate.MigrateResult
		err error
	)
	if pool := st.PgxPool(); pool != nil {
		var m *rivermigrate.Migrator[pgx.Tx]
		if m, err = rivermigrate.New(riverpgxv5.New(pool), nil); err == nil {
			res, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		}
	} else {
		var m *rivermigrate.Migrator[*sql.Tx]
		if m, err = rivermigrate.New(riversqlite.New(st.DB()), nil); err == nil {
			res, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		}
	}
	if err != nil {
		return 0, fmt.Errorf("jobs: migrating River's tables: %w", err)
	}
	return len(res.Versions), nil
}

// New returns the job queue over the store's database: on SQLite, the
// store's own write pool (Store.DB; see the README for why), on
// PostgreSQL its pgx pool.
func New(st *store.Store, cfg Config) (*Jobs, error) {
	pool := st.PgxPool()
	if pool != nil {
		// LISTEN/NOTIFY wakes the workers at once: River's own polling
		// defaults suffice, and spare the database when replicas poll.
		cfg.FetchCooldown = cmp.Or(cfg.FetchCooldown, 100*time.Millisecond)
		cfg.FetchPollInterval = cmp.Or(cfg.FetchPollInterval, time.Second)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Webhooks == nil {
		cfg.Webhooks = webhook.NewClient(10*time.Second, webhook.PublicOnly)
	}
	if cfg.Chat == nil {
		cfg.Chat = chat.NewClient(10 * time.Second)
	}
	cfg.Workers = cmp.Or(cfg.Workers, 100)
	cfg.EmailBatch = cmp.Or(cfg.EmailBatch, 50)
	cfg.FetchCooldown = cmp.Or(cfg.FetchCooldown, 5*time.Millisecond)
	cfg.FetchPollInterval = cmp.Or(cfg.FetchPollInterval, 250*time.Millisecond)
	cfg.JobTimeout = cmp.Or(cfg.JobTimeout, time.Minute)
	cfg.RescueAfter = cmp.Or(cfg.RescueAfter, 2*time.Minute)
	cfg.RetryBase = cmp.Or(cfg.RetryBase, 5*time.Second)
	cfg.RetryMax = cmp.Or(cfg.RetryMax, time.Hour)
	cfg.MaxAttempts = cmp.Or(cfg.MaxAttempts, 25)

	stubbed := cfg.Now != nil
	if !stubbed {
		cfg.Now = time.Now
	}
	j := &Jobs{cfg: cfg, sent: &sentMarks{write: cfg.Store.DeliveriesSent}}
	workers := river.NewWorkers()
	river.AddWorker(workers, &emailWorker{j: j})
	river.AddWorker(workers, &webhookWorker{j: j})
	river.AddWorker(workers, &chatWorker{j: j})
	river.AddWorker(workers, &maintenanceWorker{j: j})
	rc := &river.Config{
		Logger:               cfg.Logger.With("component", "river"),
		Workers:              workers,
		FetchCooldown:        cfg.FetchCooldown,
		FetchPollInterval:    cfg.FetchPollInterval,
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.RescueAfter,
		RetryPolicy:          backoff{base: cfg.RetryBase, max: cfg.RetryMax, now: cfg.Now},
		MaxAttempts:          cfg.MaxAttempts,
	}
	if stubbed {
		rc.Test.Time = clock(cfg.Now)
	}
	if cfg.Work {
		rc.Queues = map[string]river.QueueConfig{
			QueueEmail:       {MaxWorkers: cfg.Workers},
			QueueWebhook:     {MaxWorkers: cfg.Workers},
			QueueMaintenance: {MaxWorkers: max(cfg.Workers/5, 1)},
		}
	}
	var err error
	if pool != nil {
		j.client, err = river.NewClient(riverpgxv5.New(pool), rc)
	} else {
		j.client, err = river.NewClient(riversqlite.New(st.DB()), rc)
	}
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	return j, nil
}

// Start starts working jobs (when Work is set) until Stop.
func (j *Jobs) Start(ctx context.Context) error {
	if !j.cfg.Work {
		return nil
	}
	return j.client.Start(ctx)
}

// Stop waits for the jobs in progress (until ctx ends) and stops.
func (j *Jobs) Stop(ctx context.Context) error {
	if !j.cfg.Work {
		return nil
	}
	err := j.client.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return j.client.StopAndCancel(context.Background())
	}
	return err
}

// Handover is deliveries of the outbox handed to one job: the job
// delivers those that are still handed over to it (see
// store.ClaimDeliveries), so handing a delivery over again, to another job
// (the sweep does when it looks stuck), is harmless: the earlier job no
// longer sends it.
type Handover struct {
	DeliveryIDs []int64 `json:"delivery_ids"`
	// HandedAt is when they were handed over (their enqueued_at), in Unix
	// milliseconds.
	HandedAt int64 `json:"handed_at"`
}

// EmailArgs delivers a batch of e-mails of the outbox (up to EmailBatch).
type EmailArgs struct{ Handover }

// Kind is the job's kind in River.
func (EmailArgs) Kind() string { return "deliver_email" }

// InsertOpts puts e-mail on its own queue.
func (EmailArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: QueueEmail} }

// ChatArgs delivers one message of the outbox to one Slack or Teams
// channel.
type ChatArgs struct{ Handover }

// Kind is the job's kind in River.
func (ChatArgs) Kind() string { return "deliver_chat" }

// InsertOpts puts chat messages with the webhook events: each is one HTTP
// post that may be slow, held up by nothing else.
func (ChatArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: QueueWebhook} }

// WebhookArgs delivers one webhook event of the outbox to one endpoint.
type WebhookArgs struct{ Handover }

// Kind is the job's kind in River.
func (WebhookArgs) Kind() string { return "deliver_webhook" }

// InsertOpts puts webhooks on their own queue.
func (WebhookArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: QueueWebhook} }

// MaintenanceArgs refreshes or checks one page's token.
type MaintenanceArgs struct {
	PageID int64  `json:"page_id"`
	Op     string `json:"op"` // "refresh" or "check"
}

// Kind is the job's kind in River.
func (MaintenanceArgs) Kind() string { return "page_maintenance" }

// InsertOpts makes one job per page and operation at a time, across every
// replica.
func (MaintenanceArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMaintenance, MaxAttempts: 5, UniqueOpts: river.UniqueOpts{
		ByArgs:  true,
		ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStateScheduled},
	}}
}

// Deliver hands deliveries to jobs (alert.Queue), as the store returned
// them when it handed them over (their EnqueuedAt says when): e-mails
// handed over at the same moment in batches of up to EmailBatch, each
// webhook event on its own, so that a slow endpoint holds up nothing else.
func (j *Jobs) Deliver(ctx context.Context, ds []store.Delivery) error {
	type handover struct {
		channel string
		at      int64
	}
	var (
		order  []handover
		groups = map[handover][]int64{}
	)
	for _, d := range ds {
		h := handover{d.Channel, d.EnqueuedAt.UnixMilli()}
		if _, ok := groups[h]; !ok {
			order = append(order, h)
		}
		groups[h] = append(groups[h], d.ID)
	}
	var params []river.InsertManyParams
	for _, h := range order {
		switch h.channel {
		case store.ChannelEmail:
			for _, ids := range split(groups[h], j.cfg.EmailBatch) {
				params = append(params, river.InsertManyParams{Args: EmailArgs{Handover{DeliveryIDs: ids, HandedAt: h.at}}})
			}
		case store.ChannelWebhook:
			for _, id := range groups[h] {
				params = append(params, river.InsertManyParams{Args: WebhookArgs{Handover{DeliveryIDs: []int64{id}, HandedAt: h.at}}})
			}
		case store.ChannelSlack, store.ChannelTeams:
			for _, id := range groups[h] {
				params = append(params, river.InsertManyParams{Args: ChatArgs{Handover{DeliveryIDs: []int64{id}, HandedAt: h.at}}})
			}
		}
	}
	for len(params) > 0 {
		n := min(len(params), 1000)
		if _, err := j.client.InsertMany(ctx, params[:n]); err != nil {
			return fmt.Errorf("jobs: queueing deliveries: %w", err)
		}
		params = params[n:]
	}
	return nil
}

// split cuts ids into the fewest batches of at most size, of even sizes.
func split(ids []int64, size int) [][]int64 {
	n := (len(ids) + size - 1) / size
	out := make([][]int64, 0, n)
	for i := range n {
		out = append(out, ids[i*len(ids)/n:(i+1)*len(ids)/n])
	}
	return out
}

// Maintainer returns the alert.Maintainer that queues refreshes and checks
// as jobs, or nil when no Maintainer is configured.
func (j *Jobs) Maintainer() alert.Maintainer {
	if j.cfg.Maintainer == nil {
		return nil
	}
	return queuedMaintenance{j}
}

type queuedMaintenance struct{ j *Jobs }

func (q queuedMaintenance) Refresh(ctx context.Context, pageID int64) error {
	_, err := q.j.client.Insert(ctx, MaintenanceArgs{PageID: pageID, Op: "refresh"}, nil)
	return err
}

// QueueChecks queues a health check of each page, in one insert.
func (j *Jobs) QueueChecks(ctx context.Context, pageIDs []int64) error {
	if len(pageIDs) == 0 {
		return nil
	}
	params := make([]river.InsertManyParams, len(pageIDs))
	for i, id := range pageIDs {
		params[i] = river.InsertManyParams{Args: MaintenanceArgs{PageID: id, Op: "check"}}
	}
	_, err := j.client.InsertMany(ctx, params)
	return err
}

func (q queuedMaintenance) Check(ctx context.Context, pageID int64) error {
	_, err := q.j.client.Insert(ctx, MaintenanceArgs{PageID: pageID, Op: "check"}, nil)
	return err
}

// backoff is an exponential retry policy with jitter.
type backoff struct {
	base, max time.Duration
	now       func() time.Time // time.Now if nil
}

func (b backoff) NextRetry(job *rivertype.JobRow) time.Time {
	d := b.delay(max(len(job.Errors), 1))           // this attempt's error is already counted
	d += time.Duration(rand.Int64N(int64(d)/5 + 1)) // up to 20% jitter
	if b.now != nil {
		return b.now().Add(d)
	}
	return time.Now().Add(d)
}

// clock is a River time generator that reads Config.Now: River schedules
// retries and picks the jobs due by it.
type clock func() time.Time

func (c clock) Now() time.Time { return c() }

func (c clock) NowOrNil() *time.Time {
	t := c()
	return &t
}

// delay is the wait before the retry of the nth failed attempt, jitter
// aside (it adds at most a fifth).
func (b backoff) delay(n int) time.Duration {
	d := b.base
	for i := 1; i < n && d < b.max; i++ {
		d *= 2
	}
	return min(d, b.max)
}
