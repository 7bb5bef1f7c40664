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
	Provider  tokenwatch.Provider
	AccountID int64
	// ActorKind and ActorID say who runs the flow: a user ("user"), a
	// reconnect request ("request"), an API session ("session").
	ActorKind string
	ActorID   int64
	// PageID is set for a reconnect, LocationID for a new connection.
	PageID     int64
	LocationID int64
	// AnyAccount lets another network account with the role renew the
	// page; ReturnTo is where the browser goes back once done.
	AnyAccount  bool
	ReturnTo    string
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

// CreateOAuthState stores the state of a flow started by the browser that
// holds browserToken (its session cookie, or its flow cookie), and returns
// the state value to send to the network.
func (s *Store) CreateOAuthState(ctx context.Context, browserToken string, st OAuthState) (tokenwatch.Secret, error) {
	value := randomToken()
	keyID, verifier := s.keys.Seal([]byte(st.Verifier.Reveal()), verifierContext)
	_, err := s.exec(ctx, s.db, `INSERT INTO oauth_states (state_hash, browser_hash, account_id, actor_kind, actor_id, provider,
			page_id, location_id, any_account, return_to, key_id, verifier, redirect_uri, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		hashToken(value), hashToken(browserToken), st.AccountID, st.ActorKind, st.ActorID, st.Provider, nullID(st.PageID), nullID(st.LocationID),
		st.AnyAccount, st.ReturnTo, keyID, verifier, st.RedirectURI, s.now().UTC(), st.ExpiresAt)
	if err != nil {
		return tokenwatch.Secret{}, err
	}
	return tokenwatch.NewSecret(value), nil
}

// ConsumeOAuthState takes the state a network sent back: it is deleted
// whatever happens next, so it works once. It must come back to the
// browser that started the flow, for the provider whose callback received
// it, within its lifetime.
func (s *Store) ConsumeOAuthState(ctx context.Context, value, browserToken string, provider tokenwatch.Provider) (*OAuthState, error) {
	var (
		st          OAuthState
		browserHash string
		keyID       string
		verifier    []byte
		pageID      sql.NullInt64
		locationID  sql.NullInt64
	)
	err := scan(s.queryRow(ctx, s.db, `DELETE FROM oauth_states WHERE state_hash = $1
		RETURNING browser_hash, account_id, actor_kind, actor_id, provider, page_id, location_id, any_account, return_to,
			key_id, verifier, redirect_uri, expires_at`, hashToken(value)),
		&browserHash, &st.AccountID, &st.ActorKind, &st.ActorID, &st.Provider, &pageID, &locationID, &st.AnyAccount, &st.ReturnTo,
		&keyID, &verifier, &st.RedirectURI, &st.ExpiresAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrStateUnknown
	}
	if err != nil {
		return nil, err
	}
	st.PageID, st.LocationID = pageID.Int64, locationID.Int64
	switch {
	case browserToken == "" || browserHash != hashToken(browserToken), st.Provider != provider:
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

// PendingOwner is who may pick the pages of a pending grant: the browser
// and the actor that ran the consent.
type PendingOwner struct {
	BrowserToken string
	AccountID    int64
	ActorKind    string
	ActorID      int64
}

// SavePending keeps a grant and the pages it may connect, sealed, while its
// owner picks pages, and returns the id to pick them with.
func (s *Store) SavePending(ctx context.Context, o PendingOwner, payload []byte, expiresAt time.Time) (string, error) {
	id := randomToken()
	keyID, sealed := s.keys.Seal(payload, pendingContext)
	_, err := s.exec(ctx, s.db, `INSERT INTO oauth_pending (id_hash, browser_hash, account_id, actor_kind, actor_id, key_id, payload, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, hashToken(id), hashToken(o.BrowserToken), o.AccountID, o.ActorKind, o.ActorID,
		keyID, sealed, s.now().UTC(), expiresAt)
	return id, err
}

// Pending returns a pending grant of this owner.
func (s *Store) Pending(ctx context.Context, id string, o PendingOwner) ([]byte, error) {
	var (
		keyID  string
		sealed []byte
	)
	err := s.queryRow(ctx, s.rdb, `SELECT key_id, payload FROM oauth_pending
		WHERE id_hash = $1 AND browser_hash = $2 AND account_id = $3 AND actor_kind = $4 AND actor_id = $5 AND expires_at > $6`,
		hashToken(id), hashToken(o.BrowserToken), o.AccountID, o.ActorKind, o.ActorID, s.now().UTC()).Scan(&keyID, &sealed)
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
