package jobs

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/mail"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/webhook"
)

// pending returns the delivery if it is still to be sent; nil if it was
// sent or failed already (a repeated job) or is gone with its account.
func (j *Jobs) pending(ctx context.Context, id int64) (*store.Delivery, error) {
	d, err := j.cfg.Store.GetDelivery(ctx, id)
	if tokenwatch.IsNotFound(err) {
		return nil, nil
	}
	if err != nil || d.Status != store.DeliveryPending {
		return nil, err
	}
	return d, nil
}

// settle records the outcome of an attempt and tells River what to do: a
// permanent failure is recorded on the delivery and its pages, logged, and
// cancelled (never retried); any other failure is retried with backoff.
func (j *Jobs) settle(ctx context.Context, d *store.Delivery, err error) error {
	// What happened is recorded even if the attempt's time ran out
	// meanwhile: a message that went out must not be sent again.
	ctx = context.WithoutCancel(ctx)
	permanent := err != nil && (tokenwatch.ErrorCode(err) == tokenwatch.CodeInvalid)
	if o := j.cfg.Observer; o != nil {
		o.Delivered(d.Channel, err, permanent)
	}
	switch {
	case err == nil:
		return j.cfg.Store.DeliverySent(ctx, d.ID)
	case permanent:
		j.cfg.Logger.Error("delivery failed for good", "channel", d.Channel, "delivery", d.ID, "pages", d.PageIDs, "err", tokenwatch.ErrorMessage(err))
		if serr := j.cfg.Store.DeliveryFailed(ctx, d.ID, tokenwatch.ErrorMessage(err)); serr != nil {
			return serr
		}
		return river.JobCancel(err)
	}
	j.cfg.Logger.Warn("delivery failed, will retry", "channel", d.Channel, "delivery", d.ID, "err", err)
	if serr := j.cfg.Store.DeliveryAttemptFailed(ctx, d.ID, tokenwatch.ErrorMessage(err)); serr != nil {
		j.cfg.Logger.Error("recording a failed attempt", "delivery", d.ID, "err", serr)
	}
	return err
}

type emailWorker struct {
	river.WorkerDefaults[EmailArgs]
	j *Jobs
}

func (w *emailWorker) Work(ctx context.Context, job *river.Job[EmailArgs]) error {
	d, err := w.j.pending(ctx, job.Args.DeliveryID)
	if err != nil || d == nil {
		return err
	}
	if w.j.cfg.Mail == nil {
		return fmt.Errorf("no mail sender configured (set TOKENWATCH_SMTP_URL)")
	}
	var dg mail.Digest
	if err := json.Unmarshal([]byte(d.Payload), &dg); err != nil {
		return w.j.settle(ctx, d, tokenwatch.WrapError(tokenwatch.CodeInvalid, err, "The stored digest cannot be read"))
	}
	msg, err := mail.Render(dg)
	if err != nil {
		return w.j.settle(ctx, d, tokenwatch.WrapError(tokenwatch.CodeInvalid, err, "The digest cannot be rendered"))
	}
	return w.j.settle(ctx, d, w.j.cfg.Mail.Send(ctx, msg))
}

type webhookWorker struct {
	river.WorkerDefaults[WebhookArgs]
	j *Jobs
}

func (w *webhookWorker) Work(ctx context.Context, job *river.Job[WebhookArgs]) error {
	d, err := w.j.pending(ctx, job.Args.DeliveryID)
	if err != nil || d == nil {
		return err
	}
	ep, secret, err := w.j.cfg.Store.WebhookEndpoint(ctx, d.EndpointID)
	if tokenwatch.IsNotFound(err) || (err == nil && !ep.Active) {
		return w.j.settle(ctx, d, tokenwatch.Errorf(tokenwatch.CodeInvalid, "The webhook endpoint was removed or turned off"))
	}
	if err != nil {
		return err
	}
	var ev webhook.Event
	if err := json.Unmarshal([]byte(d.Payload), &ev); err != nil {
		return w.j.settle(ctx, d, tokenwatch.WrapError(tokenwatch.CodeInvalid, err, "The stored event cannot be read"))
	}
	return w.j.settle(ctx, d, w.j.cfg.Webhooks.Send(ctx, ep.URL, secret, ev.Type, ev.ID, []byte(d.Payload)))
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
