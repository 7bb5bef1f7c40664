package web

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// locationsPerPage bounds the list of locations.
const locationsPerPage = 100

type locationRow struct {
	store.LocationRole
	Pages  int
	Issues int
	// Worst is the worst state among its pages; empty without pages.
	Worst tokenwatch.State
}

type locationsData struct {
	// New is the form adding a location, for owners.
	New  *newLocationForm
	Rows []locationRow
	// Page is this page of the list (from 1), Pages how many there are.
	Page, Pages int
}

// locations lists the user's locations with how many of their pages need
// reconnecting, worst first, counted by location and state through the
// pages' index (never by loading the pages).
func (s *Server) locations(w http.ResponseWriter, r *http.Request) {
	s.renderLocations(w, r, http.StatusOK, newLocationForm{TimeZone: "UTC"})
}

// newLocationForm is what the form adding a location shows.
type newLocationForm struct {
	Name, TimeZone, Error string
}

func (s *Server) renderLocations(w http.ResponseWriter, r *http.Request, status int, form newLocationForm) {
	v, err := s.viewerOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	counts, err := s.store.CountByLocation(r.Context(), v.query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	byLoc := map[int64]*locationRow{}
	rows := make([]locationRow, len(v.Locations))
	for i, l := range v.Locations {
		rows[i] = locationRow{LocationRole: l}
		byLoc[l.ID] = &rows[i]
	}
	for _, c := range counts {
		row := byLoc[c.LocationID]
		if row == nil {
			continue
		}
		row.Pages += c.N
		if c.State.IsIssue() {
			row.Issues += c.N
		}
		if c.State.Severity() > row.Worst.Severity() {
			row.Worst = c.State
		}
	}
	slices.SortStableFunc(rows, func(a, b locationRow) int {
		return cmp.Or(cmp.Compare(b.Issues, a.Issues), cmp.Compare(b.Worst.Severity(), a.Worst.Severity()), cmp.Compare(a.Name, b.Name))
	})
	data := locationsData{Page: 1, Pages: max(1, (len(rows)+locationsPerPage-1)/locationsPerPage)}
	if n, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil && n >= 1 && n <= data.Pages {
		data.Page = n
	}
	from := (data.Page - 1) * locationsPerPage
	data.Rows = rows[from:min(from+locationsPerPage, len(rows))]
	if v.User.AccountOwner {
		data.New = &form
	}
	s.render(w, r, status, "locations", page{Title: "Locations", Data: data})
}
