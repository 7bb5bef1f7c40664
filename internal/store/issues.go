package store

import (
	"context"
	"database/sql"
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
// what it holds, however many issues there are: a state is read only while
// the page of results is not full, and once the first state read leaves
// it short, the states without any pages are found in one query of index
// probes and not read.
func (s *Store) IssuePages(ctx context.Context, q PageQuery) (pages []*tokenwatch.Page, next string, err error) {
	next, err = s.issuePages(ctx, q, pageColumns, func(rows *sql.Rows, deadline *time.Time) (*tokenwatch.Page, error) {
		p, err := scanPage(rows, deadline)
		if err == nil {
			pages = append(pages, p)
		}
		return p, err
	})
	if err != nil {
		return nil, "", err
	}
	return pages[:min(len(pages), q.limit())], next, nil
}

// Issue is a page of the API's list of issues: what it shows of the page
// (see IssueList) and the posts the page puts at risk.
type Issue struct {
	Page *tokenwatch.Page
	Risk Risk
}

// issueColumns are the columns of a page that the API's list of issues
// shows or evaluates its state from: pageColumns without when the page was
// created, updated and next due, its last delivery error and who
// connected it.
const issueColumns = `p.id, p.account_id, p.location_id, p.provider, p.provider_page_id, p.name,
	p.provider_user_id, p.provider_user_name, p.scopes,
	p.access_expires_at, p.refresh_expires_at, p.data_access_expires_at, p.auto_refresh,
	p.refresh_before_expiry, p.refresh_lead_seconds, p.problem, p.last_checked_at, p.last_error_class, p.last_error_message, p.last_error_at,
	p.retry_at, p.generation, p.state`

// issueRisk is the posts a page puts at risk (see PostsAtRisk) as two
// columns of the page's row, for engines that read them so
// (engine.risksInRows): counted for the rows read only, in the statement
// that reads them.
var issueRisk = `(SELECT count(*) FROM post_pages pp WHERE pp.page_id = p.id AND pp.status IN ('` +
	string(tokenwatch.PostScheduled) + `', '` + string(tokenwatch.PostHeld) + `')),
	(SELECT min(po.scheduled_at) FROM post_pages pp JOIN posts po ON po.id = pp.post_id
		WHERE pp.page_id = p.id AND pp.status IN ('` + string(tokenwatch.PostScheduled) + `', '` + string(tokenwatch.PostHeld) + `'))`

// IssueList is IssuePages for the API: the same pages, order and cursors,
// each with the posts it puts at risk (in the statement that reads the
// pages or in one query after it, see engine.risksInRows). Of each page
// only what the API shows is read (issueColumns): not its creation, update
// and next due times, its last delivery error, nor who connected it.
func (s *Store) IssueList(ctx context.Context, q PageQuery) (issues []Issue, next string, err error) {
	inRows := s.eng.risksInRows()
	columns := issueColumns
	if inRows {
		columns += ", " + issueRisk
	}
	next, err = s.issuePages(ctx, q, columns, func(rows *sql.Rows, deadline *time.Time) (*tokenwatch.Page, error) {
		var (
			p      tokenwatch.Page
			scopes string
			lead   int64
			le     tokenwatch.PageError
			r      Risk
		)
		dest := []any{&p.ID, &p.AccountID, &p.LocationID, &p.Provider, &p.ProviderPageID, &p.Name,
			&p.ProviderUserID, &p.ProviderUserName, &scopes,
			&p.AccessExpiresAt, &p.RefreshExpiresAt, &p.DataAccessExpiresAt, &p.AutoRefresh,
			&p.RefreshBeforeExpiry, &lead, &p.Problem, &p.LastCheckedAt, &le.Class, &le.Message, &le.At,
			&p.RetryAt, &p.Generation, &p.State, &r.Posts, &r.Earliest, deadline}
		if !inRows {
			dest = append(dest[:len(dest)-3], deadline)
		}
		if err := scan(rows, dest...); err != nil {
			return nil, err
		}
		p.Scopes = strings.Fields(scopes)
		p.RefreshLead = time.Duration(lead) * time.Second
		if le.Class != "" {
			p.LastError = &le
		}
		issues = append(issues, Issue{Page: &p, Risk: r})
		return &p, nil
	})
	if err != nil {
		return nil, "", err
	}
	issues = issues[:min(len(issues), q.limit())]
	if !inRows {
		ids := make([]int64, len(issues))
		for i, is := range issues {
			ids[i] = is.Page.ID
		}
		risks, err := s.PostsAtRisk(ctx, ids)
		if err != nil {
			return nil, "", err
		}
		for i, is := range issues {
			issues[i].Risk = risks[is.Page.ID]
		}
	}
	return issues, next, nil
}

// limit is the size of a page of results.
func (q PageQuery) limit() int {
	if q.Limit <= 0 {
		return 50
	}
	return min(q.Limit, MaxListLimit)
}

// issuePages reads the issues of IssuePages, selecting columns (then the
// page's deadline) and scanning each row with scanRow, up to a page of
// results and one more; it returns the cursor of the next page of results.
func (s *Store) issuePages(ctx context.Context, q PageQuery, columns string, scanRow func(rows *sql.Rows, deadline *time.Time) (*tokenwatch.Page, error)) (next string, err error) {
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
	limit := q.limit()
	c, err := decodeCursor(q.After)
	if err != nil {
		return "", err
	}
	scope := q
	scope.States, scope.Issues = nil, false
	var (
		n     int // rows read
		last  *tokenwatch.Page
		lastD time.Time // its deadline
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
		// A known state is written in the statement (see presentStates).
		if st.Valid() {
			where += " AND p.state = '" + string(st) + "'"
		} else {
			where += " AND p.state = " + arg(st)
		}
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
		rows, err := s.query(ctx, s.rdb, `SELECT `+columns+`, p.deadline FROM pages p WHERE `+where+` ORDER BY `+order+
			` LIMIT `+s.eng.limit(limit+1-n, arg), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var d time.Time
			p, err := scanRow(rows, &d)
			if err != nil {
				return err
			}
			n++
			if n <= limit {
				last, lastD = p, d
			}
		}
		return rows.Err()
	}
	// Which states have pages is asked once the first state read leaves
	// the page of results short: most first pages come from one state.
	var present map[tokenwatch.State]bool
	for i, st := range states {
		if n > limit {
			break
		}
		sev := st.Severity()
		if (present != nil && !present[st]) || (c != nil && sev > c.severity) {
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
				return "", err
			}
		}
		if n > limit {
			break
		}
		if present == nil {
			if present, err = s.presentStates(ctx, q, states[i:]); err != nil {
				return "", err
			}
			if !present[st] {
				continue
			}
		}
		// Then those without one, by id.
		var after func(func(any) string) string
		if at && c.deadline == farDeadline.UnixMilli() {
			after = func(arg func(any) string) string { return "p.id > " + arg(c.id) }
		}
		if err := read(st, false, after); err != nil {
			return "", err
		}
	}
	if n > limit {
		next = (&cursor{severity: last.State.Severity(), deadline: keyOf(lastD), id: last.ID, name: last.Name}).encode()
	}
	return next, nil
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
