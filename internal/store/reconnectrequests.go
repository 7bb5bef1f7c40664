package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/tokenwatch/tokenwatch"
)

// ReconnectRequest asks someone, who needs no account, to reconnect one
// page through a single-use link valid for a while.
type ReconnectRequest struct {
	ID          int64
	AccountID   int64
	PageID      int64
	RequestedBy int64 // zero once that user is gone
	Recipient   string
	Message     string
	// AnyAccount lets another network account than the page's renew it,
	// as long as it holds the role.
	AnyAccount bool
	CreatedAt  time.Time
	ExpiresAt  time.Time
	UsedAt     time.Time // zero until a consent through it renewed the page
	RevokedAt  time.Time
	// Outcome is what the last consent through the link came to.
	Outcome string
}

// Open says the link may still be used at now.
func (r *ReconnectRequest) Open(now time.Time) bool {
	return r.UsedAt.IsZero() && r.RevokedAt.IsZero() && now.Before(r.ExpiresAt)
}

const reconnectRequestColumns = `id, account_id, page_id, coalesce(requested_by, 0), recipient, message, any_account,
	created_at, expires_at, used_at, revoked_at, outcome`

func scanReconnectRequest(sc scanner) (*ReconnectRequest, error) {
	var r ReconnectRequest
	err := scan(sc, &r.ID, &r.AccountID, &r.PageID, &r.RequestedBy, &r.Recipient, &r.Message, &r.AnyAccount,
		&r.CreatedAt, &r.ExpiresAt, &r.UsedAt, &r.RevokedAt, &r.Outcome)
	return &r, err
}

// CreateReconnectRequest stores a request and returns the link's secret,
// which only its hash is kept of.
func (s *Store) CreateReconnectRequest(ctx context.Context, r *ReconnectRequest) (tokenwatch.Secret, error) {
	secret := randomToken()
	r.CreatedAt = s.now().UTC().Truncate(time.Millisecond)
	var by any
	if r.RequestedBy != 0 {
		by = r.RequestedBy
	}
	err := s.queryRow(ctx, s.db, `INSERT INTO reconnect_requests (token_hash, account_id, page_id, requested_by, recipient, message,
			any_account, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		hashToken(secret), r.AccountID, r.PageID, by, r.Recipient, r.Message, r.AnyAccount, r.CreatedAt, r.ExpiresAt.UTC()).Scan(&r.ID)
	if err != nil {
		return tokenwatch.Secret{}, err
	}
	return tokenwatch.NewSecret(secret), nil
}

// ReconnectRequestBySecret returns the request a link's secret names, open
// or not; an unknown secret is not found.
func (s *Store) ReconnectRequestBySecret(ctx context.Context, secret string) (*ReconnectRequest, error) {
	r, err := scanReconnectRequest(s.queryRow(ctx, s.rdb, `SELECT `+reconnectRequestColumns+` FROM reconnect_requests WHERE token_hash = $1`, hashToken(secret)))
	if err != nil {
		return nil, notFound(err, "reconnect request")
	}
	return r, nil
}

// GetReconnectRequest returns a request by id.
func (s *Store) GetReconnectRequest(ctx context.Context, id int64) (*ReconnectRequest, error) {
	r, err := scanReconnectRequest(s.queryRow(ctx, s.rdb, `SELECT `+reconnectRequestColumns+` FROM reconnect_requests WHERE id = $1`, id))
	if err != nil {
		return nil, notFound(err, "reconnect request")
	}
	return r, nil
}

// ReconnectRequests lists a page's requests, newest first.
func (s *Store) ReconnectRequests(ctx context.Context, pageID int64) ([]*ReconnectRequest, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT `+reconnectRequestColumns+` FROM reconnect_requests WHERE page_id = $1 ORDER BY id DESC`, pageID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*ReconnectRequest
	for rows.Next() {
		r, err := scanReconnectRequest(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// UseReconnectRequest records what a consent through the link came to;
// used says it renewed the page, which spends the link: it reports false
// when the link was no longer open (used, revoked or expired meanwhile).
func (s *Store) UseReconnectRequest(ctx context.Context, id int64, outcome string, used bool) (bool, error) {
	now := s.now().UTC()
	var res sql.Result
	var err error
	if used {
		res, err = s.exec(ctx, s.db, `UPDATE reconnect_requests SET used_at = $1, outcome = $2
			WHERE id = $3 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $1`, now, outcome, id)
	} else {
		res, err = s.exec(ctx, s.db, `UPDATE reconnect_requests SET outcome = $1 WHERE id = $2`, outcome, id)
	}
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// RevokeReconnectRequest ends a link before its time.
func (s *Store) RevokeReconnectRequest(ctx context.Context, id int64) error {
	_, err := s.exec(ctx, s.db, `UPDATE reconnect_requests SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, s.now().UTC(), id)
	return err
}

// OpenRequestsFor returns, for each of the pages (a bounded list: a page of
// results), the recipients of its requests still open at now.
func (s *Store) OpenRequestsFor(ctx context.Context, pageIDs []int64, now time.Time) (map[int64][]string, error) {
	out := map[int64][]string{}
	err := s.byIDs(ctx, s.rdb, func(n int) string {
		return `SELECT page_id, recipient FROM reconnect_requests
			WHERE used_at IS NULL AND revoked_at IS NULL AND expires_at > $1 AND page_id IN (` + placeholders(2, n) + `) ORDER BY id`
	}, []any{now.UTC()}, pageIDs, func(rows *sql.Rows) error {
		var (
			id int64
			to string
		)
		if err := rows.Scan(&id, &to); err != nil {
			return err
		}
		out[id] = append(out[id], to)
		return nil
	})
	return out, err
}
