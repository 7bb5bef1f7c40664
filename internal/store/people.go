package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/tokenwatch/tokenwatch"
)

// checkLocation checks a location's name and time zone before they are
// stored.
func checkLocation(l *tokenwatch.Location) error {
	l.Name = strings.TrimSpace(l.Name)
	switch {
	case l.Name == "":
		return tokenwatch.Errorf(tokenwatch.CodeInvalid, "A location needs a name.")
	case len(l.Name) > 200:
		return tokenwatch.Errorf(tokenwatch.CodeInvalid, "A location's name has at most 200 characters.")
	}
	if l.TimeZone == "" {
		l.TimeZone = "UTC"
	}
	if _, err := time.LoadLocation(l.TimeZone); err != nil || strings.EqualFold(l.TimeZone, "local") {
		return tokenwatch.Errorf(tokenwatch.CodeInvalid, "%q is not a time zone (use an IANA name such as Europe/Paris).", l.TimeZone)
	}
	return nil
}

// UpdateLocation renames a location or changes its time zone.
func (s *Store) UpdateLocation(ctx context.Context, l *tokenwatch.Location) error {
	if err := checkLocation(l); err != nil {
		return err
	}
	res, err := s.exec(ctx, s.db, `UPDATE locations SET name = $2, time_zone = $3 WHERE id = $1`, l.ID, l.Name, l.TimeZone)
	if s.eng.isUniqueViolation(err) {
		return tokenwatch.Errorf(tokenwatch.CodeConflict, "A location named %q exists already.", l.Name)
	}
	return affectedOne(res, err, "location")
}

// SetUserName changes the name a user is shown by.
func (s *Store) SetUserName(ctx context.Context, userID int64, name string) error {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 200 {
		return tokenwatch.Errorf(tokenwatch.CodeInvalid, "A name has 1 to 200 characters.")
	}
	res, err := s.exec(ctx, s.db, `UPDATE users SET name = $2 WHERE id = $1`, userID, name)
	return affectedOne(res, err, "user")
}

// QueryUsers returns up to limit users of an account whose id is above
// after, by id (a page of the list of people).
func (s *Store) QueryUsers(ctx context.Context, accountID, after int64, limit int) ([]*tokenwatch.User, error) {
	return s.users(ctx, `SELECT `+userColumns+` FROM users u WHERE u.account_id = $1 AND u.id > $2 ORDER BY u.id LIMIT $3`,
		accountID, after, limit)
}

// RolesOf returns the locations of each of the users with their role
// there, by location name (a bounded list: a page of people).
func (s *Store) RolesOf(ctx context.Context, userIDs []int64) (map[int64][]LocationRole, error) {
	out := map[int64][]LocationRole{}
	err := s.byIDs(ctx, s.rdb, func(n int) string {
		return `SELECT m.user_id, ` + locationColumns + `, m.role FROM locations l JOIN memberships m ON m.location_id = l.id
			WHERE m.user_id IN (` + placeholders(1, n) + `) ORDER BY l.name`
	}, nil, userIDs, func(rows *sql.Rows) error {
		var (
			userID int64
			lr     LocationRole
		)
		lr.Location = &tokenwatch.Location{}
		l := lr.Location
		if err := scan(rows, &userID, &l.ID, &l.AccountID, &l.Name, &l.TimeZone, &l.CreatedAt, &lr.Role); err != nil {
			return err
		}
		out[userID] = append(out[userID], lr)
		return nil
	})
	return out, err
}

// errLastOwner refuses to leave an account without an owner.
var errLastOwner = tokenwatch.Errorf(tokenwatch.CodeConflict, "An account needs at least one owner: make someone else an owner first.")

// otherOwners counts the account's owners other than userID, inside tx.
func (s *Store) otherOwners(ctx context.Context, tx *sql.Tx, userID int64) (int, error) {
	var n int
	err := s.queryRow(ctx, tx, `SELECT count(*) FROM users o JOIN users u ON u.account_id = o.account_id
		WHERE u.id = $1 AND o.id <> $1 AND o.account_owner = $2`, userID, true).Scan(&n)
	return n, err
}

