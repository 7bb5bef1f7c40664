package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/tokenwatch/tokenwatch"
)

// CreateAccount inserts an account and sets its ID and CreatedAt.
func (s *Store) CreateAccount(ctx context.Context, a *tokenwatch.Account) error {
	if strings.TrimSpace(a.Name) == "" {
		return tokenwatch.Errorf(tokenwatch.CodeInvalid, "An account needs a name.")
	}
	a.CreatedAt = s.now().UTC().Truncate(time.Millisecond)
	return s.queryRow(ctx, s.db,
		`INSERT INTO accounts (name, alert_thresholds, escalate_after, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
		a.Name, formatThresholds(a.AlertThresholds), int64(a.EscalateAfter/time.Second), a.CreatedAt).Scan(&a.ID)
}

// accountColumns are what an Account holds; scanAccount reads them.
const accountColumns = `id, name, alert_thresholds, escalate_after, created_at`

func scanAccount(sc scanner) (*tokenwatch.Account, error) {
	var (
		a          tokenwatch.Account
		thresholds string
		escalate   int64
	)
	err := scan(sc, &a.ID, &a.Name, &thresholds, &escalate, &a.CreatedAt)
	a.AlertThresholds = parseThresholds(thresholds)
	a.EscalateAfter = time.Duration(escalate) * time.Second
	return &a, err
}

// GetAccount returns the account with the given id.
func (s *Store) GetAccount(ctx context.Context, id int64) (*tokenwatch.Account, error) {
	a, err := scanAccount(s.queryRow(ctx, s.rdb, `SELECT `+accountColumns+` FROM accounts WHERE id = $1`, id))
	if err != nil {
		return nil, notFound(err, "account")
	}
	return a, nil
}

// ListAccounts returns every account, by id.
func (s *Store) ListAccounts(ctx context.Context) ([]*tokenwatch.Account, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT `+accountColumns+` FROM accounts ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*tokenwatch.Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// AccountByName returns the oldest account with the given name (names are
// not unique, but importers and the command line name accounts by them).
func (s *Store) AccountByName(ctx context.Context, name string) (*tokenwatch.Account, error) {
	a, err := scanAccount(s.queryRow(ctx, s.rdb, `SELECT `+accountColumns+` FROM accounts WHERE name = $1 ORDER BY id LIMIT 1`, name))
	if err != nil {
		return nil, notFound(err, "account")
	}
	return a, nil
}

// SetAlertThresholds sets an account's alert thresholds; none restores the
// defaults.
func (s *Store) SetAlertThresholds(ctx context.Context, accountID int64, thresholds []time.Duration) error {
	for _, t := range thresholds {
		if t < time.Second {
			return tokenwatch.Errorf(tokenwatch.CodeInvalid, "Alert thresholds must be at least a second.")
		}
	}
	res, err := s.exec(ctx, s.db, `UPDATE accounts SET alert_thresholds = $1 WHERE id = $2`, formatThresholds(thresholds), accountID)
	return affectedOne(res, err, "account")
}

// SetEscalateAfter sets how long a page of the account may stay expired or
// revoked after its terminal alert before the account's owners are told;
// zero restores the service's default.
func (s *Store) SetEscalateAfter(ctx context.Context, accountID int64, d time.Duration) error {
	if d < 0 || (d > 0 && d < time.Minute) {
		return tokenwatch.Errorf(tokenwatch.CodeInvalid, "The escalation delay must be at least a minute (or zero for the default).")
	}
	res, err := s.exec(ctx, s.db, `UPDATE accounts SET escalate_after = $1 WHERE id = $2`, int64(d/time.Second), accountID)
	return affectedOne(res, err, "account")
}

func formatThresholds(ts []time.Duration) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = strconv.FormatInt(int64(t/time.Second), 10)
	}
	return strings.Join(parts, ",")
}

func parseThresholds(s string) []time.Duration {
	var out []time.Duration
	for _, p := range strings.Split(s, ",") {
		if n, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64); err == nil && n > 0 {
			out = append(out, time.Duration(n)*time.Second)
		}
	}
	return out
}

// affectedOne turns an update that matched no row into a not-found error.
func affectedOne(res sql.Result, err error, what string) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return tokenwatch.Errorf(tokenwatch.CodeNotFound, "%s not found", what)
	}
	return nil
}

// CreateLocation inserts a location and sets its ID and CreatedAt. Every
// owner of the account takes part in it as its owner.
func (s *Store) CreateLocation(ctx context.Context, l *tokenwatch.Location) error {
	if err := checkLocation(l); err != nil {
		return err
	}
	l.CreatedAt = s.now().UTC().Truncate(time.Millisecond)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		err := s.queryRow(ctx, tx,
			`INSERT INTO locations (account_id, name, time_zone, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			l.AccountID, l.Name, l.TimeZone, l.CreatedAt).Scan(&l.ID)
		if s.eng.isUniqueViolation(err) {
			return tokenwatch.Errorf(tokenwatch.CodeConflict, "A location named %q exists already.", l.Name)
		}
		if err != nil {
			return err
		}
		_, err = s.exec(ctx, tx, `INSERT INTO memberships (location_id, user_id, role)
			SELECT $1, id, $2 FROM users WHERE account_id = $3 AND account_owner = $4`, l.ID, tokenwatch.RoleOwner, l.AccountID, true)
		return err
	})
}

