package web

import (
	"context"
	"fmt"
	"net/http"
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
	// Asked are the people asked to reconnect it whose link is still open.
	Asked []string
}

// viewer is the signed-in user as the pages need them: their locations
// with their role there (as many as they take part in, however many pages
// those hold), what access knows of them, and their account's policy.
type viewer struct {
	User      *tokenwatch.User
	Locations []store.LocationRole
	byID      map[int64]store.LocationRole
	Actor     access.Actor
	Policy    lifecycle.Policy
}

// viewerOf returns the request's viewer, read once per request.
func (s *Server) viewerOf(r *http.Request) (*viewer, error) {
	sess := sessionFrom(r.Context())
	if sess.viewer != nil {
		return sess.viewer, nil
	}
	u := sess.User
	locs, err := s.store.UserLocations(r.Context(), u.ID)
	if err != nil {
		return nil, err
	}
	policy, err := connection.Policies{Store: s.store, Default: s.opts.Policy}.For(r.Context(), u.AccountID)
	if err != nil {
		return nil, err
	}
	v := &viewer{User: u, Locations: locs, byID: map[int64]store.LocationRole{}, Actor: userActor(u, locs), Policy: policy}
	for _, l := range locs {
		v.byID[l.ID] = l
	}
	sess.viewer = v
	return v, nil
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

// may says whether the viewer may do act on a page.
func (v *viewer) may(act access.Action, p *tokenwatch.Page) bool {
	return access.Decide(v.Actor, act, access.Target{AccountID: p.AccountID, LocationID: p.LocationID, PageID: p.ID}) == access.Allowed
}

// query is a page query over the viewer's locations.
func (v *viewer) query() store.PageQuery { return store.PageQuery{UserID: v.User.ID} }

// views turns a page of results into views: each evaluated now, with its
// admin and the posts it puts at risk (lookups bounded by the page of
// results, never by everything the viewer sees).
func (s *Server) pageViews(ctx context.Context, v *viewer, pages []*tokenwatch.Page) ([]pageView, error) {
	ids := make([]int64, 0, len(pages))
	admins := make([]int64, 0, len(pages))
	for _, p := range pages {
		ids = append(ids, p.ID)
		if p.ConnectedBy != 0 {
			admins = append(admins, p.ConnectedBy)
		}
	}
	risks, err := s.store.PostsAtRisk(ctx, ids)
	if err != nil {
		return nil, err
	}
	users, err := s.store.UsersByID(ctx, admins)
	if err != nil {
		return nil, err
	}
	now := s.now()
	asked, err := s.store.OpenRequestsFor(ctx, ids, now)
	if err != nil {
		return nil, err
	}
	out := make([]pageView, 0, len(pages))
	for _, p := range pages {
		lr, ok := v.byID[p.LocationID]
		if !ok {
			continue // not the viewer's: the queries cannot return it
		}
		d := v.Policy.Evaluate(lifecycle.FactsOf(p), nil, now)
		risk := risks[p.ID]
		out = append(out, pageView{
			Page:           p,
			Location:       lr.Location,
			State:          d.State,
			Deadline:       d.Deadline,
			DeadlineText:   wording.Status(d.State, d.Deadline, problemSince(p), now, lr.Location.Loc()),
			NeedsReconnect: d.State.IsIssue(),
			Publishable:    d.State.Publishable(),
			Problem:        wording.Problem(d.State, p.Provider),
			CanReconnect:   v.may(access.Reconnect, p),
			Admin:          users[p.ConnectedBy],
			Risk:           risk,
			RiskText:       riskText(risk, lr.Location.Loc()),
			Asked:          asked[p.ID],
		})
	}
	return out, nil
}

// problemSince is when the network's refusal that makes a page's state was
// met: its last error, else its last check.
func problemSince(p *tokenwatch.Page) time.Time {
	if p.LastError != nil && p.LastError.Class.ChangesPage() {
		return p.LastError.At
	}
	return p.LastCheckedAt
}

// pageByID returns the page with the id as the viewer sees it; a page the
// viewer may not see is not found, like one that does not exist.
func (s *Server) pageByID(r *http.Request, id int64) (pageView, error) {
	v, err := s.viewerOf(r)
	if err != nil {
		return pageView{}, err
	}
	p, err := s.store.GetPage(r.Context(), id)
	if err != nil || !v.may(access.See, p) {
		return pageView{}, errNotFound("page")
	}
	views, err := s.pageViews(r.Context(), v, []*tokenwatch.Page{p})
	if err != nil || len(views) == 0 {
		return pageView{}, errNotFound("page")
	}
	return views[0], nil
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

// errNotFound is what any id outside the user's scope gets: the same answer
// as an id that does not exist, so ids of other locations do not leak.
func errNotFound(what string) error {
	return tokenwatch.Errorf(tokenwatch.CodeNotFound, "There is no such %s, or it is not one of yours.", what)
}

// location returns the viewer's location with the id, not found otherwise.
func (v *viewer) location(id int64) (store.LocationRole, error) {
	if l, ok := v.byID[id]; ok {
		return l, nil
	}
	return store.LocationRole{}, errNotFound("location")
}

// locationParam reads an optional location id from a query or form value:
// zero when empty, not found when it is not one of the viewer's locations.
func (v *viewer) locationParam(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, errNotFound("location")
	}
	_, err = v.location(id)
	return id, err
}

// issueCount is how many of the viewer's pages need a person, counted
// through the index once per request (the menu and the pop-up share it).
func (s *Server) issueCount(r *http.Request, v *viewer) (int, error) {
	sess := sessionFrom(r.Context())
	if sess.issues == nil {
		q := v.query()
		q.Issues = true
		n, err := s.store.CountPages(r.Context(), q)
		if err != nil {
			return 0, err
		}
		sess.issues = &n
	}
	return *sess.issues, nil
}

// managesPeople says the viewer may manage people somewhere: an owner, or
// a manager of at least one location.
func (v *viewer) managesPeople() bool {
	if v.User.AccountOwner {
		return true
	}
	for _, l := range v.Locations {
		if l.Role.CanReconnect() {
			return true
		}
	}
	return false
}

// zone is the time zone times are shown in when no location says: the
// viewer's first location's, else UTC.
func (v *viewer) zone() *time.Location {
	if len(v.Locations) > 0 {
		return v.Locations[0].Location.Loc()
	}
	return time.UTC
}