// SetAccountOwner makes a user an owner of their account, who takes part in
// every location as its owner, or no longer one (their owner roles become
// manager roles). The last owner stays one.
func (s *Store) SetAccountOwner(ctx context.Context, userID int64, owner bool) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if !owner {
			if n, err := s.otherOwners(ctx, tx, userID); err != nil {
				return err
			} else if n == 0 {
				return errLastOwner
			}
		}
		res, err := s.exec(ctx, tx, `UPDATE users SET account_owner = $2 WHERE id = $1`, userID, owner)
		if err := affectedOne(res, err, "user"); err != nil {
			return err
		}
		if !owner {
			_, err := s.exec(ctx, tx, `UPDATE memberships SET role = $2 WHERE user_id = $1 AND role = $3`,
				userID, tokenwatch.RoleManager, tokenwatch.RoleOwner)
			return err
		}
		_, err = s.exec(ctx, tx, `INSERT INTO memberships (location_id, user_id, role)
			SELECT l.id, u.id, $2 FROM locations l JOIN users u ON u.account_id = l.account_id WHERE u.id = $1
			ON CONFLICT (location_id, user_id) DO UPDATE SET role = excluded.role`, userID, tokenwatch.RoleOwner)
		return err
	})
}

// CountPagesAdministered returns how many pages a user is the page admin
// of (they connected or last reconnected them).
func (s *Store) CountPagesAdministered(ctx context.Context, userID int64) (int, error) {
	var n int
	err := s.queryRow(ctx, s.rdb, `SELECT count(*) FROM pages WHERE connected_by = $1`, userID).Scan(&n)
	return n, err
}

// TransferPages makes to the page admin of every page from is the page
// admin of, and returns how many pages changed hands. Both must be users
// of the same account.
func (s *Store) TransferPages(ctx context.Context, from, to int64) (int64, error) {
	var n int64
	err := s.inTx(ctx, func(tx *sql.Tx) (err error) {
		n, err = s.transferPages(ctx, tx, from, to)
		return err
	})
	return n, err
}

func (s *Store) transferPages(ctx context.Context, tx *sql.Tx, from, to int64) (int64, error) {
	var same int
	if err := s.queryRow(ctx, tx, `SELECT count(*) FROM users a JOIN users b ON a.account_id = b.account_id
		WHERE a.id = $1 AND b.id = $2`, from, to).Scan(&same); err != nil {
		return 0, err
	}
	if same == 0 || from == to {
		return 0, tokenwatch.Errorf(tokenwatch.CodeInvalid, "Pages can be handed only to another person of the same account.")
	}
	res, err := s.exec(ctx, tx, `UPDATE pages SET connected_by = $2, updated_at = $3 WHERE connected_by = $1`, from, to, s.now().UTC())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// DeleteUser removes a person from their account: their sessions end at
// once, their roles, notifications and API sessions go. The pages they are
// the page admin of are handed to transferTo first (zero: those pages have
// no page admin until someone reconnects them). The last owner stays.
func (s *Store) DeleteUser(ctx context.Context, userID, transferTo int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var owner bool
		if err := s.queryRow(ctx, tx, `SELECT account_owner FROM users WHERE id = $1`, userID).Scan(&owner); err != nil {
			return notFound(err, "user")
		}
		if owner {
			if n, err := s.otherOwners(ctx, tx, userID); err != nil {
				return err
			} else if n == 0 {
				return errLastOwner
			}
		}
		if transferTo != 0 {
			if _, err := s.transferPages(ctx, tx, userID, transferTo); err != nil {
				return err
			}
		}
		res, err := s.exec(ctx, tx, `DELETE FROM users WHERE id = $1`, userID)
		return affectedOne(res, err, "user")
	})
}