const locationColumns = `l.id, l.account_id, l.name, l.time_zone, l.created_at`

func scanLocation(sc scanner, extra ...any) (*tokenwatch.Location, error) {
	var l tokenwatch.Location
	err := scan(sc, append([]any{&l.ID, &l.AccountID, &l.Name, &l.TimeZone, &l.CreatedAt}, extra...)...)
	return &l, err
}

// GetLocation returns the location with the given id.
func (s *Store) GetLocation(ctx context.Context, id int64) (*tokenwatch.Location, error) {
	l, err := scanLocation(s.queryRow(ctx, s.rdb, `SELECT `+locationColumns+` FROM locations l WHERE l.id = $1`, id))
	if err != nil {
		return nil, notFound(err, "location")
	}
	return l, nil
}

// ListLocations returns an account's locations by name.
func (s *Store) ListLocations(ctx context.Context, accountID int64) ([]*tokenwatch.Location, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT `+locationColumns+` FROM locations l WHERE l.account_id = $1 ORDER BY l.name`, accountID)
	return locations(rows, err)
}

// LocationRole is a location together with a user's role there.
type LocationRole struct {
	*tokenwatch.Location
	Role tokenwatch.Role
}

// UserLocations returns the locations where the user is a participant,
// with their role, by name.
func (s *Store) UserLocations(ctx context.Context, userID int64) ([]LocationRole, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT `+locationColumns+`, m.role
		FROM locations l JOIN memberships m ON m.location_id = l.id
		WHERE m.user_id = $1 ORDER BY l.name`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []LocationRole
	for rows.Next() {
		var lr LocationRole
		if lr.Location, err = scanLocation(rows, &lr.Role); err != nil {
			return nil, err
		}
		out = append(out, lr)
	}
	return out, rows.Err()
}

