package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/tokenwatch/tokenwatch"
)

// unsubscribeContext binds each sealed unsubscribe secret to its column.
const unsubscribeContext = "tokenwatch users unsubscribe_token"

// prefsColumns are a user's notification preferences, the time zone in
// effect resolved in SQL: their own, else their first location's (the
// lowest id), else UTC.
const prefsColumns = `u.notify_mode, u.digest_hour, u.time_zone,
	coalesce(nullif(u.time_zone, ''), (SELECT l.time_zone FROM memberships m JOIN locations l ON l.id = m.location_id
		WHERE m.user_id = u.id ORDER BY l.id LIMIT 1), 'UTC')`

func scanPrefs(sc scanner, extra ...any) (tokenwatch.NotificationPrefs, error) {
	var p tokenwatch.NotificationPrefs
	err := scan(sc, append(extra, &p.Mode, &p.DigestHour, &p.TimeZone, &p.Zone)...)
	return p, err
}

// NotificationPrefs returns how a user wants to be told, with the time
// zone in effect.
func (s *Store) NotificationPrefs(ctx context.Context, userID int64) (tokenwatch.NotificationPrefs, error) {
	p, err := scanPrefs(s.queryRow(ctx, s.rdb, `SELECT `+prefsColumns+` FROM users u WHERE u.id = $1`, userID))
	return p, notFound(err, "user")
}

// PrefsOf returns the notification preferences of each of the users (the
// recipients of a sweep's batch).
func (s *Store) PrefsOf(ctx context.Context, userIDs []int64) (map[int64]tokenwatch.NotificationPrefs, error) {
	return byIDMap(ctx, s, func(n int) string {
		return `SELECT u.id, ` + prefsColumns + ` FROM users u WHERE u.id IN (` + placeholders(1, n) + `)`
	}, userIDs, func(rows *sql.Rows) (int64, tokenwatch.NotificationPrefs, error) {
		var id int64
		p, err := scanPrefs(rows, &id)
		return id, p, err
	})
}

// SetNotificationPrefs changes how a user wants to be told. Choosing the
// daily digest schedules the first one at the next digest hour, and it
// holds the alerts recorded from now on (those before were told already,
// or were meant for the app only); changing the hour or the zone of a
// digest keeps what the next one holds.
func (s *Store) SetNotificationPrefs(ctx context.Context, userID int64, p tokenwatch.NotificationPrefs) error {
	if err := p.Validate(); err != nil {
		return err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var prior tokenwatch.NotifyMode
		if err := s.queryRow(ctx, tx, `SELECT notify_mode FROM users WHERE id = $1`, userID).Scan(&prior); err != nil {
			return notFound(err, "user")
		}
		if _, err := s.exec(ctx, tx, `UPDATE users SET notify_mode = $2, digest_hour = $3, time_zone = $4 WHERE id = $1`,
			userID, p.Mode, p.DigestHour, p.TimeZone); err != nil {
			return err
		}
		if p.Mode != tokenwatch.NotifyDigest {
			_, err := s.exec(ctx, tx, `UPDATE users SET next_digest_at = NULL, digest_after = NULL WHERE id = $1`, userID)
			return err
		}
		cur, err := scanPrefs(s.queryRow(ctx, tx, `SELECT `+prefsColumns+` FROM users u WHERE u.id = $1`, userID))
		if err != nil {
			return err
		}
		_, err = s.exec(ctx, tx, `UPDATE users SET next_digest_at = $2, digest_after = CASE WHEN $3 THEN digest_after ELSE $4 END
			WHERE id = $1`, userID, cur.NextDigest(now), prior == tokenwatch.NotifyDigest, now)
		return err
	})
}

// UnsubscribeToken returns the secret of the user's one-click unsubscribe
// link, making one the first time. It is stored sealed (to be put in every
// alert e-mail) and as a hash (to find the user when the link is used).
func (s *Store) UnsubscribeToken(ctx context.Context, userID int64) (tokenwatch.Secret, error) {
	read := func() (tokenwatch.Secret, bool, error) {
		var (
			keyID  string
			sealed []byte
		)
		err := s.queryRow(ctx, s.db, `SELECT unsubscribe_key_id, unsubscribe_token FROM users WHERE id = $1`, userID).Scan(&keyID, &sealed)
		if err != nil || sealed == nil {
			return tokenwatch.Secret{}, false, notFound(err, "user")
		}
		pt, err := s.keys.Open(keyID, sealed, unsubscribeContext)
		return tokenwatch.NewSecret(string(pt)), err == nil, err
	}
	if tok, ok, err := read(); ok || err != nil {
		return tok, err
	}
	token := randomToken()
	keyID, sealed := s.keys.Seal([]byte(token), unsubscribeContext)
	// Another process may make it at the same moment: the first one stays.
	if _, err := s.exec(ctx, s.db, `UPDATE users SET unsubscribe_hash = $2, unsubscribe_key_id = $3, unsubscribe_token = $4
		WHERE id = $1 AND unsubscribe_hash IS NULL`, userID, hashToken(token), keyID, sealed); err != nil {
		return tokenwatch.Secret{}, err
	}
	tok, _, err := read()
	return tok, err
}

// UnsubscribeUser finds the user whose unsubscribe link carries token.
func (s *Store) UnsubscribeUser(ctx context.Context, token string) (*tokenwatch.User, error) {
	u, err := scanUser(s.queryRow(ctx, s.rdb, `SELECT `+userColumns+` FROM users u WHERE u.unsubscribe_hash = $1`, hashToken(token)))
	if err != nil {
		return nil, notFound(err, "unsubscribe link")
	}
	return u, nil
}

// Unsubscribe switches the e-mail alerts of the user whose unsubscribe
// link carries token to in-app only (RFC 8058's one click), and returns
// the user. Doing it again changes nothing.
func (s *Store) Unsubscribe(ctx context.Context, token string) (*tokenwatch.User, error) {
	var id int64
	err := s.queryRow(ctx, s.db, `UPDATE users SET notify_mode = $2, next_digest_at = NULL, digest_after = NULL
		WHERE unsubscribe_hash = $1 RETURNING id`, hashToken(token), tokenwatch.NotifyInApp).Scan(&id)
	if err != nil {
		return nil, notFound(err, "unsubscribe link")
	}
	return s.GetUser(ctx, id)
}
