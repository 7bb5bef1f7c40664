package web

import (
	"net/http"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// The overview's lists are bounded: the most urgent pages, the first
// locations.
const (
	homeUrgent    = 10
	homeLocations = 10
)

type homeData struct {
	Issues     int
	IssuesText string
	// Urgent are the most urgent pages that need reconnecting; More is how
	// many others do.
	Urgent    []pageView
	More      int
	Locations int
	// Yours are the first of the user's locations, with their role.
	Yours []store.LocationRole
	// Posts are the next scheduled posts of the user's locations.
	Posts []homePost
}

type homePost struct {
	*tokenwatch.Post
	Location *tokenwatch.Location
	When     string
}

// home is the overview: how many pages need reconnecting, the most urgent
// of them, and the next posts. Everything on it is bounded: the locations'
// own lists are on /locations and /issues.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	v, err := s.viewerOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	n, err := s.issueCount(r, v)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data := homeData{Issues: n, IssuesText: plural(n, "page needs reconnecting", "pages need reconnecting"), Locations: len(v.Locations),
		Yours: v.Locations[:min(len(v.Locations), homeLocations)]}
	if n > 0 {
		q := v.query()
		q.Issues, q.Order, q.Limit = true, store.WorstFirst, homeUrgent
		pages, _, err := s.store.IssuePages(r.Context(), q)
		if err == nil {
			data.Urgent, err = s.pageViews(r.Context(), v, pages)
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		data.More = n - len(data.Urgent)
	}
	posts, err := s.store.ListPosts(r.Context(), store.PostFilter{UserID: v.User.ID, From: s.now(), Limit: 10,
		Statuses: []tokenwatch.PostStatus{tokenwatch.PostScheduled, tokenwatch.PostHeld}})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, p := range posts {
		if l, ok := v.byID[p.LocationID]; ok {
			data.Posts = append(data.Posts, homePost{Post: p, Location: l.Location, When: p.ScheduledAt.In(l.Loc()).Format("Mon 2 Jan, 15:04")})
		}
	}
	s.render(w, r, http.StatusOK, "home", page{Title: "Overview", Data: data})
}
