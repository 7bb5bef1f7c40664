package web

import (
	"net/url"
	"strconv"
	"time"

	"github.com/tokenwatch/tokenwatch"
)

// calendarView is a week or a month of scheduled posts.
type calendarView struct {
	// Capped says the view holds more posts than it shows.
	Capped  bool
	View    string // "week" or "month"
	IsWeek  bool
	Views   []option
	Title   string
	Date    string // the day shown, yyyy-mm-dd
	TZNote  string
	Prev    string
	Next    string
	Today   string
	Week    string // the same day as a week
	Month   string // the same day as a month
	Options []option
	// Weekdays are the column headings; Weeks the rows of days.
	Weekdays  []string
	Weeks     [][]calendarDay
	Posts     int
	PostsText string
}

type calendarDay struct {
	Date    string // yyyy-mm-dd
	Label   string
	Outside bool // in the grid, not in the month shown
	Today   bool
	Posts   []calendarPost
}

type calendarPost struct {
	ID       int64
	Time     string
	Text     string
	Link     string
	Location string // set when several locations are shown
	// Pages are the post's pages, each with the post's status there.
	Pages []postChip
	// CannotPublish says a page the post is still to go to cannot publish
	// now (red mark); Expiring that one will need reconnecting soon but
	// publishes meanwhile (amber mark).
	CannotPublish bool
	Expiring      bool
	Highlight     bool
}

// postChip is one page of a post: the page, and where the post stands on it.
type postChip struct {
	pageView
	Status     tokenwatch.PostStatus
	StatusText string
	Note       string
	// Done says the post is done with on this page (published, failed or
	// missed): the page's state no longer marks it.
	Done bool
	// URL is the network's link to the published post (http(s) only);
	// NoLink, for a published post without one, says why in words.
	URL, NoLink string
	// LinkText names the link ("View on Facebook").
	LinkText string
}

const dayFormat = "2006-01-02"

// calendarRange returns the first day of the grid and its number of days
// for a view around day (a midnight in the grid's time zone).
func calendarRange(view string, day time.Time) (time.Time, int) {
	monday := func(t time.Time) time.Time { return t.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7)) }
	if view == "week" {
		return monday(day), 7
	}
	first := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, day.Location())
	start := monday(first)
	last := first.AddDate(0, 1, -1)
	end := monday(last).AddDate(0, 0, 7)
	return start, int(end.Sub(start).Hours()/24 + 0.5)
}

// calendarLinks fills in the navigation of a view around day.
func (c *calendarView) links(day time.Time, location int64) {
	link := func(view string, d time.Time) string {
		q := url.Values{"view": {view}, "date": {d.Format(dayFormat)}}
		if location != 0 {
			q.Set("location", strconv.FormatInt(location, 10))
		}
		return "/calendar?" + q.Encode()
	}
	if c.View == "week" {
		c.Prev, c.Next = link("week", day.AddDate(0, 0, -7)), link("week", day.AddDate(0, 0, 7))
	} else {
		first := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, day.Location())
		c.Prev, c.Next = link("month", first.AddDate(0, -1, 0)), link("month", first.AddDate(0, 1, 0))
	}
	c.Week, c.Month = link("week", day), link("month", day)
	c.IsWeek = c.View == "week"
	c.Views = []option{{Value: "week", Label: "Week", Selected: c.IsWeek}, {Value: "month", Label: "Month", Selected: !c.IsWeek}}
	q := url.Values{"view": {c.View}}
	if location != 0 {
		q.Set("location", strconv.FormatInt(location, 10))
	}
	c.Today = "/calendar?" + q.Encode()
}

// grid lays out the days from start, each with the posts of that local
// day, in rows of seven.
func (c *calendarView) grid(start time.Time, days int, month time.Month, today string, posts map[string][]calendarPost) {
	for i := range 7 {
		c.Weekdays = append(c.Weekdays, start.AddDate(0, 0, i).Format("Monday"))
	}
	var week []calendarDay
	for i := range days {
		d := start.AddDate(0, 0, i)
		key := d.Format(dayFormat)
		cd := calendarDay{Date: key, Label: d.Format("Mon 2 Jan"), Today: key == today, Posts: posts[key]}
		if c.View == "month" {
			cd.Outside = d.Month() != month
		}
		c.Posts += len(cd.Posts)
		week = append(week, cd)
		if len(week) == 7 {
			c.Weeks = append(c.Weeks, week)
			week = nil
		}
	}
	c.PostsText = plural(c.Posts, "post", "posts") + " in this " + c.View
}
