package web

import (
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// timelineDays is how far ahead the Issues page charts deadlines.
const timelineDays = 30

// issuesPerPage is the size of a page of the Issues list.
const issuesPerPage = 50

type issuesData struct {
	Locations []option
	Networks  []option
	States    []option
	Sorts     []option
	Filtered  bool
	// Count is how many pages match; Pages are this page of them, Next the
	// link to the next page ("" on the last), First the link back to the
	// first (on the pages after it).
	Count       int
	Pages       []pageView
	Next, First string
	Timeline    timeline
}

// issues lists the pages of the user's locations that need reconnecting,
// worst first (or by name), a page of results at a time, under a chart of
// the coming deadlines; filters: a location, a network, a state.
func (s *Server) issues(w http.ResponseWriter, r *http.Request) {
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
	network := tokenwatch.Provider(q.Get("network"))
	if network != "" && !network.Valid() {
		s.fail(w, r, tokenwatch.Errorf(tokenwatch.CodeInvalid, "%q is not a network tokenwatch knows.", network))
		return
	}
	state := tokenwatch.State(q.Get("state"))
	if state != "" && (!state.Valid() || !state.IsIssue()) {
		s.fail(w, r, tokenwatch.Errorf(tokenwatch.CodeInvalid, "%q is not the state of a page that needs reconnecting.", state))
		return
	}
	order := store.WorstFirst
	if q.Get("sort") == "name" {
		order = store.ByName
	}
	pq := v.query()
	pq.LocationID, pq.Provider, pq.Issues = locID, network, true
	if state != "" {
		pq.States = []tokenwatch.State{state}
	}
	data := issuesData{
		Locations: locationOptions(v.Locations, locID, "All locations"),
		Networks:  networkOptions(network),
		States:    stateOptions(state),
		Sorts:     []option{{Value: "", Label: "Worst first", Selected: order == store.WorstFirst}, {Value: "name", Label: "By name", Selected: order == store.ByName}},
		Filtered:  locID != 0 || network != "" || state != "",
	}
	if data.Count, err = s.store.CountPages(r.Context(), pq); err != nil {
		s.fail(w, r, err)
		return
	}
	pq.Order, pq.After, pq.Limit = order, q.Get("after"), issuesPerPage
	list := s.store.QueryPages
	if order == store.WorstFirst {
		// State by state through the index, rather than sorting every
		// issue the person sees for each page of results.
		list = s.store.IssuePages
	}
	pages, next, err := list(r.Context(), pq)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if data.Pages, err = s.pageViews(r.Context(), v, pages); err != nil {
		s.fail(w, r, err)
		return
	}
	if next != "" {
		data.Next = issuesLink(q, next)
	}
	if q.Get("after") != "" {
		data.First = issuesLink(q, "")
	}

	// The chart: the deadlines of the coming days, counted per day (and
	// state) through the index, of the same pages as the list, healthy
	// ones included (they are the issues to come).
	tz := time.UTC
	if len(v.Locations) > 0 {
		tz = v.Locations[0].Loc()
		if l, ok := v.byID[locID]; ok {
			tz = l.Loc()
		}
	}
	now := s.now().In(tz)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, tz)
	cq := pq
	cq.Issues, cq.States, cq.After = false, nil, ""
	days, err := s.store.DeadlinesPerDay(r.Context(), cq, today, timelineDays+1)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data.Timeline = newTimeline(days, v.Policy.Thresholds(), now, today, timelineDays)
	s.render(w, r, http.StatusOK, "issues", page{Title: "Issues", Data: data})
}

// issuesLink is the Issues page with the same filters, from cursor after.
func issuesLink(q url.Values, after string) string {
	l := url.Values{}
	for _, k := range []string{"location", "network", "state", "sort"} {
		if v := q.Get(k); v != "" {
			l.Set(k, v)
		}
	}
	if after != "" {
		l.Set("after", after)
	}
	if len(l) == 0 {
		return "/issues"
	}
	return "/issues?" + l.Encode()
}

// stateOptions lists the states of pages that need reconnecting.
func stateOptions(selected tokenwatch.State) []option {
	out := []option{{Value: "", Label: "Every state", Selected: selected == ""}}
	for _, st := range tokenwatch.States {
		if st.IsIssue() {
			out = append(out, option{Value: string(st), Label: st.Label(), Selected: st == selected})
		}
	}
	return out
}

// networkOptions lists every network, after a first choice meaning all.
func networkOptions(selected tokenwatch.Provider) []option {
	out := []option{{Value: "", Label: "All networks", Selected: selected == ""}}
	for _, p := range tokenwatch.Providers {
		out = append(out, option{Value: string(p), Label: p.DisplayName(), Selected: p == selected})
	}
	return slices.Clip(out)
}
