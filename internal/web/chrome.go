package web

import (
	"net/http"
	"strings"

	"github.com/tokenwatch/tokenwatch/internal/store"
)

// menu is the navigation of every signed-in page.
type menu struct {
	Items []menuItem
}

type menuItem struct {
	ID, Href, Label string
	// Count is shown as a badge when positive; CountLabel says what it
	// counts, for screen readers ("pages need reconnecting").
	Count      int
	CountLabel string
	Current    bool
}

// popup is the login pop-up: after signing in, the most urgent pages that
// need reconnecting, on every page of the session until it is closed.
type popup struct {
	Title string
	Pages []pageView
	// More is how many others there are, on the Issues page.
	More int
	// Next is where closing it leads back to.
	Next string
}

// popupPages bounds the pop-up: the most urgent pages, then "and N more".
const popupPages = 10

// addChrome fills in the menu and the pop-up of a signed-in page. A failure
// here is logged, not shown: the page itself is still worth seeing.
func (s *Server) addChrome(r *http.Request, p *page) {
	sess := sessionFrom(r.Context())
	v, err := s.viewerOf(r)
	if err != nil {
		s.log.Error("menu: locations", "err", err)
		return
	}
	issues, err := s.issueCount(r, v)
	if err != nil {
		s.log.Error("menu: issues", "err", err)
	}
	unread, err := s.store.UnreadNotifications(r.Context(), sess.User.ID)
	if err != nil {
		s.log.Error("menu: notifications", "err", err)
	}
	items := []menuItem{
		{ID: "nav-issues", Href: "/issues", Label: "Issues", Count: issues, CountLabel: "pages need reconnecting"},
		{ID: "nav-calendar", Href: "/calendar", Label: "Calendar"},
		{ID: "nav-new-post", Href: "/posts/new", Label: "New post"},
		{ID: "nav-locations", Href: "/locations", Label: "Locations"},
		{ID: "nav-notifications", Href: "/notifications", Label: "Notifications", Count: unread, CountLabel: "unread"},
	}
	if v.managesPeople() {
		items = append(items, menuItem{ID: "nav-people", Href: "/people", Label: "People"})
	}
	if v.User.AccountOwner {
		items = append(items, menuItem{ID: "nav-settings", Href: "/settings", Label: "Settings"},
			menuItem{ID: "nav-audit", Href: "/audit", Label: "Audit log"})
	}
	if s.opts.Demo {
		items = append(items, menuItem{ID: "nav-outbox", Href: "/outbox", Label: "Outbox"})
	}
	for i := range items {
		items[i].Current = section(r.URL.Path) == items[i].Href
	}
	p.Menu = &menu{Items: items}
	if sess.User.AccountOwner && s.opts.Status != nil {
		p.Banner = s.opts.Status.Open()
	}

	if !sess.PopupClosed && issues > 0 {
		q := v.query()
		q.Issues, q.Order, q.Limit = true, store.WorstFirst, popupPages
		pages, _, err := s.store.IssuePages(r.Context(), q)
		if err != nil {
			s.log.Error("pop-up: pages", "err", err)
			return
		}
		views, err := s.pageViews(r.Context(), v, pages)
		if err != nil {
			s.log.Error("pop-up: pages", "err", err)
			return
		}
		next := "/"
		if r.Method == http.MethodGet {
			next = r.URL.RequestURI()
		}
		p.Popup = &popup{Title: plural(issues, "page needs reconnecting", "pages need reconnecting"), Pages: views,
			More: issues - len(views), Next: next}
	}
}

// section returns the menu entry a path belongs to.
func section(path string) string {
	if path == "/posts" || strings.HasPrefix(path, "/posts/") {
		return "/posts/new"
	}
	if i := strings.IndexByte(path[1:], '/'); i >= 0 {
		return path[:i+1]
	}
	return path
}
