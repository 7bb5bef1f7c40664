package web

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/access"
	"github.com/tokenwatch/tokenwatch/internal/connection"
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
	// NeedsReconnect says the page is an issue: listed, counted, marked.
	NeedsReconnect bool
	// Publishable says posts can go out on it now; when not, the post form
	// asks to reconnect it first.
	Publishable bool
	// Problem says in a sentence what the state means and what to do.
	Problem string
	// CanReconnect says the viewer may reconnect it; otherwise Admin (the
	// page admin) is whom to contact.
	CanReconnect bool
	Admin        *tokenwatch.User
	Risk         store.Risk
	// RiskText is the posts at risk in words, empty when there are none.
	RiskText string
}

// pageViews returns every page of the user's locations, evaluated now,
// with the user's locations and the account's alert thresholds.
func (s *Server) pageViews(ctx context.Context, u *tokenwatch.User) ([]pageView, []store.LocationRole, []time.Duration, error) {
	locs, err := s.store.UserLocations(ctx, u.ID)
	if err != nil {
		return nil, nil, nil, err
	}
	policy, err := connection.Policies{Store: s.store, Default: s.opts.Policy}.For(ctx, u.AccountID)
	if err != nil {
		return nil, nil, nil, err
	}
	if len(locs) == 0 {
		return nil, locs, policy.Thresholds(), nil
	}
	byLoc := map[int64]store.LocationRole{}
	ids := make([]int64, len(locs))
	actor := userActor(u, locs)
	for i, l := range locs {
		byLoc[l.ID] = l
		ids[i] = l.ID
	}
	pages, err := s.store.ListPages(ctx, store.PageFilter{AccountID: u.AccountID, LocationIDs: ids})
	if err != nil {
		return nil, nil, nil, err
	}
	users, err := s.store.ListUsers(ctx, u.AccountID)
	if err != nil {
		return nil, nil, nil, err
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
		return nil, nil, nil, err
	}
	now := s.now()
	out := make([]pageView, 0, len(pages))
	for _, p := range pages {
		lr := byLoc[p.LocationID]
		d := policy.Evaluate(lifecycle.FactsOf(p), nil, now)
		risk := risks[p.ID]
		out = append(out, pageView{
			Page:           p,
			Location:       lr.Location,
			State:          d.State,
			Deadline:       d.Deadline,
			DeadlineText:   wording.Deadline(d.Deadline, now, lr.Location.Loc()),
			NeedsReconnect: d.State.IsIssue(),
			Publishable:    d.State.Publishable(),
			Problem:        wording.Problem(d.State, p.Provider),
			CanReconnect:   access.Decide(actor, access.Reconnect, access.Target{AccountID: p.AccountID, LocationID: p.LocationID, PageID: p.ID}) == access.Allowed,
			Admin:          byUser[p.ConnectedBy],
			Risk:           risk,
			RiskText:       riskText(risk, lr.Location.Loc()),
		})
	}
	return out, locs, policy.Thresholds(), nil
}

// userActor is what access needs to know of a signed-in user: their
// account, ownership and role at each of their locations.
func userActor(u *tokenwatch.User, locs []store.LocationRole) access.Actor {
	a := access.Actor{Kind: access.KindUser, AccountID: u.AccountID, UserID: u.ID, Owner: u.AccountOwner, Roles: map[int64]tokenwatch.Role{}}
	for _, l := range locs {
		a.Roles[l.ID] = l.Role
	}
	return a
}

// riskText says how many posts are at risk and when the first one is due.
func riskText(r store.Risk, tz *time.Location) string {
	switch r.Posts {
	case 0:
		return ""
	case 1:
		return "1 post, " + r.Earliest.In(tz).Format("Mon 2 Jan 15:04")
	}
	return fmt.Sprintf("%d posts, the first %s", r.Posts, r.Earliest.In(tz).Format("Mon 2 Jan 15:04"))
}

// worstFirst sorts pages worst state first, then by nearest deadline (none
// last), location and name.
func worstFirst(views []pageView) {
	slices.SortStableFunc(views, func(a, b pageView) int {
		if c := cmp.Compare(b.State.Severity(), a.State.Severity()); c != 0 {
			return c
		}
		if a.Deadline.IsZero() != b.Deadline.IsZero() {
			if a.Deadline.IsZero() {
				return 1
			}
			return -1
		}
		if c := a.Deadline.Compare(b.Deadline); c != 0 {
			return c
		}
		return cmp.Or(cmp.Compare(a.Location.Name, b.Location.Name), cmp.Compare(a.Name, b.Name))
	})
}

// scope is everything the signed-in user may see: their locations, with
// their role there, and every page of those locations. Handlers look ids up
// here, so an id outside the user's locations is simply not found.
type scope struct {
	Locations  []store.LocationRole
	Pages      []pageView
	Thresholds []time.Duration
}

// scopeOf returns the scope of the request's user, computed once per
// request (the menu, the pop-up and the handler all need it).
func (s *Server) scopeOf(r *http.Request) (*scope, error) {
	sess := sessionFrom(r.Context())
	if sess.scope == nil {
		views, locs, thresholds, err := s.pageViews(r.Context(), sess.User)
		if err != nil {
			return nil, err
		}
		sess.scope = &scope{Locations: locs, Pages: views, Thresholds: thresholds}
	}
	return sess.scope, nil
}

// scopeAt returns the user's scope and the location the request's query
// names ("location"), zero for none; not found if it is not theirs.
func (s *Server) scopeAt(r *http.Request) (*scope, int64, error) {
	sc, err := s.scopeOf(r)
	if err != nil {
		return nil, 0, err
	}
	locID, err := sc.locationParam(r.URL.Query().Get("location"))
	return sc, locID, err
}

// errNotFound is what any id outside the user's scope gets: the same answer
// as an id that does not exist, so ids of other locations do not leak.
func errNotFound(what string) error {
	return tokenwatch.Errorf(tokenwatch.CodeNotFound, "There is no such %s, or it is not one of yours.", what)
}

// location returns the user's location with the id, not found otherwise.
func (sc *scope) location(id int64) (store.LocationRole, error) {
	for _, l := range sc.Locations {
		if l.ID == id {
			return l, nil
		}
	}
	return store.LocationRole{}, errNotFound("location")
}

// page returns the page with the id if it is at one of the user's
// locations, not found otherwise.
func (sc *scope) page(id int64) (pageView, error) {
	for _, p := range sc.Pages {
		if p.ID == id {
			return p, nil
		}
	}
	return pageView{}, errNotFound("page")
}

// locationParam reads an optional location id from a query or form value:
// zero when empty, not found when it is not one of the user's locations.
func (sc *scope) locationParam(v string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, errNotFound("location")
	}
	_, err = sc.location(id)
	return id, err
}

// issues returns the pages that need reconnecting, worst first.
func (sc *scope) issues() []pageView {
	var out []pageView
	for _, p := range sc.Pages {
		if p.NeedsReconnect {
			out = append(out, p)
		}
	}
	worstFirst(out)
	return out
}
