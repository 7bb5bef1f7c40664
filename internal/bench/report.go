package bench

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is a run's result: what was seeded, then one line per measure.
type Report struct {
	Engine string
	// About says what was seeded and how it was loaded.
	About []string
	Lines []Line
}

// Line is one measure. A line with a Target passes or fails; the others
// inform.
type Line struct {
	Name, Value, Target string
	Pass                bool
}

// Failed returns the lines with a target that failed.
func (r *Report) Failed() []Line {
	var out []Line
	for _, l := range r.Lines {
		if l.Target != "" && !l.Pass {
			out = append(out, l)
		}
	}
	return out
}

// Line returns the line of that name, if any.
func (r *Report) Line(name string) (Line, bool) {
	i := slices.IndexFunc(r.Lines, func(l Line) bool { return l.Name == name })
	if i < 0 {
		return Line{}, false
	}
	return r.Lines[i], true
}

func (r *Report) add(name, value, target string, pass bool) {
	r.Lines = append(r.Lines, Line{Name: name, Value: value, Target: target, Pass: pass})
}

func (r *Report) info(name, value string) { r.add(name, value, "", false) }

// Print writes the report as a table.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintf(w, "tokenwatch bench on %s\n", r.Engine)
	for _, a := range r.About {
		fmt.Fprintln(w, "  "+a)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "MEASURE\tVALUE\tTARGET\tRESULT")
	for _, l := range r.Lines {
		result := ""
		if l.Target != "" {
			result = "FAIL"
			if l.Pass {
				result = "PASS"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", l.Name, l.Value, l.Target, result)
	}
	tw.Flush()
	if failed := r.Failed(); len(failed) > 0 {
		var names []string
		for _, l := range failed {
			names = append(names, l.Name)
		}
		fmt.Fprintf(w, "\n%d of the targets failed: %s\n", len(failed), strings.Join(names, "; "))
	} else {
		fmt.Fprintln(w, "\nevery target passed")
	}
}

// ms formats a duration in milliseconds.
func ms(d time.Duration) string {
	switch {
	case d >= 10*time.Millisecond:
		return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
	}
}

// count formats n with thousands separators.
func count(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func kb(n int64) string { return fmt.Sprintf("%.1f KB", float64(n)/1000) }

func mb(n int64) string { return fmt.Sprintf("%.0f MB", float64(n)/1e6) }

// quantile returns the q-quantile of ds (nearest rank).
func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(q*float64(len(s))+0.999999) - 1
	return s[max(0, min(len(s)-1, i))]
}
