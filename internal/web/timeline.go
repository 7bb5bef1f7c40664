package web

import (
	"fmt"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/store"
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
	// N is how many deadlines the mark stands for, shown in it.
	N     int
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
	timelineRow    = 22 // vertical step between marks of the same day
	timelineBottom = 36 // room for the tick labels
)

// markGroup is how a day's deadlines are marked: ended, revoked or
// missing a permission (red), expiring (amber), connected (green).
func markGroup(st tokenwatch.State) tokenwatch.State {
	switch {
	case st == tokenwatch.StateExpiring:
		return tokenwatch.StateExpiring
	case st.IsIssue():
		return tokenwatch.StateExpired
	}
	return tokenwatch.StateHealthy
}

// newTimeline charts deadlines counted per day (store.DeadlinesPerDay from
// the start of today; day -1 for those passed): one mark per day and
// colour, with its count, worst on top.
func newTimeline(counts []store.DayCount, thresholds []time.Duration, now, today time.Time, days int) timeline {
	t := timeline{Days: days, Width: timelineWidth, X0: timelineX0, X1: timelineX1, EndedX: timelineEnded}
	x := func(at time.Time) int {
		return timelineX0 + int(float64(timelineX1-timelineX0)*at.Sub(now).Hours()/float64(days*24))
	}
	type key struct {
		day   int
		group tokenwatch.State
	}
	per := map[key]int{}
	var coming, comingIssues, ended int
	for _, c := range counts {
		if c.Day >= days {
			continue
		}
		per[key{c.Day, markGroup(c.State)}] += c.N
		switch {
		case c.Day < 0:
			ended += c.N
		default:
			coming += c.N
			if c.State.IsIssue() {
				comingIssues += c.N
			}
		}
	}
	rows := 3
	dayRows := map[int]int{}
	for d := -1; d < days; d++ {
		for _, g := range []tokenwatch.State{tokenwatch.StateExpired, tokenwatch.StateExpiring, tokenwatch.StateHealthy} {
			n := per[key{d, g}]
			if n == 0 {
				continue
			}
			col := timelineEnded
			date := today.AddDate(0, 0, d)
			if d >= 0 {
				col = max(x(date.Add(12*time.Hour)), timelineX0)
			}
			label := plural(n, "connection has ended", "connections have ended") + " already"
			if d >= 0 {
				label = plural(n, "connection ends", "connections end") + " on " + date.Format("Mon 2 January")
			}
			label += " (" + groupWords(g) + ")"
			t.Marks = append(t.Marks, timelineMark{X: col, State: g, N: n, Label: label})
			t.Items = append(t.Items, label)
			dayRows[d]++
			rows = max(rows, dayRows[d])
		}
	}
	t.AxisY = timelineTop + rows*timelineRow + 6
	t.TickY, t.LabelY = t.AxisY+6, t.AxisY+26
	t.Height = t.AxisY + timelineBottom
	// Stack each day's marks upwards, in the order they were made.
	stack := map[int]int{}
	for i := range t.Marks {
		m := &t.Marks[i]
		m.Y = t.AxisY - 14 - stack[m.X]*timelineRow
		stack[m.X]++
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

	// The summary counts what the marks count, and says how many of them
	// need reconnecting now: those are in the list below the chart.
	switch {
	case coming == 0 && ended == 0:
		t.Summary = fmt.Sprintf("No connection ends in the next %d days.", days)
	case coming == 0:
		t.Summary = fmt.Sprintf("No connection ends in the next %d days; %s already.", days, plural(ended, "has ended", "have ended"))
	default:
		t.Summary = fmt.Sprintf("%s in the next %d days, %s now", plural(coming, "connection ends", "connections end"), days,
			plural(comingIssues, "of them needs reconnecting", "of them need reconnecting"))
		if ended > 0 {
			t.Summary += fmt.Sprintf("; %s already", plural(ended, "has ended", "have ended"))
		}
		t.Summary += "."
	}
	return t
}

// groupWords says what a mark's colour means.
func groupWords(g tokenwatch.State) string {
	switch g {
	case tokenwatch.StateExpired:
		return "need reconnecting"
	case tokenwatch.StateExpiring:
		return "expiring"
	}
	return "connected for now"
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
