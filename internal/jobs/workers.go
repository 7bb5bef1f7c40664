package jobs

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/chat"
	"github.com/tokenwatch/tokenwatch/internal/mail"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/webhook"
)

// retryOutput is what an attempt that hands deliveries back for a retry
// records on its job (River keeps it in the job's metadata): the moment
// they are handed over at, which the retry claims them by.
type retryOutput struct {
	HandedAt int64 `json:"handed_at"`
}

// handedAt returns the moment the job's deliveries are handed over at: the
// last attempt's hand-back, or else the job's hand-over.
func handedAt(job *rivertype.JobRow, h Handover) time.Time {
	var md struct {
		Output *retryOutput `json:"output"`
	}
	if json.Unmarshal(job.Metadata, &md) == nil && md.Output != nil {
		return time.UnixMilli(md.Output.HandedAt)
	}
	return time.UnixMilli(h.HandedAt)
}

// deliver makes one attempt at the deliveries handed to a job: it claims
// those still handed over to it, sends each with send and records each
// outcome as it goes. Those that failed in a way worth retrying, and those
// it had no time for, are handed back to the job, which fails so that
// River retries it with backoff; the retry claims only them.
func (j *Jobs) deliver(ctx context.Context, job *rivertype.JobRow, h Handover, send func(context.Context, *store.Delivery) error) error {
	ds, err := j.cfg.Store.ClaimDeliveries(ctx, h.DeliveryIDs, handedAt(job, h), j.cfg.JobTimeout)
	if err != nil || len(ds) == 0 {
		return err
	}
	var (
		unmarked []*markGroup // the mark of each message sent, until written
		markErr  error
		sent     []int64
		retries  []store.DeliveryRetry
		cause    error
	)
	for _, d := range ds {
		// A message goes out once the one before the last is marked sent:
		// however slow the store, a kill repeats few.
		for ; len(unmarked) > 1; unmarked = unmarked[1:] {
			markErr = errors.Join(markErr, unmarked[0].wait())
		}
		err := ctx.Err() // out of time: the rest waits for the retry
		if err == nil {
			err = send(ctx, d)
		}
		switch {
		case err == nil:
			j.observe(d, nil, false)
			sent = append(sent, d.ID)
			unmarked = append(unmarked, j.sent.add(d.ID))
		case ctx.Err() != nil && errors.Is(err, ctx.Err()):
			retries = append(retries, store.DeliveryRetry{ID: d.ID})
			cause = err
		default:
			if !j.failed(ctx, d, err) {
				retries = append(retries, store.DeliveryRetry{ID: d.ID, Reason: tokenwatch.ErrorMessage(err)})
				cause = err
			}
		}
	}
	// What happened is recorded even if the attempt's time ran out
	// meanwhile: a message that went out must not be sent again.
	ctx = context.WithoutCancel(ctx)
	for _, g := range unmarked {
		markErr = errors.Join(markErr, g.wait())
	}
	if markErr != nil {
		// Try once more, for these alone.
		if err := j.cfg.Store.DeliveriesSent(ctx, sent); err != nil {
			return fmt.Errorf("recording %d deliveries as sent: %w", len(sent), err)
		}
	}
	if len(retries) == 0 {
		return nil
	}
	// Handed back at the latest moment River's retry can come (the backoff
	// plus its jitter): until then, and the sweep's margin after, they do
	// not look stuck.
	after := backoff{base: j.cfg.RetryBase, max: j.cfg.RetryMax}.delay(len(job.Errors) + 1)
	// A receiver that asked to wait longer (429 with Retry-After) is given
	// that time: the job is snoozed rather than failed.
	wait := retryAfter(cause)
	if wait > after {
		after = wait
	}
	at, err := j.cfg.Store.RetryDeliveries(ctx, ds[0].EnqueuedAt, retries, after*6/5)
	if err != nil {
		return fmt.Errorf("handing %d deliveries back for a retry: %w", len(retries), err)
	}
	if err := river.RecordOutput(ctx, retryOutput{HandedAt: at.UnixMilli()}); err != nil {
		return err
	}
	if wait > 0 && wait == after {
		return river.JobSnooze(wait)
	}
	return fmt.Errorf("%d of %d deliveries to retry: %w", len(retries), len(ds), cause)
}

// retryAfter is how long the receiver asked to wait before the next
// attempt (a *chat.RateLimited in err's chain), zero if it did not.
func retryAfter(err error) time.Duration {
	var ra interface{ RetryAfter() time.Duration }
	if errors.As(err, &ra) {
		return ra.RetryAfter()
	}
	return 0
}

// failed records a failed attempt at a delivery: a permanent failure on the
// delivery and its pages, and logged (it is not retried); it reports
// whether it was one. Any other failure is logged, to be retried.
func (j *Jobs) failed(ctx context.Context, d *store.Delivery, err error) (permanent bool) {
	permanent = errors.Is(err, tokenwatch.ErrPermanent)
	j.observe(d, err, permanent)
	if !permanent {
		j.cfg.Logger.Warn("delivery failed, will retry", "channel", d.Channel, "delivery", d.ID, "err", err)
		return false
	}
	j.cfg.Logger.Error("delivery failed for good", "channel", d.Channel, "delivery", d.ID, "pages", d.PageIDs, "err", tokenwatch.ErrorMessage(err))
	if serr := j.cfg.Store.DeliveryFailed(context.WithoutCancel(ctx), d.ID, tokenwatch.ErrorMessage(err)); serr != nil {
		j.cfg.Logger.Error("recording a failed delivery", "delivery", d.ID, "err", serr)
		return false // tried again, it fails again and is recorded then
	}
	return true
}

