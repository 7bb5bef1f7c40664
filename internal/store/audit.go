package store

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// AuditEntry is one line of an account's audit log: who did what, to what,
// and when. Names are those of the moment (the log outlives the people,
// locations and pages it names); it never holds a token or a secret.
type AuditEntry struct {
	ID        int64
	AccountID int64
	At        time.Time
	// ActorKind is user, api_key, request (someone answering a reconnect
	// link) or system; ActorID the user's or key's id; ActorName their
	// e-mail address or the key's name.
	ActorKind string
	ActorID   int64
	ActorName string
	// Action is what was done, such as "person.invited" or
	// "page.disconnected".
	Action     string
	LocationID int64
	PageID     int64
	// Subject names what the action was about ("ana@example.com",
	// "Demo Bakery (Facebook)"); Detail says more ("manager at Downtown").
	Subject string
	Detail  string
}

// AddAudit appends an entry to its account's audit log and sets its ID and
// time.
func (s *Store) AddAudit(ctx context.Context, e *AuditEntry) error {
	e.At = s.now().UTC().Truncate(time.Millisecond)
	return s.queryRow(ctx, s.db, `INSERT INTO audit_log (account_id, at, actor_kind, actor_id, actor_name, action,
			location_id, page_id, subject, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		e.AccountID, e.At, e.ActorKind, e.ActorID, e.ActorName, e.Action, nullID(e.LocationID), nullID(e.PageID),
		e.Subject, e.Detail).Scan(&e.ID)
}

// AuditQuery selects an account's audit entries, newest first, a page at
// a time: Before is the id the previous page ended at (zero: the newest).
type AuditQuery struct {
	AccountID int64
	// Action, if set, keeps the entries of that action, or of every
	// action of a kind when it ends with a dot ("page.").
	Action string
	// ActorKind and ActorID, if set, keep what that user or key did.
	ActorKind string
	ActorID   int64
	// LocationID, if set, keeps what happened at a location.
	LocationID int64
	Before     int64
	Limit      int
}

// QueryAudit returns the entries q selects, newest first.
func (s *Store) QueryAudit(ctx context.Context, q AuditQuery) ([]*AuditEntry, error) {
	args := []any{q.AccountID}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	conds := []string{"account_id = $1"}
	switch {
	case strings.HasSuffix(q.Action, "."):
		conds = append(conds, "action >= "+arg(q.Action)+" AND action < "+arg(strings.TrimSuffix(q.Action, ".")+"/"))
	case q.Action != "":
		conds = append(conds, "action = "+arg(q.Action))
	}
	if q.ActorKind != "" {
		conds = append(conds, "actor_kind = "+arg(q.ActorKind)+" AND actor_id = "+arg(q.ActorID))
	}
	if q.LocationID != 0 {
		conds = append(conds, "location_id = "+arg(q.LocationID))
	}
	if q.Before != 0 {
		conds = append(conds, "id < "+arg(q.Before))
	}
	limit := q.Limit
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	rows, err := s.query(ctx, s.rdb, `SELECT id, account_id, at, actor_kind, actor_id, actor_name, action,
			coalesce(location_id, 0), coalesce(page_id, 0), subject, detail
		FROM audit_log WHERE `+strings.Join(conds, " AND ")+` ORDER BY id DESC LIMIT `+arg(limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*AuditEntry
	for rows.Next() {
		var e AuditEntry
		if err := scan(rows, &e.ID, &e.AccountID, &e.At, &e.ActorKind, &e.ActorID, &e.ActorName, &e.Action,
			&e.LocationID, &e.PageID, &e.Subject, &e.Detail); err != nil {
			return nil, err
		}
		out = append(out, &e)
	}
	return out, rows.Err()
}
