package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/tokenwatch/tokenwatch"
)

// OAuthState is what the OAuth flow remembers between sending a browser to
// a network's consent screen and its return to the callback.
type OAuthState struct {
	Provider tokenwatch.Provider
	UserID   int64
	// PageID is set for a reconnect, LocationID for a new connection.
	PageID      int64
	LocationID  int64
	Verifier    tokenwatch.Secret
	RedirectURI string
	ExpiresAt   time.Time
}

const (
	verifierContext = "tokenwatch oauth verifier"
	pendingContext  = "tokenwatch oauth pending grant"
)

// Errors of ConsumeOAuthState, safe to show.
var (
	ErrStateUnknown = tokenwatch.Errorf(tokenwatch.CodeForbidden,
		"This sign-in answer is not one tokenwatch is waiting for: it was used already, or it was not started here. Start again from tokenwatch.")
	ErrStateExpired = tokenwatch.Errorf(tokenwatch.CodeForbidden,
		"This sign-in took more than 10 minutes and has expired. Start again.")
)

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// CreateOAuthState stores the state of a flow started by the browser with
// this session, and returns the state value to send to the network.
func (s *Store) CreateOAuthState(ctx context.Context, sessionToken string, st OAuthState) (tokenwatch.Secret, error) {
	value := randomToken()
	keyID, verifier := s.keys.Seal([]byte(st.Verifier.Reveal()), verifierContext)
	_, err := s.exec(ctx, s.db, `INSERT INTO oauth_states (state_hash, session_hash, user_id, provider, page_id, location_id,
			key_id, verifier, redirect_uri, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		hashToken(value), hashToken(sessionToken), st.UserID, st.Provider, nullID(st.PageID), nullID(st.LocationID),
		keyID, verifier, st.RedirectURI, s.now().UTC(), st.ExpiresAt)
	if err != nil {
		return tokenwatch.Secret{}, err
	}
	return tokenwatch.NewSecret(value), nil
}

// ConsumeOAuthState takes the state a network sent back: it is deleted
// whatever happens next, so it works once. It must come back to the
// browser session that started the flow, for the provider whose callback
// received it, within its lifetime.
func (s *Store) ConsumeOAuthState(ctx context.Context, value, sessionToken string, provider tokenwatch.Provider) (*OAuthState, error) {
	var (
		st          OAuthState
		sessionHash string
		keyID       string
		verifier    []byte
		pageID      sql.NullInt64
		locationID  sql.NullInt64
	)
	err := scan(s.queryRow(ctx, s.db, `DELETE FROM oauth_states WHERE state_hash = $1
		RETURNING session_hash, user_id, provider, page_id, location_id, key_id, verifier, redirect_uri, expires_at`, hashToken(value)),
		&sessionHash, &st.UserID, &st.Provider, &pageID, &locationID, &keyID, &verifier, &st.RedirectURI, &st.ExpiresAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrStateUnknown
	}
	if err != nil {
		return nil, err
	}
	st.PageID, st.LocationID = pageID.Int64, locationID.Int64
	switch {
	case sessionHash != hashToken(sessionToken), st.Provider != provider:
		// Another browser, or another network's callback (a mix-up attack).
		return nil, ErrStateUnknown
	case !s.now().Before(st.ExpiresAt):
		return nil, ErrStateExpired
	}
	pt, err := s.keys.Open(keyID, verifier, verifierContext)
	if err != nil {
		return nil, err
	}
	st.Verifier = tokenwatch.NewSecret(string(pt))
	return &st, nil
}

// SavePending keeps a grant and the pages it may connect, sealed, while the
// user picks pages, and returns the id to pick them with.
func (s *Store) SavePending(ctx context.Context, sessionToken string, userID int64, payload []byte, expiresAt time.Time) (string, error) {
	id := randomToken()
	keyID, sealed := s.keys.Seal(payload, pendingContext)
	_, err := s.exec(ctx, s.db, `INSERT INTO oauth_pending (id_hash, session_hash, user_id, key_id, payload, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, hashToken(id), hashToken(sessionToken), userID, keyID, sealed, s.now().UTC(), expiresAt)
	return id, err
}

// Pending returns a pending grant of this session and user.
func (s *Store) Pending(ctx context.Context, id, sessionToken string, userID int64) ([]byte, error) {
	var (
		keyID  string
		sealed []byte
	)
	err := s.queryRow(ctx, s.rdb, `SELECT key_id, payload FROM oauth_pending
		WHERE id_hash = $1 AND session_hash = $2 AND user_id = $3 AND expires_at > $4`,
		hashToken(id), hashToken(sessionToken), userID, s.now().UTC()).Scan(&keyID, &sealed)
	if err != nil {
		return nil, notFound(err, "pending connection")
	}
	return s.keys.Open(keyID, sealed, pendingContext)
}

// DeletePending removes a pending grant.
func (s *Store) DeletePending(ctx context.Context, id string) error {
	_, err := s.exec(ctx, s.db, `DELETE FROM oauth_pending WHERE id_hash = $1`, hashToken(id))
	return err
}

// DeleteExpiredOAuth removes expired states and pending grants.
func (s *Store) DeleteExpiredOAuth(ctx context.Context) error {
	now := s.now().UTC()
	if _, err := s.exec(ctx, s.db, `DELETE FROM oauth_states WHERE expires_at <= $1`, now); err != nil {
		return err
	}
	_, err := s.exec(ctx, s.db, `DELETE FROM oauth_pending WHERE expires_at <= $1`, now)
	return err
}

// LockPage takes a page's lock for owner until the given time, if nobody
// else holds it; it reports whether it got it. It keeps one refresh at a
// time per page across every process on the database.
func (s *Store) LockPage(ctx context.Context, pageID int64, owner string, until time.Time) (bool, error) {
	res, err := s.exec(ctx, s.db, `UPDATE pages SET lock_owner = $2, lock_until = $3
		WHERE id = $1 AND (lock_until IS NULL OR lock_until <= $4 OR lock_owner = $2)`, pageID, owner, until, s.now().UTC())
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// UnlockPage releases a page's lock if owner holds it.
func (s *Store) UnlockPage(ctx context.Context, pageID int64, owner string) error {
	_, err := s.exec(ctx, s.db, `UPDATE pages SET lock_owner = '', lock_until = NULL WHERE id = $1 AND lock_owner = $2`, pageID, owner)
	return err
}
