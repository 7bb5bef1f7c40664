package web

import (
	"context"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/wording"
)

// pageView is a page as a signed-in user sees it: its state now, its
// deadline in words, who may fix it and what is at risk.
type pageView struct {
	*tokenwatch.Page
	Location     *tokenwatch.Location
	State        tokenwatch.State
	Deadline     time.Time
	DeadlineText string
	// CanReconnect says the viewer may reconnect it; otherwise Admin (the
	// page admin) is whom to contact.
	CanReconnect bool
	Admin        *tokenwatch.User
	Risk         store.Risk
}

// pageViews returns every page of the user's locations, evaluated now.
func (s *Server) pageViews(ctx context.Context, u *tokenwatch.User) ([]pageView, []store.LocationRole, error) {
	locs, err := s.store.UserLocations(ctx, u.ID)
	if err != nil {
		return nil, nil, err
	}
	if len(locs) == 0 {
		return nil, locs, nil
	}
	byLoc := map[int64]store.LocationRole{}
	ids := make([]int64, len(locs))
	for i, l := range locs {
		byLoc[l.ID] = l
		ids[i] = l.ID
	}
	pages, err := s.store.ListPages(ctx, store.PageFilter{AccountID: u.AccountID, LocationIDs: ids})
	if err != nil {
		return nil, nil, err
	}
	acct, err := s.store.GetAccount(ctx, u.AccountID)
	if err != nil {
		return nil, nil, err
	}
	users, err := s.store.ListUsers(ctx, u.AccountID)
	if err != nil {
		return nil, nil, err
	}
	byUser := map[int64]*tokenwatch.User{}
	for _, x := range users {
		byUser[x.ID] = x
	}
	pageIDs := make([]int64, len(pages))
	for i, p := range pages {
		pageIDs[i] = p.ID
	}
	risks, err := s.store.PostsAtRisk(ctx, pageIDs)
	if err != nil {
		return nil, nil, err
	}
	policy := s.opts.Policy.WithThresholds(acct.AlertThresholds)
	now := s.now()
	out := make([]pageView, 0, len(pages))
	for _, p := range pages {
		lr := byLoc[p.LocationID]
		d := policy.Evaluate(lifecycle.FactsOf(p), nil, now)
		out = append(out, pageView{
			Page:         p,
			Location:     lr.Location,
			State:        d.State,
			Deadline:     d.Deadline,
			DeadlineText: wording.Deadline(d.Deadline, now, lr.Location.Loc()),
			CanReconnect: lr.Role.CanReconnect(),
			Admin:        byUser[p.ConnectedBy],
			Risk:         risks[p.ID],
		})
	}
	return out, locs, nil
}
