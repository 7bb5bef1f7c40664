package web

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/access"
	"github.com/tokenwatch/tokenwatch/internal/admin"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// historyPerPage bounds the history shown at once.
const historyPerPage = 30

// pageDetail is everything /pages/{id} shows of a page.
type pageDetail struct {
	pageView
	// The facts the deadline is made of, in the location's time.
	AccessExpires, RefreshExpires, DataAccessExpires, LastChecked string
	AutoRefresh                                                   bool
	// ScopesHeld are the granted scopes; ScopesMissing those the network
	// needs that the grant lacks; RequiredRole the network role needed.
	ScopesHeld, ScopesMissing []string
	RequiredRole              string
	// Steps are what a person does at the network when a reconnect alone
	// cannot work, shown whenever the page needs a person.
	Steps []string
	Posts []heldPost
	// MorePosts counts the posts beyond those listed.
	MorePosts bool
	History   []historyItem
	// Older is the link to the next, older part of the history.
	Older                        string
	CanCheck, CanDisconnect, Own bool
	LastError                    string
	// CanAsk says the viewer may ask someone to reconnect the page;
	// Requests are those still waiting; Ask* is what the form shows.
	CanAsk                             bool
	Requests                           []openRequest
	AskRecipient, AskMessage, AskError string
}

// View is the page as lists show it (for the shared page-action).
func (d *pageDetail) View() pageView { return d.pageView }

type heldPost struct {
	ID     int64
	When   string
	Text   string
	Status string
}

type historyItem struct {
	at   time.Time
	When string
	// What happened, Who did it, and Result (a classified failure).
	What, Who, Result string
	Bad               bool
}

// pageDetailOf gathers the detail of the page in the request's path.
func (s *Server) pageDetailOf(r *http.Request) (*pageDetail, error) {
	pv, err := s.pageFromPath(r)
	if err != nil {
		return nil, err
	}
	v, err := s.viewerOf(r)
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	tz := pv.Location.Loc()
	when := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(tz).Format("Mon 2 Jan 2006, 15:04 MST")
	}
	d := &pageDetail{pageView: *pv, AccessExpires: when(pv.AccessExpiresAt), RefreshExpires: when(pv.RefreshExpiresAt),
		DataAccessExpires: when(pv.DataAccessExpiresAt), LastChecked: when(pv.LastCheckedAt), AutoRefresh: pv.AutoRefresh,
		ScopesHeld: pv.Scopes, CanCheck: v.may(access.Check, pv.Page) && pv.State != tokenwatch.StateDisconnected,
		CanDisconnect: v.may(access.Disconnect, pv.Page) && pv.State != tokenwatch.StateDisconnected}
	if le := pv.LastError; le != nil && pv.State.IsIssue() {
		d.LastError = fmt.Sprintf("%s (%s), %s", le.Message, classWords(le.Class), when(le.At))
	}
	if s.opts.Flow != nil {
		if info, ok := s.opts.Flow.Info(pv.Provider); ok {
			d.RequiredRole = info.RequiredRole
			for _, sc := range info.RequiredScopes {
				if !slices.Contains(pv.Scopes, sc) && pv.State != tokenwatch.StateDisconnected {
					d.ScopesMissing = append(d.ScopesMissing, sc)
				}
			}
			if pv.NeedsReconnect {
				d.Steps = info.Troubleshooting
			}
		}
	}
	d.CanAsk = v.may(access.Ask, pv.Page) && pv.NeedsReconnect
	if d.Requests, err = s.openRequests(r, v, pv.Page, tz); err != nil {
		return nil, err
	}
	posts, err := s.store.PendingPostsOf(ctx, pv.ID, 21)
	if err != nil {
		return nil, err
	}
	if len(posts) > 20 {
		posts, d.MorePosts = posts[:20], true
	}
	for _, p := range posts {
		status := "scheduled"
		for _, t := range p.Targets {
			if t.PageID == pv.ID {
				status = string(t.Status)
			}
		}
		d.Posts = append(d.Posts, heldPost{ID: p.ID, When: when(p.ScheduledAt), Text: p.Text, Status: status})
	}
	before := time.Time{}
	if ms, err := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64); err == nil && ms > 0 {
		before = time.UnixMilli(ms)
	}
	if d.History, d.Older, err = s.history(r, pv, before, when); err != nil {
		return nil, err
	}
	return d, nil
}

