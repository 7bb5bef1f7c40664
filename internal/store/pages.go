package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
)

// Contexts that bind each ciphertext to its column.
const (
	accessTokenContext  = "tokenwatch page access_token"
	refreshTokenContext = "tokenwatch page refresh_token"
)

const pageColumns = `p.id, p.account_id, p.location_id, p.provider, p.provider_page_id, p.name,
	coalesce(p.connected_by, 0), p.provider_user_id, p.provider_user_name, p.scopes,
	p.access_expires_at, p.refresh_expires_at, p.data_access_expires_at, p.auto_refresh,
	p.refresh_before_expiry, p.refresh_lead_seconds, p.problem, p.last_checked_at, p.last_error_class, p.last_error_message, p.last_error_at,
	p.retry_at, p.generation, p.state, p.next_due_at, p.delivery_error, p.created_at, p.updated_at`

// scanPage scans pageColumns, then the extra destinations.
func scanPage(sc scanner, extra ...any) (*tokenwatch.Page, error) {
	var (
		p      tokenwatch.Page
		scopes string
		lead   int64
		le     tokenwatch.PageError
	)
	// One slice for every destination (lists scan a hundred pages a
	// request).
	dest := append(make([]any, 0, 28+len(extra)), &p.ID, &p.AccountID, &p.LocationID, &p.Provider, &p.ProviderPageID, &p.Name,
		&p.ConnectedBy, &p.ProviderUserID, &p.ProviderUserName, &scopes,
		&p.AccessExpiresAt, &p.RefreshExpiresAt, &p.DataAccessExpiresAt, &p.AutoRefresh,
		&p.RefreshBeforeExpiry, &lead, &p.Problem, &p.LastCheckedAt, &le.Class, &le.Message, &le.At,
		&p.RetryAt, &p.Generation, &p.State, &p.NextDueAt, &p.DeliveryError, &p.CreatedAt, &p.UpdatedAt)
	err := scan(sc, append(dest, extra...)...)
	if err != nil {
		return nil, err
	}
	p.Scopes = strings.Fields(scopes)
	p.RefreshLead = time.Duration(lead) * time.Second
	if le.Class != "" {
		p.LastError = &le
	}
	return &p, nil
}

// seal encrypts a page's tokens under the current key. A zero refresh token
// is stored as NULL.
func (s *Store) seal(c tokenwatch.Credentials) (keyID string, access, refresh []byte) {
	keyID, access = s.keys.Seal([]byte(c.AccessToken.Reveal()), accessTokenContext)
	if !c.RefreshToken.IsZero() {
		_, refresh = s.keys.Seal([]byte(c.RefreshToken.Reveal()), refreshTokenContext)
	}
	return keyID, access, refresh
}

func (s *Store) open(keyID string, access, refresh []byte) (tokenwatch.Credentials, error) {
	var c tokenwatch.Credentials
	pt, err := s.keys.Open(keyID, access, accessTokenContext)
	if err != nil {
		return c, err
	}
	c.AccessToken = tokenwatch.NewSecret(string(pt))
	if refresh != nil {
		pt, err := s.keys.Open(keyID, refresh, refreshTokenContext)
		if err != nil {
			return c, err
		}
		c.RefreshToken = tokenwatch.NewSecret(string(pt))
	}
	return c, nil
}

func validatePage(p *tokenwatch.Page, c tokenwatch.Credentials) error {
	switch {
	case !p.Provider.Valid():
		return tokenwatch.Errorf(tokenwatch.CodeInvalid, "%q is not a known network.", p.Provider)
	case strings.TrimSpace(p.ProviderPageID) == "":
		return tokenwatch.Errorf(tokenwatch.CodeInvalid, "A page needs the network's id for it.")
	case strings.TrimSpace(p.Name) == "":
		return tokenwatch.Errorf(tokenwatch.CodeInvalid, "A page needs a name.")
	case strings.TrimSpace(p.ProviderUserID) == "":
		return tokenwatch.Errorf(tokenwatch.CodeInvalid, "A page needs the network account that granted access.")
	case c.AccessToken.IsZero():
		return tokenwatch.Errorf(tokenwatch.CodeInvalid, "A page needs an access token.")
	case !p.Problem.Valid():
		return tokenwatch.Errorf(tokenwatch.CodeInvalid, "%q is not a known problem.", p.Problem)
	}
	return nil
}

