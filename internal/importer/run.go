package importer

import (
	"context"
	"crypto/rand"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/config"
	"github.com/tokenwatch/tokenwatch/internal/connection"
	"github.com/tokenwatch/tokenwatch/internal/password"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// run is one pass over the input. A checking pass runs the same checks as
// an importing one and reads the database, but writes nothing.
type run struct {
	ctx  context.Context
	opts *Options
	rep  *Report
	mode Pass
	// syntaxOnly reads the records without looking at them (a document's
	// first pass without Atomic).
	syntaxOnly bool
	// skip are the accounts left out (Atomic); skipAll leaves out all.
	skip    map[string]bool
	skipAll bool

	records  int
	accounts map[string]*account
	// noAccount are names of accounts found nowhere (read once).
	noAccount map[string]bool
	// emails are the users of this input: e-mail address → account.
	emails map[string]string
	// notImported says where the bad record of an account, location or
	// user is, for the records that name it (up to maxNotes).
	notImported map[string]string
	// badAccounts have a bad record; orphans says a bad record names no
	// account.
	badAccounts map[string]bool
	orphans     bool
	batch       []store.NewPage
}

// account is an account of the input or of the database.
type account struct {
	name string
	// id is zero for an account that a checking pass would create.
	id int64
	// loaded says locations holds the database's locations too.
	loaded    bool
	locations map[string]int64
	// users are by e-mail address: an id (zero when a checking pass would
	// create it), or noUser or otherAccount.
	users map[string]int64
}

const (
	noUser       = -1
	otherAccount = -2
)

// maxNotes bounds what is remembered about bad records.
const maxNotes = 10_000

func newRun(ctx context.Context, opts *Options, rep *Report, mode Pass) *run {
	return &run{ctx: ctx, opts: opts, rep: rep, mode: mode, accounts: map[string]*account{}, noAccount: map[string]bool{},
		emails: map[string]string{}, notImported: map[string]string{}, badAccounts: map[string]bool{}}
}

func (r *run) writes() bool { return r.mode == Importing }

// pass reads every record of src and handles it, then writes the last
// pages. size and total are passed on to Progress.
func (r *run) pass(src source, size int64, total int) error {
	progress := func(done bool) {
		if r.opts.Progress != nil {
			r.opts.Progress(Progress{Pass: r.mode, Format: r.rep.Format, Records: r.records, Bytes: src.offset(), Size: size, Total: total, Done: done})
		}
	}
	err := src.each(func(rec *record) error {
		if err := r.ctx.Err(); err != nil {
			return err
		}
		r.records++
		if !r.syntaxOnly {
			if err := r.record(rec); err != nil {
				return err
			}
		}
		if r.records%r.opts.ProgressEvery == 0 {
			progress(false)
		}
		return nil
	})
	if err == nil {
		err = r.flush()
	}
	if r.writes() {
		r.rep.Records = r.records
	}
	if err != nil {
		return err
	}
	progress(true)
	return nil
}

func (r *run) record(rec *record) error {
	if r.skipAll || r.skip[rec.account] {
		r.rep.Skipped++
		return nil
	}
	if rec.bad != "" {
		r.problem(rec, rec.bad)
		if rec.kind == kindAccount {
			r.note("account", rec.account, "", rec)
		}
		return nil
	}
	if r.opts.Account != "" && rec.account != r.opts.Account {
		r.problem(rec, fmt.Sprintf("account %q is not this import's (%q)", rec.account, r.opts.Account))
		return nil
	}
	switch rec.kind {
	case kindAccount:
		return r.account(rec)
	case kindLocation:
		return r.location(rec)
	case kindUser:
		return r.user(rec)
	case kindPage:
		return r.page(rec)
	}
	return fmt.Errorf("importer: a record of kind %q", rec.kind)
}

// problem reports a bad record.
func (r *run) problem(rec *record, reason string) {
	p := Problem{Line: rec.line, Path: rec.path, Account: rec.account, Reason: reason}
	r.rep.Bad++
	if len(r.rep.Problems) < r.opts.MaxProblems {
		r.rep.Problems = append(r.rep.Problems, p)
	}
	if r.opts.Problem != nil {
		r.opts.Problem(p)
	}
	if rec.orphan {
		r.orphans = true
	} else {
		r.badAccounts[rec.account] = true
	}
}

// note remembers where the bad record of a thing is, for the records that
// name it.
func (r *run) note(what, account, name string, rec *record) {
	if len(r.notImported) < maxNotes {
		r.notImported[what+"\x00"+account+"\x00"+name] = rec.where()
	}
}

// notImportedReason says that a thing named by a record was not imported,
// or returns "" if it was not seen as bad.
func (r *run) notImportedReason(what, account, name string) string {
	where, ok := r.notImported[what+"\x00"+account+"\x00"+name]
	if !ok {
		return ""
	}
	if what == "account" {
		return fmt.Sprintf("account %q was not imported (%s)", account, where)
	}
	return fmt.Sprintf("%s %q was not imported (%s)", what, name, where)
}

func (r *run) count(c *Count, created bool) {
	if !r.writes() {
		return
	}
	if created {
		c.Created++
	} else {
		c.Kept++
	}
}

func blank(s string) bool { return strings.TrimSpace(s) == "" }

func (r *run) account(rec *record) error {
	f := rec.acct
	var (
		thresholds []time.Duration
		reason     string
		err        error
	)
	switch {
	case blank(f.Name):
		reason = "name is missing"
	case f.AlertThresholds != "":
		if thresholds, err = config.ParseThresholds(f.AlertThresholds); err != nil {
			reason = "alert_thresholds: " + err.Error()
		}
	}
	if reason != "" {
		r.problem(rec, reason)
		r.note("account", f.Name, "", rec)
		return nil
	}
	if r.accounts[f.Name] != nil {
		r.count(&r.rep.Accounts, false)
		return nil
	}
	a, err := r.findAccount(f.Name)
	if err != nil {
		return err
	}
	created := a == nil
	if created {
		// A new account has no locations or users in the database.
		a = &account{name: f.Name, loaded: true, locations: map[string]int64{}, users: map[string]int64{}}
		if r.writes() {
			acct := &tokenwatch.Account{Name: f.Name, AlertThresholds: thresholds}
			if err := r.opts.Store.CreateAccount(r.ctx, acct); err != nil {
				return err
			}
			a.id = acct.ID
		}
	}
	r.accounts[f.Name] = a
	delete(r.noAccount, f.Name)
	r.count(&r.rep.Accounts, created)
	return nil
}

// findAccount returns the database's account of that name, or nil.
func (r *run) findAccount(name string) (*account, error) {
	acct, err := r.opts.Store.AccountByName(r.ctx, name)
	if tokenwatch.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &account{name: name, id: acct.ID, locations: map[string]int64{}, users: map[string]int64{}}, nil
}

// accountOf returns the account a record names, or why there is none.
func (r *run) accountOf(rec *record) (*account, string, error) {
	name := rec.account
	if a := r.accounts[name]; a != nil {
		return a, "", nil
	}
	if reason := r.notImportedReason("account", name, ""); reason != "" {
		return nil, reason, nil
	}
	missing := fmt.Sprintf("no account %q (in the database or earlier in the input)", name)
	if r.noAccount[name] {
		return nil, missing, nil
	}
	a, err := r.findAccount(name)
	if err != nil || a == nil {
		if len(r.noAccount) < maxNotes {
			r.noAccount[name] = true
		}
		return nil, missing, err
	}
	r.accounts[name] = a
	return a, "", nil
}

// locationID returns the id of an account's location, or why there is
// none.
func (r *run) locationID(a *account, name string) (int64, string, error) {
	if !a.loaded {
		locs, err := r.opts.Store.ListLocations(r.ctx, a.id)
		if err != nil {
			return 0, "", err
		}
		for _, l := range locs {
			a.locations[l.Name] = l.ID
		}
		a.loaded = true
	}
	if id, ok := a.locations[name]; ok {
		return id, "", nil
	}
	if reason := r.notImportedReason("location", a.name, name); reason != "" {
		return 0, reason, nil
	}
	return 0, fmt.Sprintf("no location %q in account %q", name, a.name), nil
}

// userID returns the id of an account's user by e-mail address (zero when
// a checking pass would create them), noUser, or otherAccount.
func (r *run) userID(a *account, email string) (int64, error) {
	if id, ok := a.users[email]; ok {
		return id, nil
	}
	u, _, err := r.opts.Store.UserLogin(r.ctx, email)
	id := int64(noUser)
	switch {
	case tokenwatch.IsNotFound(err):
	case err != nil:
		return 0, err
	case u.AccountID == a.id:
		id = u.ID
	default:
		id = otherAccount
	}
	if id != noUser || len(a.users) < maxNotes {
		a.users[email] = id
	}
	return id, nil
}

func (r *run) location(rec *record) error {
	f := rec.loc
	tz := f.TimeZone
	if tz == "" {
		tz = "UTC"
	}
	var reason string
	switch {
	case blank(f.Name):
		reason = "name is missing"
	default:
		if _, err := time.LoadLocation(tz); err != nil || tz == "Local" {
			reason = fmt.Sprintf("%q is not a time zone (use an IANA name such as Europe/Paris)", f.TimeZone)
		}
	}
	a, why, err := r.accountOf(rec)
	if err != nil {
		return err
	}
	if reason == "" {
		reason = why
	}
	if reason != "" {
		r.problem(rec, reason)
		r.note("location", rec.account, f.Name, rec)
		return nil
	}
	if _, missing, err := r.locationID(a, f.Name); err != nil || missing == "" {
		r.count(&r.rep.Locations, false) // its time zone stays
		return err
	}
	l := &tokenwatch.Location{AccountID: a.id, Name: f.Name, TimeZone: tz}
	if r.writes() {
		if err := r.opts.Store.CreateLocation(r.ctx, l); err != nil {
			return err
		}
	}
	a.locations[f.Name] = l.ID
	r.count(&r.rep.Locations, true)
	return nil
}

func (r *run) user(rec *record) error {
	f := rec.user
	email := tokenwatch.NormalizeEmail(f.Email)
	var reason string
	switch {
	case !strings.Contains(email, "@"):
		reason = fmt.Sprintf("%q is not an e-mail address", f.Email)
	case f.PasswordHash != "" && !isBcrypt(f.PasswordHash):
		reason = "password_hash is not a bcrypt hash (leave it out to give the user a random password)"
	}
	locs := slices.Sorted(maps.Keys(f.Roles))
	for _, loc := range locs {
		if role := f.Roles[loc]; reason == "" && !role.Valid() {
			reason = fmt.Sprintf("roles: %q at %q is not owner, manager or member", role, loc)
		}
	}
	a, why, err := r.accountOf(rec)
	if err != nil {
		return err
	}
	if reason == "" {
		reason = why
	}
	locIDs := make([]int64, len(locs))
	for i, loc := range locs {
		if reason != "" {
			break
		}
		var missing string
		if locIDs[i], missing, err = r.locationID(a, loc); err != nil {
			return err
		}
		if missing != "" {
			reason = "roles: " + missing
		}
	}
	var id int64
	if reason == "" {
		if other, ok := r.emails[email]; ok && other != a.name {
			reason = fmt.Sprintf("%s is a user of account %q already", email, other)
		} else if id, err = r.userID(a, email); err != nil {
			return err
		} else if id == otherAccount {
			reason = fmt.Sprintf("%s is a user of another account", email)
		}
	}
	if reason != "" {
		r.problem(rec, reason)
		r.note("user", rec.account, email, rec)
		return nil
	}
	r.emails[email] = a.name
	created := id == noUser
	if created {
		id = 0
		if r.writes() {
			if id, err = r.createUser(a, f, email); err != nil {
				return err
			}
		}
		a.users[email] = id
	}
	r.count(&r.rep.Users, created)
	for i, loc := range locs {
		added := true
		if r.writes() {
			if added, err = r.opts.Store.AddMembership(r.ctx, tokenwatch.Membership{LocationID: locIDs[i], UserID: id, Role: f.Roles[loc]}); err != nil {
				return err
			}
		}
		r.count(&r.rep.Memberships, added)
	}
	return nil
}

// createUser stores a new user with their password_hash, or a random
// password that the report shows once.
func (r *run) createUser(a *account, f *userFields, email string) (int64, error) {
	hash, pw := f.PasswordHash, ""
	if hash == "" {
		pw = rand.Text()
		var err error
		if hash, err = password.Hash(pw, r.opts.PasswordCost); err != nil {
			return 0, err
		}
	}
	u := &tokenwatch.User{AccountID: a.id, Email: email, Name: f.Name, AccountOwner: f.AccountOwner}
	if err := r.opts.Store.CreateUser(r.ctx, u, hash); err != nil {
		return 0, err
	}
	if pw != "" {
		r.rep.Passwords = append(r.rep.Passwords, Password{Email: u.Email, Password: tokenwatch.NewSecret(pw)})
	}
	return u.ID, nil
}

// isBcrypt says whether a password hash is one bcrypt can ever match.
func isBcrypt(hash string) bool {
	_, err := bcrypt.Cost([]byte(hash))
	return err == nil
}

func (r *run) page(rec *record) error {
	f := rec.page
	var (
		reason string
		prov   provider.Provider
	)
	switch {
	case !f.Provider.Valid():
		reason = fmt.Sprintf("%q is not a network tokenwatch knows", f.Provider)
	case blank(f.ProviderPageID) || blank(f.Name) || blank(f.ProviderUserID):
		reason = "provider_page_id, name and provider_user_id are required"
	case f.AccessToken == "":
		reason = "access_token is missing"
	default:
		var err error
		if prov, err = r.opts.Providers.Get(f.Provider); err != nil {
			reason = tokenwatch.ErrorMessage(err)
		}
	}
	a, why, err := r.accountOf(rec)
	if err != nil {
		return err
	}
	if reason == "" {
		reason = why
	}
	var locationID, connectedBy int64
	if reason == "" {
		if locationID, reason, err = r.locationID(a, f.Location); err != nil {
			return err
		}
	}
	if reason == "" && f.ConnectedBy != "" {
		email := tokenwatch.NormalizeEmail(f.ConnectedBy)
		if connectedBy, err = r.userID(a, email); err != nil {
			return err
		}
		if connectedBy < 0 {
			if reason = r.notImportedReason("user", a.name, email); reason == "" {
				reason = fmt.Sprintf("connected_by %q is not a user of account %q", f.ConnectedBy, a.name)
			}
		}
	}
	if reason != "" {
		r.problem(rec, reason)
		return nil
	}
	if !r.writes() {
		return nil
	}
	g := connection.Grant{UserID: f.ProviderUserID, UserName: f.ProviderUserName, Token: provider.Token{
		AccessToken: tokenwatch.NewSecret(f.AccessToken), RefreshToken: tokenwatch.NewSecret(f.RefreshToken),
		AccessExpiresAt: timeOf(f.AccessExpiresAt), RefreshExpiresAt: timeOf(f.RefreshExpiresAt), DataAccessExpiresAt: timeOf(f.DataAccessExpiresAt),
		Scopes: f.Scopes}}
	p, creds := connection.NewPage(prov.Info(), g, a.id, locationID, f.ProviderPageID, f.Name, connectedBy)
	r.batch = append(r.batch, store.NewPage{Page: p, Credentials: creds})
	if len(r.batch) >= r.opts.BatchSize {
		return r.flush()
	}
	return nil
}

// flush writes the pages read since the last flush, in one transaction.
func (r *run) flush() error {
	if len(r.batch) == 0 {
		return nil
	}
	created, err := r.opts.Connection.CreateAll(r.ctx, r.batch)
	if err != nil {
		return err
	}
	r.rep.Pages.Created += created
	r.rep.Pages.Kept += len(r.batch) - created
	clear(r.batch) // let the pages go
	r.batch = r.batch[:0]
	return nil
}

func timeOf(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// badAccountNames returns the accounts with a bad record, by name.
func (r *run) badAccountNames() []string {
	var names []string
	for name := range r.badAccounts {
		if name != "" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}
