package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tokenwatch/tokenwatch"
)

// Lists of pages are read a page of results at a time, with keyset cursors
// (never OFFSET), and every query has the same size whatever the number of
// pages a person sees: a user's pages are those of the locations they take
// part in, found by a subquery, never by a list of ids.

// PageOrder is how a list of pages is sorted.
type PageOrder int

// Orders.
const (
	// ByID is the order of creation: the API's lists.
	ByID PageOrder = iota
	// WorstFirst puts the worst state first, then the nearest deadline
	// (none last): the Issues page, the login pop-up.
	WorstFirst
	// ByName sorts by the page's name: a location's pages.
	ByName
)

// MaxListLimit bounds a page of results.
const MaxListLimit = 500

// PageQuery selects pages. One scope is set: UserID (the locations the user
// takes part in) or AccountID (the whole account); the other fields filter.
type PageQuery struct {
	UserID     int64
	AccountID  int64
	LocationID int64
	Provider   tokenwatch.Provider
	// States keeps pages in these states; Issues keeps every state but
	// healthy (the pages that need a person).
	States []tokenwatch.State
	Issues bool

	Order PageOrder
	// After is the cursor a previous page of results returned.
	After string
	// Limit is the size of a page of results (default 50, at most
	// MaxListLimit).
	Limit int
}

// farDeadline stands for "no deadline" where deadlines are compared: after
// every real one.
var farDeadline = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// severityExpr is a state's rank, worst highest, as SQL (from
// tokenwatch.States, the one source of the order).
var severityExpr = func() string {
	var b strings.Builder
	b.WriteString("CASE p.state")
	for _, st := range tokenwatch.States {
		fmt.Fprintf(&b, " WHEN '%s' THEN %d", st, st.Severity())
	}
	b.WriteString(" ELSE 0 END")
	return b.String()
}()

// issueStates are the states of pages that need a person.
var issueStates = func() []tokenwatch.State {
	var out []tokenwatch.State
	for _, st := range tokenwatch.States {
		if st.IsIssue() {
			out = append(out, st)
		}
	}
	return out
}()

// where builds the query's conditions and arguments (from $1).
func (q PageQuery) where() (string, []any, error) {
	var conds []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	switch {
	case q.UserID != 0:
		conds = append(conds, "p.location_id IN (SELECT location_id FROM memberships WHERE user_id = "+arg(q.UserID)+")")
	case q.AccountID != 0:
		conds = append(conds, "p.account_id = "+arg(q.AccountID))
	default:
		return "", nil, fmt.Errorf("store: a page query needs a user or an account")
	}
	if q.LocationID != 0 {
		conds = append(conds, "p.location_id = "+arg(q.LocationID))
	}
	if q.Provider != "" {
		conds = append(conds, "p.provider = "+arg(q.Provider))
	}
	states := q.States
	if q.Issues && len(states) == 0 {
		states = issueStates
	}
	if len(states) > 0 {
		// Known states are written in the statement (see presentStates):
		// bound, PostgreSQL's generic plan of a reused statement filtered
		// every page of the person's locations by state instead of
		// reading the states' entries of the index (a count of 7,000
		// issues among 100,000 pages: 112 ms instead of 8.5 ms).
		ps := make([]string, len(states))
		for i, st := range states {
			if st.Valid() {
				ps[i] = "'" + string(st) + "'"
			} else {
				ps[i] = arg(st)
			}
		}
		conds = append(conds, "p.state IN ("+strings.Join(ps, ", ")+")")
	}
	return strings.Join(conds, " AND "), args, nil
}