// CreatePage inserts a page with its credentials (encrypted) and sets its
// ID, Generation (1 unless set), CreatedAt and UpdatedAt. The page's
// account is its location's. A zero NextDueAt becomes now: the next sweep
// looks at the new page.
func (s *Store) CreatePage(ctx context.Context, p *tokenwatch.Page, creds tokenwatch.Credentials) error {
	if err := validatePage(p, creds); err != nil {
		return err
	}
	if p.Generation == 0 {
		p.Generation = 1
	}
	if p.State == "" {
		p.State = tokenwatch.StateHealthy
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	p.CreatedAt, p.UpdatedAt = now, now
	if p.NextDueAt.IsZero() {
		p.NextDueAt = now // the next sweep decides
	}
	keyID, access, refresh := s.seal(creds)
	var connectedBy any
	if p.ConnectedBy != 0 {
		connectedBy = p.ConnectedBy
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		err := s.queryRow(ctx, tx, `INSERT INTO pages (account_id, location_id, provider, provider_page_id, name,
			connected_by, provider_user_id, provider_user_name, scopes, key_id, access_token, refresh_token,
			access_expires_at, refresh_expires_at, data_access_expires_at, auto_refresh,
			refresh_before_expiry, refresh_lead_seconds, problem,
			generation, state, next_due_at, created_at, updated_at, deadline)
		SELECT l.account_id, l.id, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $22, $23
		FROM locations l WHERE l.id = $1
		RETURNING id, account_id`,
			p.LocationID, p.Provider, p.ProviderPageID, p.Name, connectedBy, p.ProviderUserID, p.ProviderUserName,
			strings.Join(p.Scopes, " "), keyID, access, refresh,
			p.AccessExpiresAt, p.RefreshExpiresAt, p.DataAccessExpiresAt, p.AutoRefresh,
			p.RefreshBeforeExpiry, int64(p.RefreshLead/time.Second), p.Problem,
			p.Generation, p.State, p.NextDueAt, now, deadlineOf(p)).Scan(&p.ID, &p.AccountID)
		if err != nil {
			return err
		}
		return s.schedule(ctx, tx, p.ID, p.NextDueAt)
	})
	switch {
	case err == sql.ErrNoRows:
		return tokenwatch.Errorf(tokenwatch.CodeNotFound, "location not found")
	case s.eng.isUniqueViolation(err):
		return tokenwatch.Errorf(tokenwatch.CodeConflict, "%s %q is connected already.", p.Provider.DisplayName(), p.Name)
	}
	return err
}

// NewPage is a page to create, with its credentials.
type NewPage struct {
	Page        *tokenwatch.Page
	Credentials tokenwatch.Credentials
}

// The statements of CreatePages.
const (
	insertPages = `INSERT INTO pages (account_id, location_id, provider, provider_page_id, name,
		connected_by, provider_user_id, provider_user_name, scopes, key_id, access_token, refresh_token,
		access_expires_at, refresh_expires_at, data_access_expires_at, auto_refresh,
		refresh_before_expiry, refresh_lead_seconds, problem,
		generation, state, next_due_at, created_at, updated_at, deadline) VALUES `
	insertPagesColumns = 25
	insertPagesEnd     = ` ON CONFLICT (account_id, provider, provider_page_id) DO NOTHING RETURNING id, account_id, provider, provider_page_id`
)

