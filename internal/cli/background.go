package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/tokenwatch/tokenwatch/internal/alert"
	"github.com/tokenwatch/tokenwatch/internal/config"
	"github.com/tokenwatch/tokenwatch/internal/jobs"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/mail"
	"github.com/tokenwatch/tokenwatch/internal/metrics"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/webhook"
)

// background is the work that runs beside the web server: the alert sweep
// every TOKENWATCH_SWEEP_INTERVAL and the River workers that deliver.
type background struct {
	cfg     *config.Config
	st      *store.Store
	log     *slog.Logger
	jobs    *jobs.Jobs
	sweeper *alert.Sweeper
	metrics *metrics.Metrics
	sender  mail.Sender // nil without SMTP
	closer  io.Closer
}

// newSender is how e-mail leaves: the demo's outbox, SMTP, or nothing
// (then alerts wait in the database and are retried).
func newSender(cfg *config.Config, st *store.Store, log *slog.Logger, outbox, work bool) (mail.Sender, io.Closer, error) {
	switch {
	case outbox:
		return mail.Outbox{Store: st}, nil, nil
	case !cfg.SMTPURL.IsZero():
		smtp, err := mail.NewSMTP(cfg.SMTPURL, cfg.MailFrom, mail.SMTPOptions{})
		if err != nil {
			return nil, nil, err
		}
		return smtp, smtp, nil
	case work:
		log.Warn("TOKENWATCH_SMTP_URL is not set: e-mail alerts wait in the outbox and are retried")
	}
	return nil, nil, nil
}

// backgroundOptions says how the background work is set up.
type backgroundOptions struct {
	// Work makes this process deliver; false only queues (sweep --once).
	Work bool
	// Sender sends e-mail (nil: none is configured; alerts wait), and
	// Closer, if set, is closed when the work stops (see newSender).
	Sender mail.Sender
	Closer io.Closer
	// Explain makes each sweep's report say what it did with every due
	// page (sweep --once).
	Explain bool
	// Maintainer refreshes and checks the tokens the sweep hands over.
	Maintainer alert.Maintainer
	// Webhooks are the addresses webhook deliveries may go to.
	Webhooks webhook.Targets
	// Now is the sweep's clock (the store's); time.Now if nil. Only the
	// bench sets it, to sweep at the moments its pages cross thresholds.
	Now func() time.Time
}

// webhookTargets are the addresses webhooks may go to: public ones only,
// unless the operator allows private ones or this is the demo.
func webhookTargets(cfg *config.Config, demo bool) webhook.Targets {
	if demo || cfg.WebhookAllowPrivate {
		return webhook.AnyAddress
	}
	return webhook.PublicOnly
}

// newBackground migrates River's tables and sets up the jobs and the
// sweeper. River shares the store's write pool: see the README.
func newBackground(ctx context.Context, cfg *config.Config, st *store.Store, log *slog.Logger, o backgroundOptions) (*background, error) {
	if _, err := migrateJobs(ctx, st); err != nil {
		return nil, err
	}
	policy, err := policyFrom(cfg)
	if err != nil {
		return nil, err
	}
	b := &background{cfg: cfg, st: st, log: log, metrics: metrics.New(), sender: o.Sender, closer: o.Closer}
	b.metrics.WatchPages(st.PagesByState)
	sender := o.Sender
	// A job still running twice its timeout after it started belongs to a
	// process that died (a replica killed mid-delivery): another takes it
	// over. A delivery still pending that long after it was handed over may
	// never have reached the queue (a crash right after the sweep's
	// commit): the sweep hands it over again, harmlessly if it did.
	stuck := 2 * cfg.JobTimeout
	b.jobs, err = jobs.New(st, jobs.Config{Store: st, Logger: log, Mail: sender, Observer: b.metrics, Work: o.Work,
		Maintainer: o.Maintainer, JobTimeout: cfg.JobTimeout, RescueAfter: stuck, Webhooks: webhook.NewClient(10*time.Second, o.Webhooks),
		BaseURL: cfg.BaseURL, AllowPrivateChannels: o.Webhooks == webhook.AnyAddress})
	if err != nil {
		return nil, err
	}
	b.sweeper = alert.New(st, alert.Options{Policy: policy, BaseURL: cfg.BaseURL, MailFrom: cfg.MailFrom, Queue: b.jobs, Explain: o.Explain,
		Maintainer: b.jobs.Maintainer(), Logger: log, Requeue: stuck, Now: o.Now})
	return b, nil
}

// start starts the workers and the sweep loop; stop ends them.
func (b *background) start(ctx context.Context) (stop func(), err error) {
	if err := b.jobs.Start(ctx); err != nil {
		return nil, err
	}
	loopCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.loop(loopCtx)
	}()
	return func() {
		cancel()
		<-done
		stopCtx, cancelStop := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancelStop()
		if err := b.jobs.Stop(stopCtx); err != nil {
			b.log.Warn("stopping the workers", "err", err)
		}
		if b.closer != nil {
			b.closer.Close()
		}
	}, nil
}

// loop sweeps at once and then every SweepInterval until ctx ends.
func (b *background) loop(ctx context.Context) {
	t := time.NewTicker(b.cfg.SweepInterval)
	defer t.Stop()
	for {
		rep, err := b.sweep(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			b.log.Error("sweep failed", "err", err)
		case rep.Claimed > 0 || rep.Requeued > 0:
			b.log.Info("sweep", "claimed", rep.Claimed, "alerts", sum(rep.Alerts), "deliveries", sum(rep.Deliveries),
				"requeued", rep.Requeued, "duration", rep.Duration)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (b *background) sweep(ctx context.Context) (alert.Report, error) {
	rep, err := b.sweeper.Sweep(ctx)
	b.metrics.ObserveSweep(rep)
	return rep, err
}

func sum[K comparable](m map[K]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// describe prints a report in one line: what was found and queued.
func describe(rep alert.Report) string {
	byKey := func(m map[string]int) string {
		if len(m) == 0 {
			return "none"
		}
		var keys []string
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
		}
		return strings.Join(parts, ", ")
	}
	steps := func(m map[lifecycle.Step]int) map[string]int {
		out := map[string]int{}
		for k, v := range m {
			out[string(k)] = v
		}
		return out
	}
	lines := ""
	for _, l := range rep.Lines {
		lines += "  " + l + "\n"
	}
	return fmt.Sprintf("pages due: %d\n"+lines+"pages alerted by step: %s\nalerts recorded by step: %s\ndaily digests due: %d\ndeliveries queued: %s\npending deliveries queued again: %d\nrefreshes handed over: %d, health checks: %d\ntook %v\n",
		rep.Claimed, byKey(steps(rep.Pages)), byKey(steps(rep.Alerts)), rep.Digests, byKey(rep.Deliveries), rep.Requeued, rep.Refreshes, rep.Checks,
		rep.Duration.Round(time.Millisecond))
}