// QueryPages returns a page of results of the query, and the cursor of the
// next one ("" after the last).
func (s *Store) QueryPages(ctx context.Context, q PageQuery) ([]*tokenwatch.Page, string, error) {
	where, args, err := q.where()
	if err != nil {
		return nil, "", err
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, MaxListLimit)
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	c, err := decodeCursor(q.After)
	if err != nil {
		return nil, "", err
	}
	var order string
	switch q.Order {
	case WorstFirst:
		dk := "coalesce(p.deadline, " + arg(farDeadline) + ")"
		order = severityExpr + " DESC, " + dk + ", p.id"
		if c != nil {
			sev, d, id := arg(c.severity), arg(time.UnixMilli(c.deadline).UTC()), arg(c.id)
			where += fmt.Sprintf(" AND (%[1]s < %[2]s OR (%[1]s = %[2]s AND (%[3]s > %[4]s OR (%[3]s = %[4]s AND p.id > %[5]s))))",
				severityExpr, sev, dk, d, id)
		}
	case ByName:
		order = "p.name, p.id"
		if c != nil {
			name, id := arg(c.name), arg(c.id)
			where += fmt.Sprintf(" AND (p.name > %[1]s OR (p.name = %[1]s AND p.id > %[2]s))", name, id)
		}
	default:
		order = "p.id"
		if c != nil {
			where += " AND p.id > " + arg(c.id)
		}
	}
	rows, err := s.query(ctx, s.rdb, `SELECT `+pageColumns+` FROM pages p WHERE `+where+` ORDER BY `+order+` LIMIT `+arg(limit+1), args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var out []*tokenwatch.Page
	for rows.Next() {
		p, err := scanPage(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = (&cursor{severity: last.State.Severity(), deadline: keyOf(deadlineOf(last)), id: last.ID, name: last.Name}).encode()
	}
	return out, next, nil
}

func keyOf(d time.Time) int64 {
	if d.IsZero() {
		return farDeadline.UnixMilli()
	}
	return d.UTC().Truncate(time.Millisecond).UnixMilli()
}

// cursor is where a page of results ended, for the next.
type cursor struct {
	severity int
	deadline int64 // Unix milliseconds
	id       int64
	name     string
}

func (c *cursor) encode() string {
	raw := strconv.Itoa(c.severity) + "\x00" + strconv.FormatInt(c.deadline, 10) + "\x00" + strconv.FormatInt(c.id, 10) + "\x00" + c.name
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// ErrBadCursor answers a cursor that tokenwatch did not make.
var ErrBadCursor = tokenwatch.Errorf(tokenwatch.CodeInvalid, "The cursor is not one tokenwatch gave: start again from the first page.")

func decodeCursor(s string) (*cursor, error) {
	if s == "" {
		return nil, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, ErrBadCursor
	}
	parts := strings.SplitN(string(raw), "\x00", 4)
	if len(parts) != 4 {
		return nil, ErrBadCursor
	}
	sev, err1 := strconv.Atoi(parts[0])
	d, err2 := strconv.ParseInt(parts[1], 10, 64)
	id, err3 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return nil, ErrBadCursor
	}
	return &cursor{severity: sev, deadline: d, id: id, name: parts[3]}, nil
}

// CountPages counts the pages the query selects (its order, cursor and
// limit aside).
func (s *Store) CountPages(ctx context.Context, q PageQuery) (int, error) {
	where, args, err := q.where()
	if err != nil {
		return 0, err
	}
	var n int
	err = s.queryRow(ctx, s.rdb, `SELECT count(*) FROM pages p WHERE `+where, args...).Scan(&n)
	return n, err
}

// StateCount is how many pages of a location are in a state.
type StateCount struct {
	LocationID int64
	State      tokenwatch.State
	N          int
}

// CountByLocation counts the pages the query selects by location and state.
func (s *Store) CountByLocation(ctx context.Context, q PageQuery) ([]StateCount, error) {
	where, args, err := q.where()
	if err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, s.rdb, `SELECT p.location_id, p.state, count(*) FROM pages p WHERE `+where+
		` GROUP BY p.location_id, p.state`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []StateCount
	for rows.Next() {
		var c StateCount
		if err := rows.Scan(&c.LocationID, &c.State, &c.N); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// DayCount is how many of the pages a query selects have their deadline on
// one day, by state.
type DayCount struct {
	// Day is the number of days after the start of the counted span.
	Day   int
	State tokenwatch.State
	N     int
}

// DeadlinesPerDay counts, day by day from from (a day's start) for days
// days, the deadlines of the pages the query selects, by state; deadlines
// before from count as day -1.
func (s *Store) DeadlinesPerDay(ctx context.Context, q PageQuery, from time.Time, days int) ([]DayCount, error) {
	where, args, err := q.where()
	if err != nil {
		return nil, err
	}
	n := len(args)
	args = append(args, from.UTC(), from.Add(time.Duration(days)*24*time.Hour).UTC())
	bucket := s.eng.dayBucket("p.deadline", "$"+strconv.Itoa(n+1))
	rows, err := s.query(ctx, s.rdb, fmt.Sprintf(`SELECT CASE WHEN p.deadline < $%[1]d THEN -1 ELSE %[3]s END AS day, p.state, count(*)
		FROM pages p WHERE %[4]s AND p.deadline IS NOT NULL AND p.deadline < $%[2]d
		GROUP BY 1, 2 ORDER BY 1, 2`, n+1, n+2, bucket, where), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DayCount
	for rows.Next() {
		var c DayCount
		if err := rows.Scan(&c.Day, &c.State, &c.N); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// PagesByState counts every page by state, for /metrics, from counts
// kept as pages change or through an index (see engine.pagesByState),
// never by reading every page.
func (s *Store) PagesByState(ctx context.Context) (map[tokenwatch.State]int, error) {
	out := map[tokenwatch.State]int{}
	rows, err := s.query(ctx, s.rdb, s.eng.pagesByState())
	if err != nil {
		return nil, err
	}
	err = scanAll(rows, func(r *sql.Rows) error {
		var (
			st tokenwatch.State
			n  int
		)
		err := r.Scan(&st, &n)
		out[st] = n
		return err
	})
	return out, err
}

// StalePages returns up to limit pages of the user's locations that were
// not checked since checkedBefore, are not known to be revoked and are not
// backing off after a failure at now: the checks a sign-in starts. Any such
// pages will do, so the query stops at limit whatever the user sees.
func (s *Store) StalePages(ctx context.Context, userID int64, checkedBefore, now time.Time, limit int) ([]int64, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT p.id FROM pages p
		WHERE p.location_id IN (SELECT location_id FROM memberships WHERE user_id = $1)
		AND (p.last_checked_at IS NULL OR p.last_checked_at < $2) AND p.problem <> $3 AND (p.retry_at IS NULL OR p.retry_at <= $4)
		LIMIT $5`, userID, checkedBefore.UTC(), tokenwatch.ProblemRevoked, now.UTC(), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
