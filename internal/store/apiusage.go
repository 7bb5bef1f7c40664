package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/tokenwatch/tokenwatch"
)

// What the integration API keeps beside the account's own data: stored
// replies of idempotent requests, the record of tokens handed out,
// reconnect and connect sessions, the return URLs an account allows them.

// idempotencyContext binds each sealed stored reply to its column.
const idempotencyContext = "tokenwatch api_idempotency reply"

// Idempotent is a request sent with an Idempotency-Key, as first seen.
type Idempotent struct {
	RequestHash string
	// Done says the first request was answered; Reply is that answer
	// (status line, headers and body as the API serialized them).
	Done   bool
	Status int
	Reply  []byte
}

// BeginIdempotent claims (key, idemKey) for a request. It returns nil when
// the claim is new: the caller answers and then calls FinishIdempotent with
// the request's hash (or AbandonIdempotent). Otherwise it returns what was
// recorded for the key first (not Done while that request is answered).
func (s *Store) BeginIdempotent(ctx context.Context, apiKeyID int64, idemKey string) (*Idempotent, error) {
	res, err := s.exec(ctx, s.db, `INSERT INTO api_idempotency (api_key_id, idem_key, request_hash, created_at) VALUES ($1, $2, '', $3)
		ON CONFLICT DO NOTHING`, apiKeyID, idemKey, s.now().UTC())
	if err != nil {
		return nil, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return nil, err
	}
	var (
		in     Idempotent
		keyID  string
		sealed []byte
	)
	err = s.queryRow(ctx, s.db, `SELECT request_hash, status, key_id, reply FROM api_idempotency WHERE api_key_id = $1 AND idem_key = $2`,
		apiKeyID, idemKey).Scan(&in.RequestHash, &in.Status, &keyID, &sealed)
	if err != nil {
		return nil, notFound(err, "idempotency key")
	}
	if in.Status != 0 {
		in.Done = true
		if in.Reply, err = s.keys.Open(keyID, sealed, idempotencyContext); err != nil {
			return nil, err
		}
	}
	return &in, nil
}

// FinishIdempotent stores the hash of a claimed key's request and the
// reply to it.
func (s *Store) FinishIdempotent(ctx context.Context, apiKeyID int64, idemKey, requestHash string, status int, reply []byte) error {
	keyID, sealed := s.keys.Seal(reply, idempotencyContext)
	_, err := s.exec(ctx, s.db, `UPDATE api_idempotency SET request_hash = $3, status = $4, key_id = $5, reply = $6
		WHERE api_key_id = $1 AND idem_key = $2`, apiKeyID, idemKey, requestHash, status, keyID, sealed)
	return err
}

// AbandonIdempotent forgets a claimed key whose request failed in a way
// worth retrying (a server error, a rate limit).
func (s *Store) AbandonIdempotent(ctx context.Context, apiKeyID int64, idemKey string) error {
	_, err := s.exec(ctx, s.db, `DELETE FROM api_idempotency WHERE api_key_id = $1 AND idem_key = $2`, apiKeyID, idemKey)
	return err
}

// DeleteIdempotentBefore forgets the keys first seen before t.
func (s *Store) DeleteIdempotentBefore(ctx context.Context, t time.Time) error {
	_, err := s.exec(ctx, s.db, `DELETE FROM api_idempotency WHERE created_at < $1`, t.UTC())
	return err
}

// TokenGrant records that an API key was handed a page's access token.
type TokenGrant struct {
	ID, AccountID, APIKeyID, PageID int64
	At                              time.Time
}