func locationAccountsQuery(n int) string {
	return `SELECT id, account_id FROM locations WHERE id IN (` + placeholders(1, n) + `)`
}

// CreatePages inserts pages as CreatePage does, all in one transaction and
// a few statements, except that a page its account has already (or that
// comes twice) is left as it is: it keeps a zero ID, while each page
// created gets its ID, AccountID, Generation, CreatedAt and UpdatedAt. It
// returns how many pages it created. An invalid page, or one at a location
// that does not exist, fails the whole call.
func (s *Store) CreatePages(ctx context.Context, pages []NewPage) (created int, err error) {
	if len(pages) == 0 {
		return 0, nil
	}
	var locationIDs []int64
	seen := map[int64]bool{}
	for _, np := range pages {
		if err := validatePage(np.Page, np.Credentials); err != nil {
			return 0, err
		}
		if id := np.Page.LocationID; !seen[id] {
			seen[id] = true
			locationIDs = append(locationIDs, id)
		}
	}
	qs := []string{multiRow(insertPages, insertPagesColumns, 1, insertPagesEnd), multiRow(insertPages, insertPagesColumns, insertRows, insertPagesEnd)}
	qs = append(qs, s.rowQueries(dueRows.query, dueRows.types, 0)...)
	qs = append(qs, s.idListQueries(locationAccountsQuery)...)
	if err := s.prepare(ctx, qs...); err != nil {
		return 0, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	type key struct {
		accountID      int64
		provider       tokenwatch.Provider
		providerPageID string
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		accountOf := make(map[int64]int64, len(locationIDs))
		err := s.byIDs(ctx, tx, locationAccountsQuery, nil, locationIDs, func(r *sql.Rows) error {
			var id, accountID int64
			err := r.Scan(&id, &accountID)
			accountOf[id] = accountID
			return err
		})
		if err != nil {
			return err
		}
		rows := make([][]any, len(pages))
		waiting := make(map[key][]int, len(pages))
		for i, np := range pages {
			p := np.Page
			accountID, ok := accountOf[p.LocationID]
			if !ok {
				return tokenwatch.Errorf(tokenwatch.CodeNotFound, "location not found")
			}
			p.ID, p.AccountID, p.CreatedAt, p.UpdatedAt = 0, accountID, now, now
			if p.Generation == 0 {
				p.Generation = 1
			}
			if p.State == "" {
				p.State = tokenwatch.StateHealthy
			}
			if p.NextDueAt.IsZero() {
				p.NextDueAt = now
			}
			var connectedBy any
			if p.ConnectedBy != 0 {
				connectedBy = p.ConnectedBy
			}
			keyID, access, refresh := s.seal(np.Credentials)
			rows[i] = []any{accountID, p.LocationID, p.Provider, p.ProviderPageID, p.Name, connectedBy, p.ProviderUserID, p.ProviderUserName,
				strings.Join(p.Scopes, " "), keyID, access, refresh, p.AccessExpiresAt, p.RefreshExpiresAt, p.DataAccessExpiresAt, p.AutoRefresh,
				p.RefreshBeforeExpiry, int64(p.RefreshLead / time.Second), p.Problem, p.Generation, p.State, p.NextDueAt, now, now, deadlineOf(p)}
			k := key{accountID, p.Provider, p.ProviderPageID}
			waiting[k] = append(waiting[k], i)
		}
		// RETURNING names the rows inserted, in no promised order: each
		// goes to the first page of its key (a second one is a duplicate).
		var due [][]any
		err = s.insertMany(ctx, tx, insertPages, rows, insertPagesEnd, func(r *sql.Rows) error {
			var (
				id int64
				k  key
			)
			if err := r.Scan(&id, &k.accountID, &k.provider, &k.providerPageID); err != nil {
				return err
			}
			is := waiting[k]
			if len(is) == 0 {
				return fmt.Errorf("store: the database returned page %d, which was not inserted", id)
			}
			p := pages[is[0]].Page
			p.ID = id
			waiting[k] = is[1:]
			created++
			due = append(due, []any{p.NextDueAt.UTC(), id})
			return nil
		})
		if err != nil {
			return err
		}
		return s.insertAll(ctx, tx, dueRows, due, nil)
	})
	if err != nil {
		for _, np := range pages {
			np.Page.ID = 0
		}
		return 0, err
	}
	return created, nil
}

