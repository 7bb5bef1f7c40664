package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/tokenwatch/tokenwatch"
)

// EventKind is what happened to a page's grant.
type EventKind string

// Event kinds of a page's history.
const (
	EventRefreshed     EventKind = "refreshed"      // tokenwatch prolonged the token
	EventRefreshFailed EventKind = "refresh_failed" // the network refused or failed a refresh
	EventChecked       EventKind = "checked"        // a health check found the grant alive
	EventCheckFailed   EventKind = "check_failed"   // a health check, or a call using the token, was refused or failed
	EventReconnected   EventKind = "reconnected"    // a person renewed the grant through a consent
	EventDisconnected  EventKind = "disconnected"   // a person disconnected the page
	EventAdminChanged  EventKind = "admin_changed"  // someone else became the page admin
)

// Event is what a change to a page records in its history, in the same
// transaction as the change.
type Event struct {
	Kind EventKind
	// Class is the classified result of a failed call.
	Class  tokenwatch.ErrorClass
	Detail string
	// UserID is the person who did it (zero: tokenwatch itself, or
	// someone without an account, named by Actor).
	UserID int64
	Actor  string
}

// PageEvent is one moment of a page's history.
type PageEvent struct {
	Event
	ID     int64
	PageID int64
	At     time.Time
	// Generation is the page's token generation after the event.
	Generation int64
}

// recordEvent writes e into the history of a page, inside tx, with the
// page's generation as it now stands. A nil e records nothing.
func (s *Store) recordEvent(ctx context.Context, tx *sql.Tx, pageID int64, e *Event) error {
	if e == nil {
		return nil
	}
	_, err := s.exec(ctx, tx, `INSERT INTO page_events (page_id, at, kind, generation, class, detail, user_id, actor)
		SELECT id, $2, $3, generation, $4, $5, $6, $7 FROM pages WHERE id = $1`,
		pageID, s.now().UTC(), e.Kind, e.Class, e.Detail, nullID(e.UserID), e.Actor)
	return err
}

// AddPageEvent records an event in a page's history on its own (a change
// stored elsewhere, such as the page admin changing hands).
func (s *Store) AddPageEvent(ctx context.Context, pageID int64, e Event) error {
	return s.inTx(ctx, func(tx *sql.Tx) error { return s.recordEvent(ctx, tx, pageID, &e) })
}

// PageHistory returns up to limit events of a page older than before (zero:
// the newest), newest first.
func (s *Store) PageHistory(ctx context.Context, pageID int64, before time.Time, limit int) ([]PageEvent, error) {
	if before.IsZero() {
		before = time.Unix(1<<40, 0)
	}
	rows, err := s.query(ctx, s.rdb, `SELECT id, page_id, at, kind, generation, class, detail, coalesce(user_id, 0), actor
		FROM page_events WHERE page_id = $1 AND at < $2 ORDER BY at DESC, id DESC LIMIT $3`, pageID, before, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PageEvent
	for rows.Next() {
		var e PageEvent
		if err := scan(rows, &e.ID, &e.PageID, &e.At, &e.Kind, &e.Generation, &e.Class, &e.Detail, &e.UserID, &e.Actor); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// AlertSent is one alert of a page's ladder as its recipients got it.
type AlertSent struct {
	Generation int64
	Step       string
	At         time.Time
	// UserIDs are the people it went to (those who are still users).
	UserIDs []int64
}

// PageAlertsSent returns up to limit alerts sent about a page before
// before (zero: the latest), newest first, each with its recipients.
func (s *Store) PageAlertsSent(ctx context.Context, pageID int64, before time.Time, limit int) ([]AlertSent, error) {
	if before.IsZero() {
		before = time.Unix(1<<40, 0)
	}
	rows, err := s.query(ctx, s.rdb, `SELECT a.generation, a.step, a.created_at, a.user_id
		FROM alerts a JOIN (SELECT generation, step FROM alerts WHERE page_id = $1
			GROUP BY generation, step HAVING min(created_at) < $2
			ORDER BY min(created_at) DESC LIMIT $3) g ON g.generation = a.generation AND g.step = a.step
		WHERE a.page_id = $1 ORDER BY a.generation DESC, a.created_at, a.user_id`, pageID, before, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AlertSent
	for rows.Next() {
		var (
			a    AlertSent
			user int64
		)
		if err := scan(rows, &a.Generation, &a.Step, &a.At, &user); err != nil {
			return nil, err
		}
		if n := len(out); n > 0 && out[n-1].Generation == a.Generation && out[n-1].Step == a.Step {
			out[n-1].UserIDs = append(out[n-1].UserIDs, user)
			continue
		}
		a.UserIDs = []int64{user}
		out = append(out, a)
	}
	return out, rows.Err()
}

// DeletePageEventsBefore forgets the history older than t (the janitor
// keeps a bounded past) and returns how many events went.
func (s *Store) DeletePageEventsBefore(ctx context.Context, t time.Time) (int64, error) {
	res, err := s.exec(ctx, s.db, `DELETE FROM page_events WHERE at < $1`, t.UTC())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
