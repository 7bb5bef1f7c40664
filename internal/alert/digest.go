package alert

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/mail"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// digestBatch is how many people's daily digests are claimed at once.
const digestBatch = 100

// digests sends the daily digests that are due: each person who chose one
// gets, at their hour, the alerts recorded for them since their last one,
// about the pages that still need a person.
func (s *Sweeper) digests(ctx context.Context, rep *Report) error {
	for range maxBatches {
		now := s.opts.Now().UTC()
		queued, n, err := s.st.ClaimDigests(ctx, digestBatch, func(ds []*store.Digest) ([]store.Delivery, error) {
			return s.buildDigests(ctx, ds, now)
		})
		if err != nil {
			return fmt.Errorf("daily digests: %w", err)
		}
		rep.Digests += n
		for _, d := range queued {
			rep.Deliveries[d.Channel]++
		}
		if s.opts.Queue != nil && len(queued) > 0 {
			if err := s.opts.Queue.Deliver(ctx, queued); err != nil {
				s.opts.Logger.Warn("handing digests to the queue", "deliveries", len(queued), "err", err)
			}
		}
		if n < digestBatch {
			return nil
		}
	}
	return nil
}

// buildDigests makes the e-mails of due daily digests (inside the claiming
// transaction; it only reads). A page is listed once, with its latest
// alert, and only while that alert is still true: a page reconnected or
// healthy since is left out, and a digest left empty sends nothing.
func (s *Sweeper) buildDigests(ctx context.Context, ds []*store.Digest, now time.Time) ([]store.Delivery, error) {
	var pageIDs []int64
	for _, d := range ds {
		for _, a := range d.Alerts {
			pageIDs = append(pageIDs, a.PageID)
		}
	}
	pageIDs = unique(pageIDs)
	pages, err := s.st.PagesByID(ctx, pageIDs)
	if err != nil {
		return nil, err
	}
	var all []*tokenwatch.Page
	for _, p := range pages {
		all = append(all, p)
	}
	b := newBatch()
	if err := s.load(ctx, b, all); err != nil {
		return nil, err
	}
	if err := s.loadRecipients(ctx, b, all); err != nil {
		return nil, err
	}
	risks, err := s.st.PostsAtRisk(ctx, pageIDs)
	if err != nil {
		return nil, err
	}
	accounts := map[int64]*tokenwatch.Account{}
	for _, d := range ds {
		accounts[d.User.AccountID] = nil
	}
	var acctIDs []int64
	for id := range accounts {
		acctIDs = append(acctIDs, id)
	}
	if accounts, err = s.st.AccountsByID(ctx, acctIDs); err != nil {
		return nil, err
	}
	domain := mail.Domain(s.opts.MailFrom)
	var out []store.Delivery
	for _, d := range ds {
		latest := map[int64]store.DigestAlert{}
		var order []int64
		for _, a := range d.Alerts {
			if _, ok := latest[a.PageID]; !ok {
				order = append(order, a.PageID)
			}
			latest[a.PageID] = a
		}
		var (
			items []mail.Item
			ids   []int64
		)
		for _, id := range order {
			a, p := latest[id], pages[id]
			if p == nil || p.Generation != a.Generation || !p.State.IsIssue() {
				continue // gone, reconnected or healthy since: no longer true
			}
			policy, ok := b.policies[p.AccountID]
			if !ok {
				policy = s.opts.Policy
			}
			dec := policy.Evaluate(lifecycle.FactsOf(p), nil, now)
			dec.Due = lifecycle.Step(a.Step)
			dd := s.describe(p, dec, b, risks[p.ID], now)
			items = append(items, s.itemFor(dd.item, p, *d.User, b))
			ids = append(ids, p.ID)
		}
		if len(items) == 0 {
			continue
		}
		sortItems(items)
		dg := mail.Digest{MessageID: mail.MessageID([]string{fmt.Sprintf("digest.u%d.%d", d.User.ID, d.Due.Unix())}, domain), To: d.User.Email,
			Name: d.User.Name, At: now, Items: items, TimeZone: d.Prefs.Zone, Daily: true, More: d.More, BaseURL: s.opts.BaseURL}
		if a := accounts[d.User.AccountID]; a != nil {
			dg.Account = a.Name
		}
		payload, err := json.Marshal(dg)
		if err != nil {
			return nil, err
		}
		out = append(out, store.Delivery{Channel: store.ChannelEmail, Key: dg.MessageID, AccountID: d.User.AccountID, UserID: d.User.ID,
			PageIDs: ids, Payload: string(payload)})
	}
	return out, nil
}