// history merges a page's events and the alerts sent about it, newest
// first, a part at a time.
func (s *Server) history(r *http.Request, pv *pageView, before time.Time, when func(time.Time) string) ([]historyItem, string, error) {
	ctx := r.Context()
	events, err := s.store.PageHistory(ctx, pv.ID, before, historyPerPage+1)
	if err != nil {
		return nil, "", err
	}
	alerts, err := s.store.PageAlertsSent(ctx, pv.ID, before, historyPerPage+1)
	if err != nil {
		return nil, "", err
	}
	var userIDs []int64
	for _, e := range events {
		if e.UserID != 0 {
			userIDs = append(userIDs, e.UserID)
		}
	}
	for _, a := range alerts {
		userIDs = append(userIDs, a.UserIDs...)
	}
	users, err := s.store.UsersByID(ctx, userIDs)
	if err != nil {
		return nil, "", err
	}
	name := func(id int64) string {
		if u := users[id]; u != nil {
			return u.Name
		}
		return "a former user"
	}
	var items []historyItem
	for _, e := range events {
		it := historyItem{at: e.At, When: when(e.At), What: eventWords(e, pv), Who: "tokenwatch"}
		switch {
		case e.UserID != 0:
			it.Who = name(e.UserID)
		case e.Actor != "":
			it.Who = e.Actor
		}
		if e.Class != "" {
			it.Result, it.Bad = e.Detail+" ("+classWords(e.Class)+")", e.Class.ChangesPage()
		} else if e.Detail != "" {
			it.Result = e.Detail
		}
		items = append(items, it)
	}
	for _, a := range alerts {
		var to []string
		for _, id := range a.UserIDs {
			to = append(to, name(id))
		}
		items = append(items, historyItem{at: a.At, When: when(a.At), What: stepWords(a.Step) + " alert sent (generation " + strconv.FormatInt(a.Generation, 10) + ")",
			Who: "tokenwatch", Result: "to " + strings.Join(to, ", ")})
	}
	slices.SortStableFunc(items, func(a, b historyItem) int { return b.at.Compare(a.at) })
	older := ""
	if len(items) > historyPerPage {
		items = items[:historyPerPage]
		older = fmt.Sprintf("/pages/%d?before=%d#history", pv.ID, items[len(items)-1].at.UnixMilli())
	} else {
		items = append(items, historyItem{at: pv.CreatedAt, When: when(pv.CreatedAt), What: "Added to tokenwatch", Who: cmp.Or(adminName(pv), "tokenwatch")})
	}
	return items, older, nil
}

func adminName(pv *pageView) string {
	if pv.Admin != nil {
		return pv.Admin.Name
	}
	return ""
}

// eventWords says what an event of a page's history was.
func eventWords(e store.PageEvent, pv *pageView) string {
	switch e.Kind {
	case store.EventRefreshed:
		return "Token refreshed"
	case store.EventRefreshFailed:
		return "Refresh failed"
	case store.EventChecked:
		if e.UserID != 0 {
			return "Checked (Check now)"
		}
		return "Checked"
	case store.EventCheckFailed:
		return "Check failed"
	case store.EventReconnected:
		return fmt.Sprintf("Reconnected on %s (generation %d)", pv.Provider.DisplayName(), e.Generation)
	case store.EventDisconnected:
		return "Disconnected"
	case store.EventAdminChanged:
		return "Page admin changed"
	}
	return string(e.Kind)
}

