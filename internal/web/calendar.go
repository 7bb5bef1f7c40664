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
	v, err := s.viewerOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	locID, err := v.locationParam(q.Get("location"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
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
	filter := store.PostFilter{UserID: v.User.ID, Limit: calendarMaxPosts}
	if locID != 0 {
		l := v.byID[locID]
		tz = l.Loc()
		c.TZNote = "Times are " + l.Name + " time (" + l.TimeZone + ")."
		filter.LocationIDs = []int64{locID}
	} else if len(v.Locations) > 0 {
		tz = v.Locations[0].Loc()
		c.TZNote = "Times are " + v.Locations[0].Name + " time (" + v.Locations[0].TimeZone + ")."
		if len(v.Locations) > 1 {
			c.TZNote = "Times are each location's local time."
		}
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
	c.Options = locationOptions(v.Locations, locID, "All locations")

	// Other locations' days are up to a day off the grid's.
	filter.From, filter.To = start.AddDate(0, 0, -1), start.AddDate(0, 0, days+1)
	posts, err := s.store.ListPosts(r.Context(), filter)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c.Capped = len(posts) == calendarMaxPosts
	// The pages of these posts (bounded by the posts shown), as the user
	// sees them now.
	var ids []int64
	for _, p := range posts {
		ids = append(ids, p.PageIDs...)
	}
	byID, err := s.store.PagesByID(r.Context(), ids)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pages := make([]*tokenwatch.Page, 0, len(byID))
	for _, p := range byID {
		pages = append(pages, p)
	}
	views, err := s.pageViews(r.Context(), v, pages)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	viewOf := map[int64]pageView{}
	for _, pv := range views {
		viewOf[pv.ID] = pv
	}
	scheduled, _ := strconv.ParseInt(q.Get("scheduled"), 10, 64)
	var notice string
	byDay := map[string][]calendarPost{}
	multi := locID == 0 && len(v.Locations) > 1
	for _, p := range posts {
		l, ok := v.byID[p.LocationID]
		if !ok {
			continue // not the user's: cannot happen with the filter above
		}
		at := p.ScheduledAt.In(l.Loc())
		cp := calendarPost{ID: p.ID, Time: at.Format("15:04"), Text: p.Text, Link: p.Link, Highlight: p.ID == scheduled}
		if multi {
			cp.Location = l.Name
		}
		for _, t := range p.Targets {
			pv, ok := viewOf[t.PageID]
			if !ok {
				continue
			}
			done := t.Status == tokenwatch.PostPublished || t.Status == tokenwatch.PostFailed || t.Status == tokenwatch.PostMissed
			chip := postChip{pageView: pv, Status: t.Status, StatusText: targetStatus(t), Note: t.Note, Done: done}
			chip.URL, chip.NoLink = postLink(t, pv.Provider)
			chip.LinkText = "View on " + pv.Provider.DisplayName()
			cp.Pages = append(cp.Pages, chip)
			if done {
				continue // the page's state no longer matters to this post
			}
			cp.CannotPublish = cp.CannotPublish || !pv.Publishable
			cp.Expiring = cp.Expiring || (pv.Publishable && pv.NeedsReconnect)
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

// calendarMaxPosts bounds the posts of one view of the calendar.
const calendarMaxPosts = 1000

// postLink is the network's link to a post published on a page, shown only
// when it is an http(s) URL; for a published post without one, noLink says
// why, rather than a link being made up.
func postLink(t tokenwatch.PostTarget, p tokenwatch.Provider) (link, noLink string) {
	if t.Status != tokenwatch.PostPublished {
		return "", ""
	}
	if tokenwatch.PostURLOK(t.URL) {
		return t.URL, ""
	}
	switch p {
	case tokenwatch.TikTok:
		// Its API names the post only once TikTok has reviewed it.
		return "", "TikTok gives no link to the post"
	case tokenwatch.LinkedIn:
		// LinkedIn documents no link for a post.
		return "", "LinkedIn gives no link to the post"
	}
	return "", p.DisplayName() + " gave no link to the post"
}

// targetStatus says where a post stands on one page, in words.
func targetStatus(t tokenwatch.PostTarget) string {
	switch t.Status {
	case tokenwatch.PostPublished:
		return "published"
	case tokenwatch.PostHeld:
		return "held until the page is reconnected"
	case tokenwatch.PostMissed:
		return "missed"
	case tokenwatch.PostFailed:
		return "failed"
	}
	return "scheduled"
}