func (j *Jobs) observe(d *store.Delivery, err error, permanent bool) {
	if o := j.cfg.Observer; o != nil {
		o.Delivered(d.Channel, err, permanent)
	}
}

type emailWorker struct {
	river.WorkerDefaults[EmailArgs]
	j *Jobs
}

func (w *emailWorker) Work(ctx context.Context, job *river.Job[EmailArgs]) error {
	if w.j.cfg.Mail == nil {
		return fmt.Errorf("no mail sender configured (set TOKENWATCH_SMTP_URL)")
	}
	return w.j.deliver(ctx, job.JobRow, job.Args.Handover, w.send)
}

func (w *emailWorker) send(ctx context.Context, d *store.Delivery) error {
	var dg mail.Digest
	if err := json.Unmarshal([]byte(d.Payload), &dg); err != nil {
		return tokenwatch.WrapError(tokenwatch.CodeInvalid, err, "The stored digest cannot be read")
	}
	// The one-click unsubscribe link carries the recipient's secret: it is
	// put in now, never stored with the digest. An alert goes out even if
	// the link cannot be made (its secret sealed under a key this process
	// does not hold): being told beats the footer.
	if base := cmp.Or(dg.BaseURL, w.j.cfg.BaseURL); base != "" && d.UserID != 0 {
		token, err := w.j.cfg.Store.UnsubscribeToken(ctx, d.UserID)
		switch {
		case err == nil:
			dg.UnsubscribeURL = strings.TrimRight(base, "/") + "/unsubscribe/" + token.Reveal()
		case ctx.Err() != nil:
			return ctx.Err()
		case !tokenwatch.IsNotFound(err):
			w.j.cfg.Logger.Warn("no unsubscribe link for an e-mail", "delivery", d.ID, "user", d.UserID, "err", err)
		}
	}
	msg, err := mail.Render(dg)
	if err != nil {
		return tokenwatch.WrapError(tokenwatch.CodeInvalid, err, "The digest cannot be rendered")
	}
	return w.j.cfg.Mail.Send(ctx, msg)
}

type webhookWorker struct {
	river.WorkerDefaults[WebhookArgs]
	j *Jobs
}

func (w *webhookWorker) Work(ctx context.Context, job *river.Job[WebhookArgs]) error {
	return w.j.deliver(ctx, job.JobRow, job.Args.Handover, w.send)
}

func (w *webhookWorker) send(ctx context.Context, d *store.Delivery) error {
	ep, secret, err := w.j.cfg.Store.WebhookEndpoint(ctx, d.EndpointID)
	if tokenwatch.IsNotFound(err) || (err == nil && !ep.Active) {
		return tokenwatch.Errorf(tokenwatch.CodeInvalid, "The webhook endpoint was removed or turned off")
	}
	if err != nil {
		return err
	}
	var ev webhook.Event
	if err := json.Unmarshal([]byte(d.Payload), &ev); err != nil {
		return tokenwatch.WrapError(tokenwatch.CodeInvalid, err, "The stored event cannot be read")
	}
	return w.j.cfg.Webhooks.Send(ctx, ep.URL, secret, ev.Type, ev.ID, []byte(d.Payload))
}

type chatWorker struct {
	river.WorkerDefaults[ChatArgs]
	j *Jobs
}

func (w *chatWorker) Work(ctx context.Context, job *river.Job[ChatArgs]) error {
	return w.j.deliver(ctx, job.JobRow, job.Args.Handover, w.send)
}

// send posts a chat message of the outbox to its channel. A channel removed
// meanwhile, or whose address is no longer one tokenwatch may post to, is
// a permanent failure.
func (w *chatWorker) send(ctx context.Context, d *store.Delivery) error {
	c, webhook, err := w.j.cfg.Store.ChannelURL(ctx, d.ChannelID)
	if tokenwatch.IsNotFound(err) {
		return tokenwatch.WrapError(tokenwatch.CodeInvalid, tokenwatch.Permanent(err), "The channel was removed")
	}
	if err != nil {
		return err
	}
	kind := chat.Kind(c.Kind)
	if err := chat.CheckURL(kind, webhook.Reveal(), w.j.cfg.AllowPrivateChannels); err != nil {
		return tokenwatch.WrapError(tokenwatch.CodeInvalid, tokenwatch.Permanent(err), "%s", tokenwatch.ErrorMessage(err))
	}
	var m chat.Message
	if err := json.Unmarshal([]byte(d.Payload), &m); err != nil {
		return tokenwatch.WrapError(tokenwatch.CodeInvalid, tokenwatch.Permanent(err), "The stored message cannot be read")
	}
	_, err = w.j.cfg.Chat.Send(ctx, kind, webhook, m)
	return err
}

type maintenanceWorker struct {
	river.WorkerDefaults[MaintenanceArgs]
	j *Jobs
}

func (w *maintenanceWorker) Work(ctx context.Context, job *river.Job[MaintenanceArgs]) error {
	m := w.j.cfg.Maintainer
	if m == nil {
		return nil
	}
	if job.Args.Op == "refresh" {
		return m.Refresh(ctx, job.Args.PageID)
	}
	return m.Check(ctx, job.Args.PageID)
}
