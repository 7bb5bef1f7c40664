package web

import (
	"cmp"
	"net/http"
	"slices"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

type locationRow struct {
	store.LocationRole
	Pages  int
	Issues int
	// Worst is the worst state among its pages; empty without pages.
	Worst tokenwatch.State
}

// locations lists the user's locations with how many of their pages need
// reconnecting, worst first.
func (s *Server) locations(w http.ResponseWriter, r *http.Request) {
	sc, err := s.scopeOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rows := make([]locationRow, len(sc.Locations))
	for i, l := range sc.Locations {
		rows[i] = locationRow{LocationRole: l}
		for _, p := range sc.Pages {
			if p.LocationID != l.ID {
				continue
			}
			rows[i].Pages++
			if p.NeedsReconnect {
				rows[i].Issues++
			}
			if p.State.Severity() > rows[i].Worst.Severity() {
				rows[i].Worst = p.State
			}
		}
	}
	slices.SortStableFunc(rows, func(a, b locationRow) int {
		return cmp.Or(cmp.Compare(b.Issues, a.Issues), cmp.Compare(b.Worst.Severity(), a.Worst.Severity()), cmp.Compare(a.Name, b.Name))
	})
	s.render(w, r, http.StatusOK, "locations", page{Title: "Locations", Data: rows})
}
