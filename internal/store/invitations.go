package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/tokenwatch/tokenwatch"
)

// Invitation asks someone by e-mail to join an account, as an owner or with
// a role at one location; its link is single-use and expires.
type Invitation struct {
	ID           int64
	AccountID    int64
	Email        string
	AccountOwner bool
	// LocationID and Role: where the invited person takes part, for an
	// invitation that does not make them an owner.
	LocationID int64
	Role       tokenwatch.Role
	InvitedBy  int64 // zero once that user is gone
	CreatedAt  time.Time
	ExpiresAt  time.Time
	AcceptedAt time.Time
	RevokedAt  time.Time
	UserID     int64 // the user it made, once accepted
}

// Open says the invitation may still be accepted at now.
func (inv *Invitation) Open(now time.Time) bool {
	return inv.AcceptedAt.IsZero() && inv.RevokedAt.IsZero() && now.Before(inv.ExpiresAt)
}

const invitationColumns = `i.id, i.account_id, i.email, i.account_owner, coalesce(r.location_id, 0), coalesce(r.role, ''),
	coalesce(i.invited_by, 0), i.created_at, i.expires_at, i.accepted_at, i.revoked_at, coalesce(i.user_id, 0)`

const invitationFrom = ` FROM invitations i LEFT JOIN invitation_roles r ON r.invitation_id = i.id`

func scanInvitation(sc scanner) (*Invitation, error) {
	var inv Invitation
	err := scan(sc, &inv.ID, &inv.AccountID, &inv.Email, &inv.AccountOwner, &inv.LocationID, &inv.Role,
		&inv.InvitedBy, &inv.CreatedAt, &inv.ExpiresAt, &inv.AcceptedAt, &inv.RevokedAt, &inv.UserID)
	return &inv, err
}

// CreateInvitation stores an invitation and returns its link's secret, of
// which only a hash is kept. An address that already signs in to
// tokenwatch cannot be invited.
func (s *Store) CreateInvitation(ctx context.Context, inv *Invitation) (tokenwatch.Secret, error) {
	inv.Email = tokenwatch.NormalizeEmail(inv.Email)
	inv.CreatedAt = s.now().UTC().Truncate(time.Millisecond)
	secret := randomToken()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := s.queryRow(ctx, tx, `SELECT count(*) FROM users WHERE email = $1`, inv.Email).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return tokenwatch.Errorf(tokenwatch.CodeConflict, "%s already signs in to tokenwatch: give them a role instead of an invitation.", inv.Email)
		}
		err := s.queryRow(ctx, tx, `INSERT INTO invitations (account_id, email, account_owner, token_hash, invited_by, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			inv.AccountID, inv.Email, inv.AccountOwner, hashToken(secret), nullID(inv.InvitedBy), inv.CreatedAt, inv.ExpiresAt.UTC()).Scan(&inv.ID)
		if err != nil || inv.AccountOwner {
			return err
		}
		if !inv.Role.Valid() {
			return tokenwatch.Errorf(tokenwatch.CodeInvalid, "%q is not a role (owner, manager or member).", inv.Role)
		}
		_, err = s.exec(ctx, tx, `INSERT INTO invitation_roles (invitation_id, location_id, role)
			SELECT $1, id, $3 FROM locations WHERE id = $2 AND account_id = $4`, inv.ID, inv.LocationID, inv.Role, inv.AccountID)
		return err
	})
	if err != nil {
		return tokenwatch.Secret{}, err
	}
	return tokenwatch.NewSecret(secret), nil
}

// InvitationBySecret returns the invitation a link's secret names, open or
// not; an unknown secret is not found.
func (s *Store) InvitationBySecret(ctx context.Context, secret string) (*Invitation, error) {
	inv, err := scanInvitation(s.queryRow(ctx, s.rdb, `SELECT `+invitationColumns+invitationFrom+` WHERE i.token_hash = $1`, hashToken(secret)))
	if err != nil {
		return nil, notFound(err, "invitation")
	}
	return inv, nil
}

// GetInvitation returns an invitation by id.
func (s *Store) GetInvitation(ctx context.Context, id int64) (*Invitation, error) {
	inv, err := scanInvitation(s.queryRow(ctx, s.rdb, `SELECT `+invitationColumns+invitationFrom+` WHERE i.id = $1`, id))
	if err != nil {
		return nil, notFound(err, "invitation")
	}
	return inv, nil
}

// PendingInvitations returns up to limit of an account's invitations that
// were neither accepted nor revoked and expire after now, newest first.
func (s *Store) PendingInvitations(ctx context.Context, accountID int64, now time.Time, limit int) ([]*Invitation, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT `+invitationColumns+invitationFrom+`
		WHERE i.account_id = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > $2
		ORDER BY i.id DESC LIMIT $3`, accountID, now.UTC(), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Invitation
	for rows.Next() {
		inv, err := scanInvitation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, inv)
	}
	return out, rows.Err()
}

// RevokeInvitation makes an open invitation unusable.
func (s *Store) RevokeInvitation(ctx context.Context, id int64) error {
	res, err := s.exec(ctx, s.db, `UPDATE invitations SET revoked_at = $2 WHERE id = $1 AND accepted_at IS NULL AND revoked_at IS NULL`,
		id, s.now().UTC())
	return affectedOne(res, err, "invitation")
}

// AcceptInvitation uses an open invitation once: it creates the user (u,
// with the invitation's account and ownership) with the password hash and
// their role, and marks the invitation accepted, in one transaction. An
// invitation used, revoked or expired meanwhile is a conflict.
func (s *Store) AcceptInvitation(ctx context.Context, inv *Invitation, u *tokenwatch.User, passwordHash string) error {
	now := s.now().UTC()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := s.exec(ctx, tx, `UPDATE invitations SET accepted_at = $2
			WHERE id = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $2`, inv.ID, now)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return tokenwatch.Errorf(tokenwatch.CodeConflict, "This invitation was used, withdrawn or has expired. Ask for a new one.")
		}
		u.AccountID, u.Email, u.AccountOwner = inv.AccountID, inv.Email, inv.AccountOwner
		u.CreatedAt = now.Truncate(time.Millisecond)
		err = s.queryRow(ctx, tx, `INSERT INTO users (account_id, email, name, password_hash, account_owner, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			u.AccountID, u.Email, u.Name, passwordHash, u.AccountOwner, u.CreatedAt).Scan(&u.ID)
		if s.eng.isUniqueViolation(err) {
			return tokenwatch.Errorf(tokenwatch.CodeConflict, "%s already signs in to tokenwatch: sign in instead.", u.Email)
		}
		if err != nil {
			return err
		}
		if u.AccountOwner {
			_, err = s.exec(ctx, tx, `INSERT INTO memberships (location_id, user_id, role)
				SELECT id, $1, $2 FROM locations WHERE account_id = $3`, u.ID, tokenwatch.RoleOwner, u.AccountID)
		} else {
			_, err = s.exec(ctx, tx, `INSERT INTO memberships (location_id, user_id, role)
				SELECT location_id, $1, role FROM invitation_roles WHERE invitation_id = $2`, u.ID, inv.ID)
		}
		if err != nil {
			return err
		}
		_, err = s.exec(ctx, tx, `UPDATE invitations SET user_id = $2 WHERE id = $1`, inv.ID, u.ID)
		return err
	})
}
