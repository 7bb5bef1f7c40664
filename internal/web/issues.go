package web

import (
	"net/http"

	"github.com/tokenwatch/tokenwatch"
)

// timelineDays is how far ahead the Issues page charts deadlines.
const timelineDays = 30

type issuesData struct {
	Locations []option
	Networks  []option
	Filtered  bool
	Pages     []pageView
	Timeline  timeline
}

// issues lists the pages of the user's locations that need reconnecting,
// worst first, under a chart of the coming deadlines; optionally only those
// of one location or one network.
func (s *Server) issues(w http.ResponseWriter, r *http.Request) {
	sc, locID, err := s.scopeAt(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	network := tokenwatch.Provider(q.Get("network"))
	if network != "" && !network.Valid() {
		s.fail(w, r, tokenwatch.Errorf(tokenwatch.CodeInvalid, "%q is not a network tokenwatch knows.", network))
		return
	}
	var pages []pageView
	for _, p := range sc.Pages {
		if (locID == 0 || p.LocationID == locID) && (network == "" || p.Provider == network) {
			pages = append(pages, p)
		}
	}
	data := issuesData{
		Locations: locationOptions(sc.Locations, locID, "All locations"),
		Networks:  networkOptions(sc.Pages, network),
		Filtered:  locID != 0 || network != "",
		Timeline:  newTimeline(pages, sc.Thresholds, s.now(), timelineDays),
	}
	for _, p := range pages {
		if p.NeedsReconnect {
			data.Pages = append(data.Pages, p)
		}
	}
	worstFirst(data.Pages)
	s.render(w, r, http.StatusOK, "issues", page{Title: "Issues", Data: data})
}
