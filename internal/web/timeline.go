package web

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
)

// timeline is the expiry chart above the Issues list: the connection
// deadlines of the coming days as marks on an axis, with the alert
// thresholds, drawn server-side as SVG. Summary and Items are its text
// alternative.
type timeline struct {
	Days          int
	Width, Height int
	// AxisY is the height of the axis, TickY the end of its ticks, LabelY
	// the baseline of their labels; X0 and X1 are its ends (today, Days
	// on); EndedX is the column of deadlines already passed.
	AxisY, TickY, LabelY int
	X0, X1, EndedX       int
	Ticks                []timelineTick
	Thresholds           []timelineTick
	Marks                []timelineMark
	Summary              string
	Items                []string
}

type timelineTick struct {
	X      int
	Label  string
	Anchor string // text-anchor of the label
	DX     int    // shift of the label off its line
}

type timelineMark struct {
	X, Y  int
	State tokenwatch.State
	Label string
}

// Geometry of the chart, in SVG user units. It is drawn for a phone's
// width first: the stylesheet enlarges words and marks on small screens.
const (
	timelineWidth  = 600
	timelineX0     = 106
	timelineX1     = 570
	timelineEnded  = 34
	timelineTop    = 30 // room for the threshold labels
	timelineRow    = 18 // vertical step between marks of the same day
	timelineBottom = 36 // room for the tick labels
)

// newTimeline charts the deadlines of the pages that fall within the next
// days (or have passed already), worst first within a day.
func newTimeline(pages []pageView, thresholds []time.Duration, now time.Time, days int) timeline {
	horizon := now.Add(time.Duration(days) * 24 * time.Hour)
	var shown []pageView
	for _, p := range pages {
		if !p.Deadline.IsZero() && p.Deadline.Before(horizon) {
			shown = append(shown, p)
		}
	}
	slices.SortStableFunc(shown, func(a, b pageView) int {
		return cmp.Or(a.Deadline.Compare(b.Deadline), cmp.Compare(b.State.Severity(), a.State.Severity()))
	})

	t := timeline{Days: days, Width: timelineWidth, X0: timelineX0, X1: timelineX1, EndedX: timelineEnded}
	x := func(at time.Time) int {
		return timelineX0 + int(float64(timelineX1-timelineX0)*at.Sub(now).Hours()/float64(days*24))
	}
	// Marks of the same day (or all ended ones) stack upwards.
	stacks := map[int]int{}
	rows := 3
	ended := 0
	type placed struct {
		x, row int
		p      pageView
	}
	var marks []placed
	for _, p := range shown {
		col, day := timelineEnded, -1
		if p.Deadline.After(now) {
			col, day = x(p.Deadline), int(p.Deadline.Sub(now).Hours()/24)
		} else {
			ended++
		}
		marks = append(marks, placed{col, stacks[day], p}) // stacked upwards
		stacks[day]++
		rows = max(rows, stacks[day])
		t.Items = append(t.Items, fmt.Sprintf("%s (%s, %s): %s", p.Name, p.Location.Name, p.Provider.DisplayName(), p.DeadlineText))
	}
	t.AxisY = timelineTop + rows*timelineRow + 6
	t.TickY, t.LabelY = t.AxisY+6, t.AxisY+26
	t.Height = t.AxisY + timelineBottom
	for _, m := range marks {
		t.Marks = append(t.Marks, timelineMark{X: m.x, Y: t.AxisY - 12 - m.row*timelineRow, State: m.p.State,
			Label: fmt.Sprintf("%s (%s, %s): %s", m.p.Name, m.p.Location.Name, m.p.Provider.DisplayName(), m.p.DeadlineText)})
	}

	t.Ticks = append(t.Ticks, timelineTick{X: timelineEnded, Label: "ended", Anchor: "middle"},
		timelineTick{X: timelineX0, Label: "today", Anchor: "middle"})
	// Weekly ticks, but none too close to the last one for its label.
	for w := 1; w*7 <= days-5; w++ {
		t.Ticks = append(t.Ticks, timelineTick{X: x(now.Add(time.Duration(w*7*24) * time.Hour)), Label: plural(w, "week", "weeks"), Anchor: "middle"})
	}
	t.Ticks = append(t.Ticks, timelineTick{X: timelineX1, Label: fmt.Sprintf("%d days", days), Anchor: "end"})
	// Threshold labels stand right of their line, the last (shortest,
	// nearest to today) left of it, so that neighbours do not collide.
	for i, th := range thresholds {
		if th < time.Duration(days)*24*time.Hour {
			tick := timelineTick{X: x(now.Add(th)), Label: thresholdLabel(th), Anchor: "start", DX: 4}
			if i == len(thresholds)-1 {
				tick.Anchor, tick.DX = "end", -4
			}
			t.Thresholds = append(t.Thresholds, tick)
		}
	}

	coming := len(shown) - ended
	switch {
	case len(shown) == 0:
		t.Summary = fmt.Sprintf("No connection ends in the next %d days.", days)
	case ended == 0:
		t.Summary = fmt.Sprintf("%s in the next %d days.", plural(coming, "connection ends", "connections end"), days)
	default:
		t.Summary = fmt.Sprintf("%s in the next %d days; %s already.", plural(coming, "connection ends", "connections end"), days,
			plural(ended, "has ended", "have ended"))
	}
	return t
}

// thresholdLabel names an alert threshold on the chart: "10-day alert".
func thresholdLabel(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d-day alert", d/(24*time.Hour))
	}
	return string(lifecycle.ThresholdStep(d)) + " alert"
}

// plural writes a count with the singular or plural words after it.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