// CreateUser inserts a user with a password hash and sets ID and CreatedAt.
func (s *Store) CreateUser(ctx context.Context, u *tokenwatch.User, passwordHash string) error {
	u.Email = tokenwatch.NormalizeEmail(u.Email)
	if !strings.Contains(u.Email, "@") {
		return tokenwatch.Errorf(tokenwatch.CodeInvalid, "%q is not an e-mail address.", u.Email)
	}
	if strings.TrimSpace(u.Name) == "" {
		u.Name = u.Email
	}
	u.CreatedAt = s.now().UTC().Truncate(time.Millisecond)
	err := s.queryRow(ctx, s.db,
		`INSERT INTO users (account_id, email, name, password_hash, account_owner, created_at)
		 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		u.AccountID, u.Email, u.Name, passwordHash, u.AccountOwner, u.CreatedAt).Scan(&u.ID)
	if s.eng.isUniqueViolation(err) {
		return tokenwatch.Errorf(tokenwatch.CodeConflict, "A user with the e-mail address %s exists already.", u.Email)
	}
	return err
}

const userColumns = `u.id, u.account_id, u.email, u.name, u.account_owner, u.created_at`

func scanUser(sc scanner, extra ...any) (*tokenwatch.User, error) {
	var u tokenwatch.User
	err := scan(sc, append([]any{&u.ID, &u.AccountID, &u.Email, &u.Name, &u.AccountOwner, &u.CreatedAt}, extra...)...)
	return &u, err
}

// GetUser returns the user with the given id.
func (s *Store) GetUser(ctx context.Context, id int64) (*tokenwatch.User, error) {
	u, err := scanUser(s.queryRow(ctx, s.rdb, `SELECT `+userColumns+` FROM users u WHERE u.id = $1`, id))
	if err != nil {
		return nil, notFound(err, "user")
	}
	return u, nil
}

// UserLogin returns the user with the given e-mail address and their
// password hash, for signing in.
func (s *Store) UserLogin(ctx context.Context, email string) (*tokenwatch.User, string, error) {
	var hash string
	u, err := scanUser(s.queryRow(ctx, s.rdb, `SELECT `+userColumns+`, u.password_hash FROM users u WHERE u.email = $1`,
		tokenwatch.NormalizeEmail(email)), &hash)
	if err != nil {
		return nil, "", notFound(err, "user")
	}
	return u, hash, nil
}

// SetPassword replaces a user's password hash.
func (s *Store) SetPassword(ctx context.Context, userID int64, passwordHash string) error {
	res, err := s.exec(ctx, s.db, `UPDATE users SET password_hash = $1 WHERE id = $2`, passwordHash, userID)
	return affectedOne(res, err, "user")
}

// ListUsers returns an account's users by e-mail address.
func (s *Store) ListUsers(ctx context.Context, accountID int64) ([]*tokenwatch.User, error) {
	return s.users(ctx, `SELECT `+userColumns+` FROM users u WHERE u.account_id = $1 ORDER BY u.email`, accountID)
}

// UsersByID returns the users with the given ids (a bounded list: the
// page admins of a page of results), by id.
func (s *Store) UsersByID(ctx context.Context, ids []int64) (map[int64]*tokenwatch.User, error) {
	return byIDMap(ctx, s, func(n int) string {
		return `SELECT ` + userColumns + ` FROM users u WHERE u.id IN (` + placeholders(1, n) + `)`
	}, ids, func(rows *sql.Rows) (int64, *tokenwatch.User, error) {
		u, err := scanUser(rows)
		return u.ID, u, err
	})
}

// AccountOwners returns the account's owners, who receive the alerts of
// pages whose location has nobody who may reconnect them.
func (s *Store) AccountOwners(ctx context.Context, accountID int64) ([]*tokenwatch.User, error) {
	return s.users(ctx, `SELECT `+userColumns+` FROM users u WHERE u.account_id = $1 AND u.account_owner = $2 ORDER BY u.email`, accountID, true)
}

func (s *Store) users(ctx context.Context, query string, args ...any) ([]*tokenwatch.User, error) {
	rows, err := s.query(ctx, s.rdb, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*tokenwatch.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// SetMembership makes a user a participant of a location with a role, or
// changes their role.
func (s *Store) SetMembership(ctx context.Context, m tokenwatch.Membership) error {
	if !m.Role.Valid() {
		return tokenwatch.Errorf(tokenwatch.CodeInvalid, "%q is not a role (owner, manager or member).", m.Role)
	}
	_, err := s.exec(ctx, s.db, `INSERT INTO memberships (location_id, user_id, role) VALUES ($1, $2, $3)
		ON CONFLICT (location_id, user_id) DO UPDATE SET role = excluded.role`, m.LocationID, m.UserID, m.Role)
	return err
}

// AddMembership makes a user a participant of a location unless they are
// one already, whose role then stays as it is. added says whether the
// membership is new.
func (s *Store) AddMembership(ctx context.Context, m tokenwatch.Membership) (added bool, err error) {
	if !m.Role.Valid() {
		return false, tokenwatch.Errorf(tokenwatch.CodeInvalid, "%q is not a role (owner, manager or member).", m.Role)
	}
	res, err := s.exec(ctx, s.db, `INSERT INTO memberships (location_id, user_id, role) VALUES ($1, $2, $3)
		ON CONFLICT (location_id, user_id) DO NOTHING`, m.LocationID, m.UserID, m.Role)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// RemoveMembership removes a user from a location.
func (s *Store) RemoveMembership(ctx context.Context, locationID, userID int64) error {
	res, err := s.exec(ctx, s.db, `DELETE FROM memberships WHERE location_id = $1 AND user_id = $2`, locationID, userID)
	return affectedOne(res, err, "membership")
}

// Participants returns the participants of a location, by e-mail address.
func (s *Store) Participants(ctx context.Context, locationID int64) ([]tokenwatch.Participant, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT `+userColumns+`, m.role
		FROM users u JOIN memberships m ON m.user_id = u.id
		WHERE m.location_id = $1 ORDER BY u.email`, locationID)
	return participants(rows, err)
}