// RecordTokenGrant records a token handed out.
func (s *Store) RecordTokenGrant(ctx context.Context, g *TokenGrant) error {
	g.At = s.now().UTC().Truncate(time.Millisecond)
	return s.queryRow(ctx, s.db, `INSERT INTO token_grants (account_id, api_key_id, page_id, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
		g.AccountID, g.APIKeyID, g.PageID, g.At).Scan(&g.ID)
}

// TokenGrants returns an account's record of tokens handed out, newest
// first, those with an id below before (zero: from the newest), of one
// page if pageID is set.
func (s *Store) TokenGrants(ctx context.Context, accountID, pageID, before int64, limit int) ([]TokenGrant, error) {
	q := `SELECT id, account_id, api_key_id, page_id, created_at FROM token_grants WHERE account_id = $1`
	args := []any{accountID}
	if pageID != 0 {
		args = append(args, pageID)
		q += ` AND page_id = $` + strconv.Itoa(len(args))
	}
	if before != 0 {
		args = append(args, before)
		q += ` AND id < $` + strconv.Itoa(len(args))
	}
	args = append(args, limit)
	rows, err := s.query(ctx, s.rdb, q+` ORDER BY id DESC LIMIT $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []TokenGrant
	for rows.Next() {
		var g TokenGrant
		if err := scan(rows, &g.ID, &g.AccountID, &g.APIKeyID, &g.PageID, &g.At); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// APISession is a single-use URL the platform sends its user to: to
// reconnect a page, or to connect pages of a network to a location.
type APISession struct {
	ID        int64
	AccountID int64
	APIKeyID  int64
	// Kind is "reconnect" (PageID) or "connect" (LocationID).
	Kind       string
	PageID     int64
	LocationID int64
	Provider   tokenwatch.Provider
	// ProviderPageIDs limits a connect session to these network pages.
	ProviderPageIDs []string
	ReturnURL       string
	// Status is open (not yet used), started (the browser went on to the
	// network), done or failed.
	Status        string
	Outcome       string
	ResultPageIDs []int64
	CreatedAt     time.Time
	ExpiresAt     time.Time
	StartedAt     time.Time
	DoneAt        time.Time
}

const apiSessionColumns = `id, account_id, api_key_id, kind, coalesce(page_id, 0), coalesce(location_id, 0), provider, provider_page_ids,
	return_url, status, outcome, result_page_ids, created_at, expires_at, started_at, done_at`

func scanAPISession(sc scanner) (*APISession, error) {
	var (
		a             APISession
		pids, results string
	)
	err := scan(sc, &a.ID, &a.AccountID, &a.APIKeyID, &a.Kind, &a.PageID, &a.LocationID, &a.Provider, &pids, &a.ReturnURL,
		&a.Status, &a.Outcome, &results, &a.CreatedAt, &a.ExpiresAt, &a.StartedAt, &a.DoneAt)
	a.ProviderPageIDs = strings.Fields(pids)
	for _, f := range strings.Fields(results) {
		if id, err := strconv.ParseInt(f, 10, 64); err == nil {
			a.ResultPageIDs = append(a.ResultPageIDs, id)
		}
	}
	return &a, err
}

// CreateAPISession stores a session and returns the secret of its URL,
// which is not stored.
func (s *Store) CreateAPISession(ctx context.Context, a *APISession) (tokenwatch.Secret, error) {
	secret := randomToken()
	a.CreatedAt = s.now().UTC().Truncate(time.Millisecond)
	a.Status = "open"
	err := s.queryRow(ctx, s.db, `INSERT INTO api_sessions (token_hash, account_id, api_key_id, kind, page_id, location_id, provider,
			provider_page_ids, return_url, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
		hashToken(secret), a.AccountID, a.APIKeyID, a.Kind, nullID(a.PageID), nullID(a.LocationID), a.Provider,
		strings.Join(a.ProviderPageIDs, " "), a.ReturnURL, a.CreatedAt, a.ExpiresAt.UTC().Truncate(time.Millisecond)).Scan(&a.ID)
	if err != nil {
		return tokenwatch.Secret{}, err
	}
	return tokenwatch.NewSecret(secret), nil
}

// GetAPISession returns a session by id.
func (s *Store) GetAPISession(ctx context.Context, id int64) (*APISession, error) {
	a, err := scanAPISession(s.queryRow(ctx, s.db, `SELECT `+apiSessionColumns+` FROM api_sessions WHERE id = $1`, id))
	if err != nil {
		return nil, notFound(err, "session")
	}
	return a, nil
}

// Errors of StartAPISession, safe to show.
var (
	ErrSessionUnknown = tokenwatch.Errorf(tokenwatch.CodeNotFound, "This link is not one tokenwatch gave, or it was used already.")
	ErrSessionExpired = tokenwatch.Errorf(tokenwatch.CodeForbidden, "This link has expired. Go back and start again.")
)

// StartAPISession takes the session a URL's secret names: it works once,
// before it expires.
func (s *Store) StartAPISession(ctx context.Context, secret string) (*APISession, error) {
	now := s.now().UTC()
	a, err := scanAPISession(s.queryRow(ctx, s.db, `UPDATE api_sessions SET status = 'started', started_at = $2
		WHERE token_hash = $1 AND status = 'open' RETURNING `+apiSessionColumns, hashToken(secret), now))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrSessionUnknown
	}
	if err != nil {
		return nil, err
	}
	if !now.Before(a.ExpiresAt) {
		return a, ErrSessionExpired
	}
	return a, nil
}

// FinishAPISession records what a session's consent came to.
func (s *Store) FinishAPISession(ctx context.Context, id int64, ok bool, outcome string, pageIDs []int64) error {
	status := "failed"
	if ok {
		status = "done"
	}
	ids := make([]string, len(pageIDs))
	for i, id := range pageIDs {
		ids[i] = strconv.FormatInt(id, 10)
	}
	res, err := s.exec(ctx, s.db, `UPDATE api_sessions SET status = $2, outcome = $3, result_page_ids = $4, done_at = $5
		WHERE id = $1 AND status = 'started'`, id, status, outcome, strings.Join(ids, " "), s.now().UTC())
	return affectedOne(res, err, "session")
}

// ReturnURLs returns the URLs an account allows sessions to return to.
func (s *Store) ReturnURLs(ctx context.Context, accountID int64) ([]string, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT url FROM return_urls WHERE account_id = $1 ORDER BY url`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// SetReturnURLs replaces the URLs an account allows sessions to return to.
func (s *Store) SetReturnURLs(ctx context.Context, accountID int64, urls []string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.exec(ctx, tx, `DELETE FROM return_urls WHERE account_id = $1`, accountID); err != nil {
			return err
		}
		for _, u := range urls {
			if _, err := s.exec(ctx, tx, `INSERT INTO return_urls (account_id, url) VALUES ($1, $2) ON CONFLICT DO NOTHING`, accountID, u); err != nil {
				return err
			}
		}
		return nil
	})
}
