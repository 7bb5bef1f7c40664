package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// calendar shows the scheduled posts of a week or a month, of one location
// or of all the user's locations, each post at its location's local time,
// with a red mark on posts whose page needs reconnecting.
func (s *Server) calendar(w http.ResponseWriter, r *http.Request) {
	sc, locID, err := s.scopeAt(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	c := calendarView{View: q.Get("view")}
	switch c.View {
	case "":
		c.View = "week"
	case "week", "month":
	default:
		s.fail(w, r, tokenwatch.Errorf(tokenwatch.CodeInvalid, "The calendar shows a week or a month, not %q.", c.View))
		return
	}

	// The grid's days are those of the chosen location, else of the
	// user's first one; each post is placed by its own location's clock.
	tz := time.UTC
	locIDs := make([]int64, 0, len(sc.Locations))
	for _, l := range sc.Locations {
		if locID == 0 || l.ID == locID {
			locIDs = append(locIDs, l.ID)
		}
	}
	if len(locIDs) > 0 {
		l, _ := sc.location(locIDs[0])
		tz = l.Loc()
		c.TZNote = "Times are " + l.Name + " time (" + l.TimeZone + ")."
	}
	if len(locIDs) > 1 {
		c.TZNote = "Times are each location's local time."
	}
	now := s.now().In(tz)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, tz)
	day := today
	if v := q.Get("date"); v != "" {
		if day, err = time.ParseInLocation(dayFormat, v, tz); err != nil {
			s.fail(w, r, tokenwatch.Errorf(tokenwatch.CodeInvalid, "%q is not a date; use the form YYYY-MM-DD.", v))
			return
		}
	}
	c.Date = day.Format(dayFormat)
	start, days := calendarRange(c.View, day)
	if c.View == "week" {
		end := start.AddDate(0, 0, days-1)
		c.Title = start.Format("2 January") + " – " + end.Format("2 January 2006")
	} else {
		c.Title = day.Format("January 2006")
	}
	c.links(day, locID)
	c.Options = locationOptions(sc.Locations, locID, "All locations")

	// Other locations' days are up to a day off the grid's.
	posts, err := s.store.ListPosts(r.Context(), store.PostFilter{UserID: sessionFrom(r.Context()).User.ID, LocationIDs: locIDs,
		From: start.AddDate(0, 0, -1), To: start.AddDate(0, 0, days+1)})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	scheduled, _ := strconv.ParseInt(q.Get("scheduled"), 10, 64)
	var notice string
	byDay := map[string][]calendarPost{}
	for _, p := range posts {
		l, err := sc.location(p.LocationID)
		if err != nil {
			continue // not the user's: cannot happen with the filter above
		}
		at := p.ScheduledAt.In(l.Loc())
		cp := calendarPost{ID: p.ID, Time: at.Format("15:04"), Text: p.Text, Link: p.Link,
			Status: postStatusLabel(p.Status), Highlight: p.ID == scheduled}
		if len(locIDs) > 1 {
			cp.Location = l.Name
		}
		for _, id := range p.PageIDs {
			if pv, err := sc.page(id); err == nil {
				cp.Pages = append(cp.Pages, pv)
				cp.NeedsReconnect = cp.NeedsReconnect || pv.NeedsReconnect
			}
		}
		key := at.Format(dayFormat)
		byDay[key] = append(byDay[key], cp)
		if cp.Highlight {
			notice = "Your post is scheduled for " + at.Format("Monday 2 January at 15:04") + "."
		}
	}
	// Posts of several locations are listed by the time on their clocks.
	for _, ps := range byDay {
		slices.SortStableFunc(ps, func(a, b calendarPost) int { return strings.Compare(a.Time, b.Time) })
	}
	c.grid(start, days, day.Month(), today.Format(dayFormat), byDay)
	s.render(w, r, http.StatusOK, "calendar", page{Title: "Calendar", Notice: notice, Data: c})
}