// RoleAt returns the user's role at a location, or a not-found error when
// they are not a participant.
func (s *Store) RoleAt(ctx context.Context, userID, locationID int64) (tokenwatch.Role, error) {
	var r tokenwatch.Role
	err := s.queryRow(ctx, s.rdb, `SELECT role FROM memberships WHERE user_id = $1 AND location_id = $2`, userID, locationID).Scan(&r)
	if err != nil {
		return "", notFound(err, "location")
	}
	return r, nil
}

// DeleteAccount deletes an account and everything in it: locations, users,
// pages and their tokens, posts, notifications.
func (s *Store) DeleteAccount(ctx context.Context, id int64) error {
	res, err := s.exec(ctx, s.db, `DELETE FROM accounts WHERE id = $1`, id)
	return affectedOne(res, err, "account")
}

// ParticipantsAt returns the participants of each of the locations, by
// e-mail address.
func (s *Store) ParticipantsAt(ctx context.Context, locationIDs []int64) (map[int64][]tokenwatch.Participant, error) {
	out := map[int64][]tokenwatch.Participant{}
	err := s.byIDs(ctx, s.rdb, func(n int) string {
		return `SELECT m.location_id, ` + userColumns + `, m.role FROM users u JOIN memberships m ON m.user_id = u.id
			WHERE m.location_id IN (` + placeholders(1, n) + `) ORDER BY u.email`
	}, nil, locationIDs, func(rows *sql.Rows) error {
		var (
			locID int64
			p     tokenwatch.Participant
		)
		if err := scan(rows, &locID, &p.ID, &p.AccountID, &p.Email, &p.Name, &p.AccountOwner, &p.CreatedAt, &p.Role); err != nil {
			return err
		}
		out[locID] = append(out[locID], p)
		return nil
	})
	return out, err
}

// OwnersOf returns the owners of each of the accounts, by e-mail address.
func (s *Store) OwnersOf(ctx context.Context, accountIDs []int64) (map[int64][]*tokenwatch.User, error) {
	out := map[int64][]*tokenwatch.User{}
	err := s.byIDs(ctx, s.rdb, func(n int) string {
		return `SELECT ` + userColumns + ` FROM users u WHERE u.account_owner = $1 AND u.account_id IN (` + placeholders(2, n) + `)
			ORDER BY u.email`
	}, []any{true}, accountIDs, func(rows *sql.Rows) error {
		u, err := scanUser(rows)
		if err != nil {
			return err
		}
		out[u.AccountID] = append(out[u.AccountID], u)
		return nil
	})
	return out, err
}

// LocationsByID returns the locations with the given ids.
func (s *Store) LocationsByID(ctx context.Context, ids []int64) (map[int64]*tokenwatch.Location, error) {
	return byIDMap(ctx, s, func(n int) string {
		return `SELECT ` + locationColumns + ` FROM locations l WHERE l.id IN (` + placeholders(1, n) + `)`
	}, ids, func(rows *sql.Rows) (int64, *tokenwatch.Location, error) {
		l, err := scanLocation(rows)
		return l.ID, l, err
	})
}

// AccountsByID returns the accounts with the given ids.
func (s *Store) AccountsByID(ctx context.Context, ids []int64) (map[int64]*tokenwatch.Account, error) {
	return byIDMap(ctx, s, func(n int) string {
		return `SELECT ` + accountColumns + ` FROM accounts WHERE id IN (` + placeholders(1, n) + `)`
	}, ids, func(rows *sql.Rows) (int64, *tokenwatch.Account, error) {
		a, err := scanAccount(rows)
		return a.ID, a, err
	})
}

// participants reads the rows of a query of userColumns and a role.
func participants(rows *sql.Rows, err error) ([]tokenwatch.Participant, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []tokenwatch.Participant
	for rows.Next() {
		var p tokenwatch.Participant
		u, err := scanUser(rows, &p.Role)
		if err != nil {
			return nil, err
		}
		p.User = *u
		out = append(out, p)
	}
	return out, rows.Err()
}

// locations reads the rows of a query of locationColumns.
func locations(rows *sql.Rows, err error) ([]*tokenwatch.Location, error) {
	if err != nil {
		return nil, err
	}
	var out []*tokenwatch.Location
	err = scanAll(rows, func(rows *sql.Rows) error {
		l, err := scanLocation(rows)
		if err == nil {
			out = append(out, l)
		}
		return err
	})
	return out, err
}