// GetPage returns the page with the given id.
func (s *Store) GetPage(ctx context.Context, id int64) (*tokenwatch.Page, error) {
	p, err := scanPage(s.queryRow(ctx, s.rdb, `SELECT `+pageColumns+` FROM pages p WHERE p.id = $1`, id))
	if err != nil {
		return nil, notFound(err, "page")
	}
	return p, nil
}

// PageFilter selects pages. Zero fields do not filter.
type PageFilter struct {
	AccountID   int64
	LocationIDs []int64
	// UserID keeps the pages of the locations where the user participates.
	UserID   int64
	Provider tokenwatch.Provider
	// ProviderUserID keeps the pages the network account connected.
	ProviderUserID string
}

// ListPages returns the pages the filter selects, by location and name.
func (s *Store) ListPages(ctx context.Context, f PageFilter) ([]*tokenwatch.Page, error) {
	var (
		where []string
		args  []any
	)
	if f.AccountID != 0 {
		args = append(args, f.AccountID)
		where = append(where, fmt.Sprintf("p.account_id = $%d", len(args)))
	}
	if f.LocationIDs != nil {
		if len(f.LocationIDs) == 0 {
			return nil, nil
		}
		where = append(where, fmt.Sprintf("p.location_id IN (%s)", placeholders(len(args)+1, len(f.LocationIDs))))
		for _, id := range f.LocationIDs {
			args = append(args, id)
		}
	}
	if f.UserID != 0 {
		args = append(args, f.UserID)
		where = append(where, fmt.Sprintf("p.location_id IN (SELECT location_id FROM memberships WHERE user_id = $%d)", len(args)))
	}
	if f.Provider != "" {
		args = append(args, f.Provider)
		where = append(where, fmt.Sprintf("p.provider = $%d", len(args)))
	}
	if f.ProviderUserID != "" {
		args = append(args, f.ProviderUserID)
		where = append(where, fmt.Sprintf("p.provider_user_id = $%d", len(args)))
	}
	q := `SELECT ` + pageColumns + ` FROM pages p`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	rows, err := s.query(ctx, s.rdb, q+` ORDER BY p.location_id, p.name, p.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*tokenwatch.Page
	for rows.Next() {
		p, err := scanPage(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// PagesByID returns the pages with the given ids (a bounded list: the
// pages of the posts on a calendar, the pages chosen in a form), by id.
func (s *Store) PagesByID(ctx context.Context, ids []int64) (map[int64]*tokenwatch.Page, error) {
	out := map[int64]*tokenwatch.Page{}
	for _, chunk := range s.idLists(ids) {
		rows, err := s.query(ctx, s.rdb, `SELECT `+pageColumns+` FROM pages p WHERE p.id IN (`+placeholders(1, len(chunk))+`)`, idArgs(chunk)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			p, err := scanPage(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out[p.ID] = p
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// PageCredentials returns a page's tokens, decrypted.
func (s *Store) PageCredentials(ctx context.Context, id int64) (tokenwatch.Credentials, error) {
	var (
		keyID           string
		access, refresh []byte
	)
	err := s.queryRow(ctx, s.rdb, `SELECT key_id, access_token, refresh_token FROM pages WHERE id = $1`, id).Scan(&keyID, &access, &refresh)
	if err != nil {
		return tokenwatch.Credentials{}, notFound(err, "page")
	}
	c, err := s.open(keyID, access, refresh)
	if err != nil {
		return c, fmt.Errorf("store: tokens of page %d: %w", id, err)
	}
	return c, nil
}

// Grant is what a successful refresh or reconnect changes on a page.
type Grant struct {
	Credentials tokenwatch.Credentials // a zero RefreshToken keeps the stored one
	// Expiries as the provider gave them; zero: none.
	AccessExpiresAt     time.Time
	RefreshExpiresAt    time.Time
	DataAccessExpiresAt time.Time
	Scopes              []string // nil keeps the stored scopes
	AutoRefresh         bool
	RefreshBeforeExpiry bool
	RefreshLead         time.Duration
	// ProviderUserID and ProviderUserName, when set, replace the stored
	// identity of the network account (a reconnect by another account
	// with the role, where the requester allowed it).
	ProviderUserID   string
	ProviderUserName string
	// ConnectedBy, when set, makes this user the page admin (a reconnect).
	ConnectedBy int64
	// NewGeneration starts a new token generation (a reconnect, or a
	// refresh that pushed the deadline out), so the alert ladder restarts.
	NewGeneration bool
	// NextDueAt is when the page next needs attention; zero means now
	// (the next sweep looks at the page and decides).
	NextDueAt time.Time
	// State is the page's state under the new grant.
	State tokenwatch.State
	// Event, if set, is recorded in the page's history.
	Event *Event
}

// SaveGrant stores new tokens for a page and clears its problem, last error
// and retry time. The stored refresh token is never replaced by an empty
// one. It returns the page as saved.
func (s *Store) SaveGrant(ctx context.Context, pageID int64, g Grant) (*tokenwatch.Page, error) {
	if g.Credentials.AccessToken.IsZero() {
		return nil, tokenwatch.Errorf(tokenwatch.CodeInvalid, "A grant needs an access token.")
	}
	if g.State == "" {
		g.State = tokenwatch.StateHealthy
	}
	if g.NextDueAt.IsZero() {
		g.NextDueAt = s.now().UTC()
	}
	var page *tokenwatch.Page
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var (
			keyID           string
			access, refresh []byte
		)
		err := s.queryRow(ctx, tx, `SELECT key_id, access_token, refresh_token FROM pages WHERE id = $1`, pageID).Scan(&keyID, &access, &refresh)
		if err != nil {
			return notFound(err, "page")
		}
		creds := g.Credentials
		if creds.RefreshToken.IsZero() && refresh != nil {
			old, err := s.open(keyID, access, refresh)
			if err != nil {
				return fmt.Errorf("store: tokens of page %d: %w", pageID, err)
			}
			creds.RefreshToken = old.RefreshToken
		}
		newKeyID, newAccess, newRefresh := s.seal(creds)
		gen := 0
		if g.NewGeneration {
			gen = 1
		}
		var scopes any
		if g.Scopes != nil {
			scopes = strings.Join(g.Scopes, " ")
		}
		var connectedBy any
		if g.ConnectedBy != 0 {
			connectedBy = g.ConnectedBy
		}
		_, err = s.exec(ctx, tx, `UPDATE pages SET key_id = $2, access_token = $3, refresh_token = $4,
				access_expires_at = $5, refresh_expires_at = $6, data_access_expires_at = $7,
				scopes = coalesce($8, scopes), auto_refresh = $9,
				refresh_before_expiry = $16, refresh_lead_seconds = $17,
				provider_user_name = CASE WHEN $10 = '' THEN provider_user_name ELSE $10 END,
				provider_user_id = CASE WHEN $18 = '' THEN provider_user_id ELSE $18 END,
				connected_by = coalesce($11, connected_by),
				generation = generation + $12, problem = '', last_error_class = '', last_error_message = '',
				last_error_at = NULL, retry_at = NULL, state = $13, next_due_at = $14, updated_at = $15
			WHERE id = $1`,
			pageID, newKeyID, newAccess, newRefresh, g.AccessExpiresAt, g.RefreshExpiresAt, g.DataAccessExpiresAt,
			scopes, g.AutoRefresh, g.ProviderUserName, connectedBy, gen, g.State, g.NextDueAt, s.now().UTC(),
			g.RefreshBeforeExpiry, int64(g.RefreshLead/time.Second), g.ProviderUserID)
		if err != nil {
			return err
		}
		if err := s.schedule(ctx, tx, pageID, g.NextDueAt); err != nil {
			return err
		}
		if err := s.recordEvent(ctx, tx, pageID, g.Event); err != nil {
			return err
		}
		if page, err = scanPage(s.queryRow(ctx, tx, `SELECT `+pageColumns+` FROM pages p WHERE p.id = $1`, pageID)); err != nil {
			return err
		}
		if err := s.resolveNotifications(ctx, tx, s.now().UTC(), []int64{pageID}); err != nil {
			return err
		}
		return s.keepDeadline(ctx, tx, page)
	})
	return page, err
}

// PageStatus is what a health check, a failed refresh or the sweep records
// about a page, without touching its tokens.
type PageStatus struct {
	Problem       tokenwatch.Problem
	State         tokenwatch.State
	LastCheckedAt time.Time // zero keeps the stored time
	LastError     *tokenwatch.PageError
	// RetryAt is when to try again after a transient failure (zero: none).
	RetryAt   time.Time
	NextDueAt time.Time
	// Event, if set, is recorded in the page's history.
	Event *Event
}

// SetPageStatus records a page's problem, state, last check and last error.
func (s *Store) SetPageStatus(ctx context.Context, pageID int64, st PageStatus) error {
	if !st.Problem.Valid() {
		return tokenwatch.Errorf(tokenwatch.CodeInvalid, "%q is not a known problem.", st.Problem)
	}
	var le tokenwatch.PageError
	if st.LastError != nil {
		le = *st.LastError
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := s.exec(ctx, tx, `UPDATE pages SET problem = $2, state = $3,
				last_checked_at = coalesce($4, last_checked_at),
				last_error_class = $5, last_error_message = $6, last_error_at = $7,
				retry_at = $8, next_due_at = $9, updated_at = $10
			WHERE id = $1`,
			pageID, st.Problem, st.State, st.LastCheckedAt, le.Class, le.Message, le.At, st.RetryAt, st.NextDueAt, s.now().UTC())
		if err := affectedOne(res, err, "page"); err != nil {
			return err
		}
		if err := s.recordEvent(ctx, tx, pageID, st.Event); err != nil {
			return err
		}
		if st.State == tokenwatch.StateHealthy {
			if err := s.resolveNotifications(ctx, tx, s.now().UTC(), []int64{pageID}); err != nil {
				return err
			}
		}
		return s.schedule(ctx, tx, pageID, st.NextDueAt)
	})
}

// Disconnect forgets a page's tokens and expiries and marks it
// disconnected (tokenwatch.ProblemDisconnected): nothing is refreshed,
// checked or alerted, and its posts are held until a person reconnects
// it. The page, its history and its posts stay. e is recorded in its
// history.
func (s *Store) Disconnect(ctx context.Context, pageID int64, e Event) (*tokenwatch.Page, error) {
	keyID, access, _ := s.seal(tokenwatch.Credentials{})
	var page *tokenwatch.Page
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := s.exec(ctx, tx, `UPDATE pages SET key_id = $2, access_token = $3, refresh_token = NULL,
				access_expires_at = NULL, refresh_expires_at = NULL, data_access_expires_at = NULL, auto_refresh = $4,
				problem = $5, state = $6, last_error_class = '', last_error_message = '', last_error_at = NULL,
				retry_at = NULL, next_due_at = NULL, deadline = NULL, updated_at = $7
			WHERE id = $1`,
			pageID, keyID, access, false, tokenwatch.ProblemDisconnected, tokenwatch.StateDisconnected, s.now().UTC())
		if err := affectedOne(res, err, "page"); err != nil {
			return err
		}
		if err := s.holdPosts(ctx, tx, pageID); err != nil {
			return err
		}
		if err := s.recordEvent(ctx, tx, pageID, &e); err != nil {
			return err
		}
		page, err = scanPage(s.queryRow(ctx, tx, `SELECT `+pageColumns+` FROM pages p WHERE p.id = $1`, pageID))
		return err
	})
	return page, err
}

// DeletePage deletes a page, its tokens, history and alerts.
func (s *Store) DeletePage(ctx context.Context, id int64) error {
	res, err := s.exec(ctx, s.db, `DELETE FROM pages WHERE id = $1`, id)
	return affectedOne(res, err, "page")
}

// Check is what a successful health check learned about a page.
type Check struct {
	CheckedAt time.Time
	// Problem is the page's problem after the check: none, unless the
	// check could not tell (a network that does not list scopes).
	Problem tokenwatch.Problem
	// New expiries the network reported; zero keeps the stored ones.
	AccessExpiresAt     time.Time
	DataAccessExpiresAt time.Time
	Scopes              []string // nil keeps the stored scopes
	// NewGeneration starts a new generation (the deadline was pushed out).
	NewGeneration bool
	State         tokenwatch.State
	NextDueAt     time.Time
	// Event, if set, is recorded in the page's history.
	Event *Event
}

// RecordCheck records a successful health check: the grant is alive, so
// the last error and retry are cleared, and the problem set to c.Problem.
func (s *Store) RecordCheck(ctx context.Context, pageID int64, c Check) (*tokenwatch.Page, error) {
	gen := 0
	if c.NewGeneration {
		gen = 1
	}
	var scopes any
	if c.Scopes != nil {
		scopes = strings.Join(c.Scopes, " ")
	}
	var page *tokenwatch.Page
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := s.exec(ctx, tx, `UPDATE pages SET last_checked_at = $2,
				access_expires_at = coalesce($3, access_expires_at),
				data_access_expires_at = coalesce($4, data_access_expires_at),
				scopes = coalesce($5, scopes), generation = generation + $6,
				problem = $10, last_error_class = '', last_error_message = '', last_error_at = NULL, retry_at = NULL,
				state = $7, next_due_at = $8, updated_at = $9
			WHERE id = $1`,
			pageID, c.CheckedAt, c.AccessExpiresAt, c.DataAccessExpiresAt, scopes, gen, c.State, c.NextDueAt, s.now().UTC(), c.Problem)
		if err := affectedOne(res, err, "page"); err != nil {
			return err
		}
		if err := s.schedule(ctx, tx, pageID, c.NextDueAt); err != nil {
			return err
		}
		if err := s.recordEvent(ctx, tx, pageID, c.Event); err != nil {
			return err
		}
		if page, err = scanPage(s.queryRow(ctx, tx, `SELECT `+pageColumns+` FROM pages p WHERE p.id = $1`, pageID)); err != nil {
			return err
		}
		if err := s.resolveNotifications(ctx, tx, s.now().UTC(), []int64{pageID}); err != nil {
			return err
		}
		return s.keepDeadline(ctx, tx, page)
	})
	return page, err
}

// deadlineOf is the connection deadline a page's token facts make
// (lifecycle.Deadline), kept in pages.deadline for lists and counts.
func deadlineOf(p *tokenwatch.Page) time.Time { return lifecycle.Deadline(lifecycle.FactsOf(p)) }

// keepDeadline stores the deadline of a page whose token facts changed.
func (s *Store) keepDeadline(ctx context.Context, tx *sql.Tx, p *tokenwatch.Page) error {
	_, err := s.exec(ctx, tx, `UPDATE pages SET deadline = $2 WHERE id = $1`, p.ID, deadlineOf(p))
	return err
}