// stepWords names an alert of the ladder.
func stepWords(step string) string {
	switch step {
	case "expired":
		return "Expiry"
	case "revoked":
		return "Revocation"
	case "permission_missing":
		return "Missing permission"
	case "account_blocked":
		return "Account problem"
	}
	return strings.TrimSuffix(strings.TrimSuffix(step, "d"), "h") + "-" + map[bool]string{true: "hour", false: "day"}[strings.HasSuffix(step, "h")]
}

// classWords says what a class of network error means.
func classWords(c tokenwatch.ErrorClass) string {
	switch c {
	case tokenwatch.ClassMustReconnect:
		return "the grant is dead: a person must reconnect"
	case tokenwatch.ClassPermissionMissing:
		return "a permission or page role is missing"
	case tokenwatch.ClassAccountBlocked:
		return "the network account must be fixed first"
	case tokenwatch.ClassTransient:
		return "a passing failure: tokenwatch tries again"
	case tokenwatch.ClassService:
		return "a problem of tokenwatch's own app at the network, not of this page: see Status"
	}
	return string(c)
}

// pageDetailPage shows a page: its state, what its deadline is made of, who
// connected it, its posts at risk, its history, and what the viewer may do.
func (s *Server) pageDetailPage(w http.ResponseWriter, r *http.Request) {
	d, err := s.pageDetailOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "page_detail", page{Title: d.Name, Data: d})
}

// adminActor is the signed-in viewer as package admin needs them.
func (s *Server) adminActor(r *http.Request) (admin.Actor, error) {
	v, err := s.viewerOf(r)
	if err != nil {
		return admin.Actor{}, err
	}
	return admin.Actor{Actor: v.Actor, Name: v.User.Email}, nil
}

// pageID reads the page id of the path; a malformed one is not found.
func pathID(r *http.Request, what string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNotFound(what)
	}
	return id, nil
}

// disconnectForm asks to confirm a disconnect, listing the posts it holds.
func (s *Server) disconnectForm(w http.ResponseWriter, r *http.Request) {
	d, err := s.pageDetailOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !d.CanDisconnect {
		s.fail(w, r, tokenwatch.Errorf(tokenwatch.CodeForbidden, "Only owners and managers of %s can disconnect its pages.", d.Location.Name))
		return
	}
	s.render(w, r, http.StatusOK, "disconnect", page{Title: "Disconnect " + d.Name, Data: d})
}

// checkPage runs Check now and shows its result on the page detail.
func (s *Server) checkPage(r *http.Request, a admin.Actor, id int64) (string, string, error) {
	next := fmt.Sprintf("/pages/%d", id)
	p, checkErr := s.opts.Admin.CheckNow(r.Context(), a, id)
	if p == nil {
		return "", "", checkErr
	}
	switch {
	case checkErr == nil:
		return "Checked just now: " + p.Provider.DisplayName() + " accepts the token.", next, nil
	case p.LastError != nil && tokenwatch.ErrorCode(checkErr) != tokenwatch.CodeConflict:
		le := p.LastError
		return fmt.Sprintf("Checked just now: %s answered %q — %s.", p.Provider.DisplayName(), le.Message, classWords(le.Class)), next, nil
	}
	return "Checked just now: " + tokenwatch.ErrorMessage(checkErr), next, nil
}

// disconnect disconnects a page once confirmed.
func (s *Server) disconnect(r *http.Request, a admin.Actor, id int64) (string, string, error) {
	p, err := s.opts.Admin.Disconnect(r.Context(), a, id)
	if p == nil {
		return "", "", err
	}
	return p.Name + " is disconnected: its scheduled posts are held until someone reconnects it.", fmt.Sprintf("/pages/%d", id), err
}

// act serves a POST that changes something through package admin, with
// the id of what it changes in the path: do returns the notice to show
// and where to send the browser, or the error to show instead.
func (s *Server) act(what string, do func(r *http.Request, a admin.Actor, id int64) (notice, next string, err error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, what)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		a, err := s.adminActor(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		notice, next, err := do(r, a, id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		setFlash(w, notice)
		http.Redirect(w, r, next, http.StatusSeeOther)
	}
}
