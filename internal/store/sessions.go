package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"

	"github.com/tokenwatch/tokenwatch"
)

// Session is a signed-in browser.
type Session struct {
	User      *tokenwatch.User
	CSRFToken string
	CreatedAt time.Time
	ExpiresAt time.Time
	// PopupClosed is set once the login pop-up was closed in this session.
	PopupClosed bool
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(t string) string {
	h := sha256.Sum256([]byte(t))
	return hex.EncodeToString(h[:])
}

// CreateSession starts a session for a user, valid for ttl, and returns the
// secret to put in the cookie. Only its hash is stored.
func (s *Store) CreateSession(ctx context.Context, userID int64, ttl time.Duration) (tokenwatch.Secret, error) {
	token := randomToken()
	now := s.now().UTC()
	_, err := s.exec(ctx, s.db, `INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
		hashToken(token), userID, randomToken(), now, now.Add(ttl))
	if err != nil {
		return tokenwatch.Secret{}, err
	}
	return tokenwatch.NewSecret(token), nil
}

// GetSession returns the session a cookie secret names, if it has not
// expired.
func (s *Store) GetSession(ctx context.Context, token string) (*Session, error) {
	var sess Session
	u, err := scanUser(s.queryRow(ctx, s.rdb, `SELECT `+userColumns+`, se.csrf_token, se.created_at, se.expires_at, se.popup_closed
		FROM sessions se JOIN users u ON u.id = se.user_id
		WHERE se.id_hash = $1 AND se.expires_at > $2`, hashToken(token), s.now().UTC()),
		&sess.CSRFToken, &sess.CreatedAt, &sess.ExpiresAt, &sess.PopupClosed)
	if err != nil {
		return nil, notFound(err, "session")
	}
	sess.User = u
	return &sess, nil
}

// ClosePopup remembers that the login pop-up was closed in this session.
func (s *Store) ClosePopup(ctx context.Context, token string) error {
	res, err := s.exec(ctx, s.db, `UPDATE sessions SET popup_closed = $2 WHERE id_hash = $1`, hashToken(token), true)
	return affectedOne(res, err, "session")
}

// DeleteSession signs a session out.
func (s *Store) DeleteSession(ctx context.Context, token string) error {
	_, err := s.exec(ctx, s.db, `DELETE FROM sessions WHERE id_hash = $1`, hashToken(token))
	return err
}

// DeleteUserSessions signs a user out everywhere: it ends every session of
// theirs and returns how many there were.
func (s *Store) DeleteUserSessions(ctx context.Context, userID int64) (int64, error) {
	res, err := s.exec(ctx, s.db, `DELETE FROM sessions WHERE user_id = $1`, userID)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// DeleteOtherSessions ends every session of a user but the one whose
// secret is keep (after a password change, say) and returns how many.
func (s *Store) DeleteOtherSessions(ctx context.Context, userID int64, keep string) (int64, error) {
	res, err := s.exec(ctx, s.db, `DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2`, userID, hashToken(keep))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// CountSessions returns how many sessions a user has open.
func (s *Store) CountSessions(ctx context.Context, userID int64) (int, error) {
	var n int
	err := s.queryRow(ctx, s.rdb, `SELECT count(*) FROM sessions WHERE user_id = $1 AND expires_at > $2`, userID, s.now().UTC()).Scan(&n)
	return n, err
}

// DeleteExpiredSessions removes expired sessions and returns how many.
func (s *Store) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	res, err := s.exec(ctx, s.db, `DELETE FROM sessions WHERE expires_at <= $1`, s.now().UTC())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
