package web

import (
	"net/http"

	"github.com/tokenwatch/tokenwatch/internal/store"
)

type homeLocation struct {
	store.LocationRole
	Pages []pageView
}

// home lists the user's locations with their pages and states.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	sess := sessionFrom(r.Context())
	views, locs, err := s.pageViews(r.Context(), sess.User)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var data []homeLocation
	for _, l := range locs {
		hl := homeLocation{LocationRole: l}
		for _, v := range views {
			if v.LocationID == l.ID {
				hl.Pages = append(hl.Pages, v)
			}
		}
		data = append(data, hl)
	}
	s.render(w, r, http.StatusOK, "home", page{Title: "Your pages", Data: data})
}
