package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/tokenwatch/tokenwatch"
)

// MaxDigestAlerts bounds the alerts one daily digest lists; Digest.More
// counts the others.
const MaxDigestAlerts = 200

// Digest is a person's daily digest that is due: the alerts recorded for
// them since their last one.
type Digest struct {
	User  *tokenwatch.User
	Prefs tokenwatch.NotificationPrefs
	// Due is the moment it was due (the digest hour, their time).
	Due time.Time
	// Alerts are those recorded after the last digest, oldest first, at
	// most MaxDigestAlerts; More is how many more there are.
	Alerts []DigestAlert
	More   int
}

// DigestAlert is an alert in a digest, and when it was recorded.
type DigestAlert struct {
	AlertKey
	At time.Time
}

// BuildDigests turns due digests into deliveries, inside the claiming
// transaction: it may read, not write, through the store.
type BuildDigests func(ds []*Digest) ([]Delivery, error)

// ClaimDigests takes up to limit people whose daily digest is due, in one
// transaction: build makes the deliveries of their digests (none for an
// empty one), which are stored, and each person's next digest is
// scheduled, holding the alerts recorded from now on. No other process
// takes the same people meanwhile (SQLite: the write lock; PostgreSQL:
// SKIP LOCKED), and a digest's delivery key makes a second copy harmless.
// It returns the new deliveries and how many people were claimed.
func (s *Store) ClaimDigests(ctx context.Context, limit int, build BuildDigests) ([]Delivery, int, error) {
	now := s.now().UTC().Truncate(time.Millisecond)
	var (
		out     []Delivery
		claimed int
	)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		out, claimed = nil, 0
		rows, err := s.query(ctx, tx, `SELECT u.id, u.account_id, u.email, u.name, u.account_owner, u.created_at, `+prefsColumns+`,
				u.next_digest_at, coalesce(u.digest_after, u.next_digest_at)
			FROM users u WHERE u.notify_mode = $1 AND u.next_digest_at <= $2 ORDER BY u.next_digest_at, u.id LIMIT $3`+s.eng.skipLocked(),
			tokenwatch.NotifyDigest, now, limit)
		if err != nil {
			return err
		}
		type due struct {
			d    *Digest
			from time.Time
		}
		var dues []due
		err = scanAll(rows, func(rows *sql.Rows) error {
			var (
				u    tokenwatch.User
				d    = &Digest{User: &u}
				from time.Time
			)
			err := scan(rows, &u.ID, &u.AccountID, &u.Email, &u.Name, &u.AccountOwner, &u.CreatedAt,
				&d.Prefs.Mode, &d.Prefs.DigestHour, &d.Prefs.TimeZone, &d.Prefs.Zone, &d.Due, &from)
			if from.IsZero() || from.After(d.Due) {
				from = d.Due.Add(-24 * time.Hour)
			}
			dues = append(dues, due{d, from})
			return err
		})
		if err != nil || len(dues) == 0 {
			return err
		}
		claimed = len(dues)
		digests := make([]*Digest, len(dues))
		for i, x := range dues {
			digests[i] = x.d
			if err := s.digestAlerts(ctx, tx, x.d, x.from, now); err != nil {
				return err
			}
		}
		ds, err := build(digests)
		if err != nil {
			return err
		}
		for _, d := range digests {
			if _, err := s.exec(ctx, tx, `UPDATE users SET digest_after = $2, next_digest_at = $3 WHERE id = $1`,
				d.User.ID, now, d.Prefs.NextDigest(now)); err != nil {
				return err
			}
		}
		out, err = s.recordDeliveries(ctx, tx, now, ds)
		return err
	})
	return out, claimed, err
}

// digestAlerts reads the alerts of a digest: those recorded for its person
// after from and up to now.
func (s *Store) digestAlerts(ctx context.Context, tx *sql.Tx, d *Digest, from, now time.Time) error {
	rows, err := s.query(ctx, tx, `SELECT page_id, generation, step, created_at FROM alerts
		WHERE user_id = $1 AND created_at > $2 AND created_at <= $3 ORDER BY created_at, page_id, generation, step LIMIT $4`,
		d.User.ID, from, now, MaxDigestAlerts+1)
	if err != nil {
		return err
	}
	err = scanAll(rows, func(rows *sql.Rows) error {
		a := DigestAlert{AlertKey: AlertKey{UserID: d.User.ID}}
		err := scan(rows, &a.PageID, &a.Generation, &a.Step, &a.At)
		d.Alerts = append(d.Alerts, a)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: the alerts of a digest: %w", err)
	}
	if len(d.Alerts) > MaxDigestAlerts {
		d.Alerts = d.Alerts[:MaxDigestAlerts]
		return s.queryRow(ctx, tx, `SELECT count(*) - $4 FROM alerts WHERE user_id = $1 AND created_at > $2 AND created_at <= $3`,
			d.User.ID, from, now, MaxDigestAlerts).Scan(&d.More)
	}
	return nil
}
