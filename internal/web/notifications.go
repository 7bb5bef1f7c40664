package web

import (
	"net/http"
	"strconv"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// Bounds of the notifications list: pages (groups) per page of the list,
// and notifications shown per page.
const (
	notificationGroups   = 20
	notificationsPerPage = 5
)

type notificationsData struct {
	Groups []notificationGroupView
	Unread int
	// Next is the cursor of the next page of the list; Paged says this is
	// not the first.
	Next  string
	Paged bool
	Zone  string
}

type notificationGroupView struct {
	PageID   int64
	Page     *tokenwatch.Page // nil when not about a page
	Location string
	State    tokenwatch.State
	Count    int
	Open     int
	Items    []notificationView
	// Older is how many more there are than shown.
	Older int
}

type notificationView struct {
	*tokenwatch.Notification
	When string
}

// notifications lists the signed-in user's notifications grouped by page,
// the worst page first, a page of the list at a time, with times in the
// user's zone. Those of a page fixed since are marked resolved (not
// unread); dismissed ones are not listed.
func (s *Server) notifications(w http.ResponseWriter, r *http.Request) {
	u := sessionFrom(r.Context()).User
	after := r.URL.Query().Get("after")
	groups, next, err := s.store.NotificationGroups(r.Context(), u.ID, after, notificationGroups, notificationsPerPage)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	unread, err := s.store.UnreadNotifications(r.Context(), u.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	prefs, err := s.store.NotificationPrefs(r.Context(), u.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	views, err := s.groupViews(r, groups, prefs)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "notifications", page{Title: "Notifications", Data: notificationsData{Groups: views, Unread: unread,
		Next: next, Paged: after != "", Zone: prefs.Zone}})
}

// groupViews reads the pages of a page of groups (a bounded lookup) and
// writes the times in the user's zone.
func (s *Server) groupViews(r *http.Request, groups []*store.NotificationGroup, prefs tokenwatch.NotificationPrefs) ([]notificationGroupView, error) {
	var ids, locIDs []int64
	for _, g := range groups {
		if g.PageID != 0 {
			ids = append(ids, g.PageID)
		}
	}
	pages, err := s.store.PagesByID(r.Context(), ids)
	if err != nil {
		return nil, err
	}
	for _, p := range pages {
		locIDs = append(locIDs, p.LocationID)
	}
	locs, err := s.store.LocationsByID(r.Context(), locIDs)
	if err != nil {
		return nil, err
	}
	tz := prefs.Loc()
	out := make([]notificationGroupView, 0, len(groups))
	for _, g := range groups {
		v := notificationGroupView{PageID: g.PageID, Count: g.Count, Open: g.Open, Older: g.Count - len(g.Items)}
		if p := pages[g.PageID]; p != nil {
			v.Page, v.State = p, p.State
			if l := locs[p.LocationID]; l != nil {
				v.Location = l.Name
			}
		}
		for _, n := range g.Items {
			v.Items = append(v.Items, notificationView{Notification: n, When: zoned(n.CreatedAt, tz)})
		}
		out = append(out, v)
	}
	return out, nil
}

// notificationsRead marks every notification of the user read.
func (s *Server) notificationsRead(w http.ResponseWriter, r *http.Request) {
	sess := sessionFrom(r.Context())
	if err := s.store.MarkNotificationsRead(r.Context(), sess.User.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/notifications", http.StatusSeeOther)
}

// notificationDismiss dismisses one of the user's notifications: it leaves
// the list (the page stays on the Issues list while it needs a person).
func (s *Server) notificationDismiss(w http.ResponseWriter, r *http.Request) {
	sess := sessionFrom(r.Context())
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, r, tokenwatch.Errorf(tokenwatch.CodeNotFound, "notification not found"))
		return
	}
	if err := s.store.DismissNotification(r.Context(), sess.User.ID, id); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/notifications", http.StatusSeeOther)
}

// notificationPageDismiss dismisses all of the user's notifications about
// a page (0: those about no page).
func (s *Server) notificationPageDismiss(w http.ResponseWriter, r *http.Request) {
	sess := sessionFrom(r.Context())
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, r, tokenwatch.Errorf(tokenwatch.CodeNotFound, "notification not found"))
		return
	}
	if err := s.store.DismissPageNotifications(r.Context(), sess.User.ID, id); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/notifications", http.StatusSeeOther)
}
