package store

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tokenwatch/tokenwatch"
)

// IssuePages returns a page of results of the pages that need a person,
// worst first: the order, cursors and filters of QueryPages with Issues and
// WorstFirst. Instead of sorting every issue of the scope for each page of
// results, it reads state after state, worst first, through the index of
// pages by account (or location), state and deadline: the pages with a
// deadline in its order, then those without by id. A page of results costs
// what it holds, however many issues there are (states without any are
// found in one query of index probes, and not read).
func (s *Store) IssuePages(ctx context.Context, q PageQuery) (pages []*tokenwatch.Page, next string, err error) {
	states := issueStates
	if len(q.States) > 0 {
		states = nil
		for _, st := range q.States {
			if st.IsIssue() && !slices.Contains(states, st) {
				states = append(states, st)
			}
		}
	}
	slices.SortFunc(states, func(a, b tokenwatch.State) int { return b.Severity() - a.Severity() })
	limit := q.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, MaxListLimit)
	c, err := decodeCursor(q.After)
	if err != nil {
		return nil, "", err
	}
	present, err := s.presentStates(ctx, q, states)
	if err != nil {
		return nil, "", err
	}
	scope := q
	scope.States, scope.Issues = nil, false
	var (
		out       []*tokenwatch.Page
		deadlines []time.Time
	)
	read := func(st tokenwatch.State, withDeadline bool, after func(arg func(any) string) string) error {
		where, args, err := scope.where()
		if err != nil {
			return err
		}
		arg := func(v any) string {
			args = append(args, v)
			return "$" + strconv.Itoa(len(args))
		}
		where += " AND p.state = " + arg(st)
		// Without a deadline the order is by id; it is written as the
		// index's (deadline, id) all the same, so that PostgreSQL reads the
		// index in order instead of sorting.
		order := "p.deadline, p.id"
		if withDeadline {
			where += " AND p.deadline IS NOT NULL"
		} else {
			where += " AND p.deadline IS NULL"
		}
		if after != nil {
			where += " AND " + after(arg)
		}
		rows, err := s.query(ctx, s.rdb, `SELECT `+pageColumns+`, p.deadline FROM pages p WHERE `+where+` ORDER BY `+order+
			` LIMIT `+arg(limit+1-len(out)), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var d time.Time
			p, err := scanPage(rows, &d)
			if err != nil {
				return err
			}
			out, deadlines = append(out, p), append(deadlines, d)
		}
		return rows.Err()
	}
	for _, st := range states {
		if len(out) > limit {
			break
		}
		sev := st.Severity()
		if !present[st] || (c != nil && sev > c.severity) {
			continue // none, or before the cursor
		}
		at := c != nil && sev == c.severity
		// The pages with a deadline, in its order.
		if !at || c.deadline != farDeadline.UnixMilli() {
			var after func(func(any) string) string
			if at {
				after = func(arg func(any) string) string {
					d, id := arg(time.UnixMilli(c.deadline).UTC()), arg(c.id)
					return "(p.deadline > " + d + " OR (p.deadline = " + d + " AND p.id > " + id + "))"
				}
			}
			if err := read(st, true, after); err != nil {
				return nil, "", err
			}
		}
		if len(out) > limit {
			break
		}
		// Then those without one, by id.
		var after func(func(any) string) string
		if at && c.deadline == farDeadline.UnixMilli() {
			after = func(arg func(any) string) string { return "p.id > " + arg(c.id) }
		}
		if err := read(st, false, after); err != nil {
			return nil, "", err
		}
	}
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = (&cursor{severity: last.State.Severity(), deadline: keyOf(deadlines[limit-1]), id: last.ID, name: last.Name}).encode()
	}
	return out, next, nil
}

// presentStates says which of states the query's scope has pages in: one
// index probe per state, in one query.
func (s *Store) presentStates(ctx context.Context, q PageQuery, states []tokenwatch.State) (map[tokenwatch.State]bool, error) {
	out := map[tokenwatch.State]bool{}
	if len(states) == 0 {
		return out, nil
	}
	q.States, q.Issues = nil, false
	where, args, err := q.where()
	if err != nil {
		return nil, err
	}
	// Each state is written in the statement, not bound: with a parameter,
	// PostgreSQL's generic plan of a reused statement (pgx prepares them)
	// probes by a scan of the table in its order, which finds a state
	// that has pages at once but reads all of it for one that has none
	// (400 ms at 1,000,000 pages); with the state known, it probes the
	// index of issues. States are known words, never input.
	probes := make([]string, len(states))
	for i, st := range states {
		if !st.Valid() {
			probes[i] = "0"
			continue
		}
		probes[i] = "(SELECT count(*) FROM (SELECT 1 FROM pages p WHERE " + where + " AND p.state = '" + string(st) + "' LIMIT 1) x)"
	}
	found := make([]int, len(states))
	dest := make([]any, len(states))
	for i := range found {
		dest[i] = &found[i]
	}
	if err := s.queryRow(ctx, s.rdb, `SELECT `+strings.Join(probes, ", "), args...).Scan(dest...); err != nil {
		return nil, err
	}
	for i, st := range states {
		out[st] = found[i] > 0
	}
	return out, nil
}
