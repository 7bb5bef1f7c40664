package web

import (
	"net/http"

	"github.com/tokenwatch/tokenwatch/internal/store"
)

type homeData struct {
	Issues     int
	IssuesText string
	Locations  []homeLocation
}

type homeLocation struct {
	store.LocationRole
	Pages []pageView
}

// home is the overview: how many pages need reconnecting, then every
// location with its pages, their states and the posts they put at risk.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	sc, err := s.scopeOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	n := len(sc.issues())
	data := homeData{Issues: n, IssuesText: plural(n, "page needs reconnecting", "pages need reconnecting")}
	for _, l := range sc.Locations {
		hl := homeLocation{LocationRole: l}
		for _, v := range sc.Pages {
			if v.LocationID == l.ID {
				hl.Pages = append(hl.Pages, v)
			}
		}
		data.Locations = append(data.Locations, hl)
	}
	s.render(w, r, http.StatusOK, "home", page{Title: "Overview", Data: data})
}
