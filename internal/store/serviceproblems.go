package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/tokenwatch/tokenwatch"
)

// ServiceProblem is a refusal of tokenwatch's own app or configuration at a
// network, kept apart from page problems. Scope is the kind of call that
// met it ("token", "api", "version"); at most one is open per network and
// scope.
type ServiceProblem struct {
	ID       int64
	Provider tokenwatch.Provider
	Scope    string
	// Severity is "error" (calls fail) or "warning" (they will, e.g. an API
	// version close to its end).
	Severity string
	Code     string
	// Message is the network's refusal (cleaned of credentials); Action
	// says what the operator must do.
	Message     string
	Action      string
	Occurrences int64
	OpenedAt    time.Time
	LastSeenAt  time.Time
	ClosedAt    time.Time // zero while open
	NotifiedAt  time.Time // zero until the operator's e-mail went out
}

const serviceProblemColumns = `id, provider, scope, severity, code, message, action, occurrences, opened_at, last_seen_at, closed_at, notified_at`

func scanServiceProblem(sc scanner) (*ServiceProblem, error) {
	var p ServiceProblem
	err := scan(sc, &p.ID, &p.Provider, &p.Scope, &p.Severity, &p.Code, &p.Message, &p.Action, &p.Occurrences,
		&p.OpenedAt, &p.LastSeenAt, &p.ClosedAt, &p.NotifiedAt)
	return &p, err
}

// OpenServiceProblem opens the problem of p's network and scope, or, when
// one is open, records this occurrence on it (its message, code and
// severity become p's). It reports whether the problem is new.
func (s *Store) OpenServiceProblem(ctx context.Context, p *ServiceProblem) (opened bool, err error) {
	now := s.now().UTC()
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := s.exec(ctx, tx, `UPDATE service_problems SET severity = $1, code = $2, message = $3, action = $4,
			occurrences = occurrences + 1, last_seen_at = $5 WHERE provider = $6 AND scope = $7 AND closed_at IS NULL`,
			p.Severity, p.Code, p.Message, p.Action, now, p.Provider, p.Scope)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			return nil
		}
		res, err = s.exec(ctx, tx, `INSERT INTO service_problems (provider, scope, severity, code, message, action, opened_at, last_seen_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT DO NOTHING`, p.Provider, p.Scope, p.Severity, p.Code, p.Message, p.Action, now)
		if err != nil {
			return err
		}
		// Another process may have opened it meanwhile: then it is not new.
		n, err := res.RowsAffected()
		opened = n > 0
		return err
	})
	return opened, err
}

// CloseServiceProblem closes the open problem of a network and scope, if
// any, and reports whether there was one.
func (s *Store) CloseServiceProblem(ctx context.Context, p tokenwatch.Provider, scope string) (bool, error) {
	res, err := s.exec(ctx, s.db, `UPDATE service_problems SET closed_at = $1 WHERE provider = $2 AND scope = $3 AND closed_at IS NULL`,
		s.now().UTC(), p, scope)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// OpenServiceProblems lists the open problems, errors first, then by
// network.
func (s *Store) OpenServiceProblems(ctx context.Context) ([]*ServiceProblem, error) {
	return s.serviceProblems(ctx, `SELECT `+serviceProblemColumns+` FROM service_problems WHERE closed_at IS NULL
		ORDER BY severity, provider, scope`)
}

// RecentServiceProblems lists the problems closed since since, newest
// first, at most limit.
func (s *Store) RecentServiceProblems(ctx context.Context, since time.Time, limit int) ([]*ServiceProblem, error) {
	return s.serviceProblems(ctx, `SELECT `+serviceProblemColumns+` FROM service_problems
		WHERE closed_at IS NOT NULL AND opened_at >= $1 ORDER BY opened_at DESC, id DESC LIMIT $2`, since.UTC(), limit)
}

func (s *Store) serviceProblems(ctx context.Context, query string, args ...any) ([]*ServiceProblem, error) {
	rows, err := s.query(ctx, s.rdb, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*ServiceProblem
	for rows.Next() {
		p, err := scanServiceProblem(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// ClaimServiceProblemNotice claims, for lease, the sending of the
// operator's e-mail about one open problem whose e-mail has not gone out
// and is not claimed by another process. It returns nil when there is none.
func (s *Store) ClaimServiceProblemNotice(ctx context.Context, lease time.Duration) (*ServiceProblem, error) {
	now := s.now().UTC()
	var p *ServiceProblem
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		row := s.queryRow(ctx, tx, `SELECT `+serviceProblemColumns+` FROM service_problems
			WHERE closed_at IS NULL AND notified_at IS NULL AND (notify_claimed_until IS NULL OR notify_claimed_until < $1)
			ORDER BY id LIMIT 1`, now)
		var err error
		if p, err = scanServiceProblem(row); err != nil {
			p = nil
			if errors.Is(err, sql.ErrNoRows) {
				return nil
			}
			return err
		}
		res, err := s.exec(ctx, tx, `UPDATE service_problems SET notify_claimed_until = $1 WHERE id = $2 AND notified_at IS NULL
			AND (notify_claimed_until IS NULL OR notify_claimed_until < $3)`, now.Add(lease), p.ID, now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			p = nil // another process claimed it meanwhile
		}
		return nil
	})
	return p, err
}

// ServiceProblemNotified records that the operator's e-mail about a
// problem went out.
func (s *Store) ServiceProblemNotified(ctx context.Context, id int64) error {
	_, err := s.exec(ctx, s.db, `UPDATE service_problems SET notified_at = $1 WHERE id = $2`, s.now().UTC(), id)
	return err
}
