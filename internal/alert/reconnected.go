package alert

import (
	"context"
	"strconv"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/connection"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/webhook"
)

// Renewed announces a page renewed by a new grant (connection.Renewer).
func (s *Sweeper) Renewed(ctx context.Context, page *tokenwatch.Page) error {
	return s.Reconnected(ctx, page.ID)
}

// Reconnected emits page.reconnected to the active webhook endpoints of the
// page's account. The reconnect flow calls it once the new grant is saved
// (store.SaveGrant with NewGeneration); calling it again for the same
// generation sends nothing more.
func (s *Sweeper) Reconnected(ctx context.Context, pageID int64) error {
	p, err := s.st.GetPage(ctx, pageID)
	if err != nil {
		return err
	}
	loc, err := s.st.GetLocation(ctx, p.LocationID)
	if err != nil {
		return err
	}
	eps, err := s.st.WebhookEndpoints(ctx, []int64{p.AccountID}, true)
	if err != nil || len(eps[p.AccountID]) == 0 {
		return err
	}
	now := s.opts.Now().UTC()
	d, err := connection.Policies{Store: s.st, Default: s.opts.Policy}.Evaluate(ctx, p, now)
	if err != nil {
		return err
	}
	ev := webhook.Event{ID: webhook.EventID(p.ID, p.Generation, "reconnected"), Type: webhook.PageReconnected, CreatedAt: now,
		Data: webhook.Data{Page: PageData(p, loc, d)}}
	body, err := webhook.Marshal(ev)
	if err != nil {
		return err
	}
	var ds []store.Delivery
	for _, ep := range eps[p.AccountID] {
		ds = append(ds, store.Delivery{Channel: store.ChannelWebhook, Key: ev.ID + "/" + strconv.FormatInt(ep.ID, 10),
			AccountID: p.AccountID, EndpointID: ep.ID, PageIDs: []int64{p.ID}, Payload: body})
	}
	queued, err := s.st.QueueDeliveries(ctx, ds)
	if err != nil || s.opts.Queue == nil || len(queued) == 0 {
		return err
	}
	return s.opts.Queue.Deliver(ctx, queued)
}
