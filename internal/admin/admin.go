// Package admin runs an account: its locations, the people who take part
// and their invitations, the checks and disconnects of its pages, and its
// audit log. Each change is decided by package access and written to the
// audit log by whoever did it; the web UI calls it, as the API and the
// command line can.
package admin

import (
	"context"
	"fmt"
	"log/slog"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/access"
	twmail "github.com/tokenwatch/tokenwatch/internal/mail"
	"github.com/tokenwatch/tokenwatch/internal/password"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/webhook"
)

// InvitationTTL is how long an invitation's link works.
const InvitationTTL = 7 * 24 * time.Hour

// Checker runs the health check a person asks for (tokens.Keeper).
type Checker interface {
	CheckNow(ctx context.Context, pageID, userID int64) (*tokenwatch.Page, error)
}

// Options configures the service.
type Options struct {
	Checker Checker
	// Mail sends invitations; nil refuses to invite (no e-mail is set up).
	Mail     twmail.Sender
	MailFrom string
	BaseURL  string
	// WebhookTargets says which addresses webhook endpoints may have;
	// Webhooks sends test events (nil: a client with those targets).
	WebhookTargets webhook.Targets
	Webhooks       *webhook.Client
	// PasswordCost is the bcrypt cost of passwords chosen on accepting.
	PasswordCost int
	Now          func() time.Time
	Logger       *slog.Logger
}

// Service runs accounts.
type Service struct {
	store *store.Store
	opts  Options
}

// New returns the service.
func New(st *store.Store, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.PasswordCost == 0 {
		opts.PasswordCost = password.DefaultCost
	}
	return &Service{store: st, opts: opts}
}

// Actor is who acts: what access decides on, and the name the audit log
// keeps (an e-mail address, an API key's name).
type Actor struct {
	access.Actor
	Name string
}

// UserActor is a signed-in person with their roles.
func UserActor(u *tokenwatch.User, locs []store.LocationRole) Actor {
	a := access.Actor{Kind: access.KindUser, AccountID: u.AccountID, UserID: u.ID, Owner: u.AccountOwner, Roles: map[int64]tokenwatch.Role{}}
	for _, l := range locs {
		a.Roles[l.ID] = l.Role
	}
	return Actor{Actor: a, Name: u.Email}
}

// actorID is the id the audit log keeps of an actor.
func (a Actor) actorID() int64 {
	if a.Kind == access.KindUser {
		return a.UserID
	}
	return 0
}

// allow turns a decision into an error: what the actor may not see does
// not exist for them (404); what they see but may not do is forbidden.
func allow(d access.Decision, what, why string) error {
	switch d {
	case access.Allowed:
		return nil
	case access.Forbidden:
		return tokenwatch.Errorf(tokenwatch.CodeForbidden, "%s", why)
	}
	return tokenwatch.Errorf(tokenwatch.CodeNotFound, "No such %s.", what)
}

// record writes an entry of the audit log; the change it records is made.
// A failure to write it is returned, and logged.
func (s *Service) record(ctx context.Context, a Actor, e store.AuditEntry) error {
	e.AccountID, e.ActorKind, e.ActorID, e.ActorName = a.AccountID, string(a.Kind), a.actorID(), a.Name
	if err := s.store.AddAudit(context.WithoutCancel(ctx), &e); err != nil {
		s.opts.Logger.Error("writing the audit log", "action", e.Action, "account", e.AccountID, "err", err)
		return err
	}
	return nil
}

// pageSubject names a page in the audit log.
func pageSubject(p *tokenwatch.Page) string {
	return fmt.Sprintf("%s (%s)", p.Name, p.Provider.DisplayName())
}

// Page returns a page the actor may see.
func (s *Service) Page(ctx context.Context, a Actor, id int64) (*tokenwatch.Page, error) {
	p, err := s.store.GetPage(ctx, id)
	if tokenwatch.IsNotFound(err) {
		return nil, tokenwatch.Errorf(tokenwatch.CodeNotFound, "No such page.")
	}
	if err != nil {
		return nil, err
	}
	if err := allow(access.Decide(a.Actor, access.See, pageTarget(p)), "page", ""); err != nil {
		return nil, err
	}
	return p, nil
}

func pageTarget(p *tokenwatch.Page) access.Target {
	return access.Target{AccountID: p.AccountID, LocationID: p.LocationID, PageID: p.ID}
}

// May says whether the actor may do act on a page.
func May(a Actor, act access.Action, p *tokenwatch.Page) bool {
	return access.Decide(a.Actor, act, pageTarget(p)) == access.Allowed
}

// CheckNow runs a page's health check at the actor's request and returns
// the page as it left it and the network's refusal or failure, if any.
func (s *Service) CheckNow(ctx context.Context, a Actor, pageID int64) (*tokenwatch.Page, error) {
	p, err := s.Page(ctx, a, pageID)
	if err != nil {
		return nil, err
	}
	if err := allow(access.Decide(a.Actor, access.Check, pageTarget(p)), "page", "Only owners and managers of the location can check a page."); err != nil {
		return nil, err
	}
	if s.opts.Checker == nil {
		return nil, tokenwatch.Errorf(tokenwatch.CodeUnavailable, "Checks are not running on this tokenwatch.")
	}
	after, checkErr := s.opts.Checker.CheckNow(ctx, pageID, a.actorID())
	if after == nil {
		return nil, checkErr
	}
	if code := tokenwatch.ErrorCode(checkErr); checkErr != nil && code == tokenwatch.CodeConflict {
		return after, checkErr // nothing was asked of the network
	}
	result := "the network accepts the token"
	if checkErr != nil {
		result = "failed: " + tokenwatch.ErrorMessage(checkErr)
		if le := after.LastError; le != nil {
			result = fmt.Sprintf("refused (%s): %s", le.Class, le.Message)
		}
	}
	err = s.record(ctx, a, store.AuditEntry{Action: "page.checked", LocationID: p.LocationID, PageID: p.ID, Subject: pageSubject(p), Detail: result})
	if err != nil {
		return after, err
	}
	return after, checkErr
}

// Disconnect disconnects a page at the actor's request: tokenwatch forgets
// its tokens, alerts nobody about it, and holds its posts until someone
// reconnects it.
func (s *Service) Disconnect(ctx context.Context, a Actor, pageID int64) (*tokenwatch.Page, error) {
	p, err := s.Page(ctx, a, pageID)
	if err != nil {
		return nil, err
	}
	if err := allow(access.Decide(a.Actor, access.Disconnect, pageTarget(p)), "page", "Only owners and managers of the location can disconnect a page."); err != nil {
		return nil, err
	}
	if p.Problem == tokenwatch.ProblemDisconnected {
		return p, nil
	}
	after, err := s.store.Disconnect(ctx, p.ID, store.Event{Kind: store.EventDisconnected, UserID: a.actorID(), Actor: a.Name})
	if err != nil {
		return nil, err
	}
	return after, s.record(ctx, a, store.AuditEntry{Action: "page.disconnected", LocationID: p.LocationID, PageID: p.ID, Subject: pageSubject(p)})
}

// Location returns a location the actor may see.
func (s *Service) Location(ctx context.Context, a Actor, id int64) (*tokenwatch.Location, error) {
	l, err := s.store.GetLocation(ctx, id)
	if tokenwatch.IsNotFound(err) {
		return nil, tokenwatch.Errorf(tokenwatch.CodeNotFound, "No such location.")
	}
	if err != nil {
		return nil, err
	}
	if err := allow(access.Decide(a.Actor, access.See, access.Target{AccountID: l.AccountID, LocationID: l.ID}), "location", ""); err != nil {
		return nil, err
	}
	return l, nil
}

// CreateLocation adds a location to the actor's account (owners only); the
// account's owners take part in it.
func (s *Service) CreateLocation(ctx context.Context, a Actor, name, timeZone string) (*tokenwatch.Location, error) {
	if err := allow(access.Decide(a.Actor, access.Settings, access.Target{AccountID: a.AccountID}), "account", "Only the account's owners can add locations."); err != nil {
		return nil, err
	}
	l := &tokenwatch.Location{AccountID: a.AccountID, Name: name, TimeZone: timeZone}
	if err := s.store.CreateLocation(ctx, l); err != nil {
		return nil, err
	}
	return l, s.record(ctx, a, store.AuditEntry{Action: "location.created", LocationID: l.ID, Subject: l.Name, Detail: "time zone " + l.TimeZone})
}

// UpdateLocation renames a location or changes its time zone (owners only).
func (s *Service) UpdateLocation(ctx context.Context, a Actor, id int64, name, timeZone string) (*tokenwatch.Location, error) {
	l, err := s.Location(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if err := allow(access.Decide(a.Actor, access.Settings, access.Target{AccountID: l.AccountID, LocationID: l.ID}), "location", "Only the account's owners can rename a location or change its time zone."); err != nil {
		return nil, err
	}
	before := *l
	l.Name, l.TimeZone = name, timeZone
	if err := s.store.UpdateLocation(ctx, l); err != nil {
		return nil, err
	}
	var changes []string
	if before.Name != l.Name {
		changes = append(changes, fmt.Sprintf("renamed from %q", before.Name))
	}
	if before.TimeZone != l.TimeZone {
		changes = append(changes, fmt.Sprintf("time zone %s (was %s)", l.TimeZone, before.TimeZone))
	}
	if len(changes) == 0 {
		return l, nil
	}
	return l, s.record(ctx, a, store.AuditEntry{Action: "location.updated", LocationID: l.ID, Subject: l.Name, Detail: strings.Join(changes, "; ")})
}

// person returns a user of the actor's account.
func (s *Service) person(ctx context.Context, a Actor, id int64) (*tokenwatch.User, error) {
	u, err := s.store.GetUser(ctx, id)
	if tokenwatch.IsNotFound(err) || (err == nil && u.AccountID != a.AccountID) {
		return nil, tokenwatch.Errorf(tokenwatch.CodeNotFound, "No such person.")
	}
	return u, err
}

// Person returns a person of the account the actor may manage: owners
// anyone; managers those who take part in a location they manage.
func (s *Service) Person(ctx context.Context, a Actor, id int64) (*tokenwatch.User, []store.LocationRole, error) {
	u, err := s.person(ctx, a, id)
	if err != nil {
		return nil, nil, err
	}
	roles, err := s.store.RolesOf(ctx, []int64{u.ID})
	if err != nil {
		return nil, nil, err
	}
	if !a.Owner && a.UserID != u.ID && !s.managesAny(a, roles[u.ID]) {
		return nil, nil, tokenwatch.Errorf(tokenwatch.CodeNotFound, "No such person.")
	}
	return u, roles[u.ID], nil
}

// managesAny says the actor manages people at one of the locations.
func (s *Service) managesAny(a Actor, locs []store.LocationRole) bool {
	for _, l := range locs {
		if access.Decide(a.Actor, access.People, access.Target{AccountID: l.AccountID, LocationID: l.ID}) == access.Allowed {
			return true
		}
	}
	return false
}

// SetRole gives a person a role at a location, changes it, or (an empty
// role) removes them from it. Owners give any role; managers, at the
// locations they manage, manager and member roles to people who do not
// own the account. Owner roles come with owning the account (SetOwner).
func (s *Service) SetRole(ctx context.Context, a Actor, userID, locationID int64, role tokenwatch.Role) error {
	u, err := s.person(ctx, a, userID)
	if err != nil {
		return err
	}
	l, err := s.Location(ctx, a, locationID)
	if err != nil {
		return err
	}
	if err := allow(access.Decide(a.Actor, access.People, access.Target{AccountID: l.AccountID, LocationID: l.ID, OwnerRole: u.AccountOwner}), "location",
		"Only owners, and managers of the location for people who do not own the account, can change roles there."); err != nil {
		return err
	}
	if u.AccountOwner {
		return tokenwatch.Errorf(tokenwatch.CodeConflict, "%s owns the account and so owns every location: to change that, make them no longer an owner first.", u.Email)
	}
	if role == tokenwatch.RoleOwner {
		return tokenwatch.Errorf(tokenwatch.CodeInvalid, "Owner roles come with owning the account: make %s an owner of the account instead.", u.Email)
	}
	if role == "" {
		if err := s.store.RemoveMembership(ctx, l.ID, u.ID); err != nil {
			if tokenwatch.IsNotFound(err) {
				return tokenwatch.Errorf(tokenwatch.CodeNotFound, "%s does not take part in %s.", u.Email, l.Name)
			}
			return err
		}
		return s.record(ctx, a, store.AuditEntry{Action: "person.removed_from_location", LocationID: l.ID, Subject: u.Email, Detail: "from " + l.Name})
	}
	if !role.Valid() {
		return tokenwatch.Errorf(tokenwatch.CodeInvalid, "%q is not a role: choose manager or member.", role)
	}
	before, err := s.store.RoleAt(ctx, u.ID, l.ID)
	if err != nil && !tokenwatch.IsNotFound(err) {
		return err
	}
	if before == role {
		return nil
	}
	if err := s.store.SetMembership(ctx, tokenwatch.Membership{LocationID: l.ID, UserID: u.ID, Role: role}); err != nil {
		return err
	}
	detail := fmt.Sprintf("%s at %s", role, l.Name)
	if before != "" {
		detail += fmt.Sprintf(" (was %s)", before)
	}
	return s.record(ctx, a, store.AuditEntry{Action: "person.role_changed", LocationID: l.ID, Subject: u.Email, Detail: detail})
}

// SetOwner makes a person an owner of the account or no longer one (owners
// only; the last owner stays).
func (s *Service) SetOwner(ctx context.Context, a Actor, userID int64, owner bool) error {
	if err := allow(access.Decide(a.Actor, access.Settings, access.Target{AccountID: a.AccountID}), "account", "Only the account's owners can change who owns it."); err != nil {
		return err
	}
	u, err := s.person(ctx, a, userID)
	if err != nil {
		return err
	}
	if u.AccountOwner == owner {
		return nil
	}
	if err := s.store.SetAccountOwner(ctx, u.ID, owner); err != nil {
		return err
	}
	action := "person.made_owner"
	if !owner {
		action = "person.no_longer_owner"
	}
	return s.record(ctx, a, store.AuditEntry{Action: action, Subject: u.Email})
}

// RemovePerson removes a person from the account (owners only): their
// sessions end at once. The pages they are the page admin of go to
// transferTo (zero: nobody, until someone reconnects them).
func (s *Service) RemovePerson(ctx context.Context, a Actor, userID, transferTo int64) error {
	if err := allow(access.Decide(a.Actor, access.Settings, access.Target{AccountID: a.AccountID}), "account", "Only the account's owners can remove people from it."); err != nil {
		return err
	}
	u, err := s.person(ctx, a, userID)
	if err != nil {
		return err
	}
	detail := ""
	if transferTo != 0 {
		to, err := s.person(ctx, a, transferTo)
		if err != nil {
			return err
		}
		detail = "their pages handed to " + to.Email
	}
	if err := s.store.DeleteUser(ctx, u.ID, transferTo); err != nil {
		return err
	}
	return s.record(ctx, a, store.AuditEntry{Action: "person.removed", Subject: u.Email, Detail: detail})
}

// TransferPages makes another person the page admin of every page one
// person is the page admin of (owners only).
func (s *Service) TransferPages(ctx context.Context, a Actor, from, to int64) (int64, error) {
	if err := allow(access.Decide(a.Actor, access.Settings, access.Target{AccountID: a.AccountID}), "account", "Only the account's owners can hand pages to another page admin."); err != nil {
		return 0, err
	}
	fu, err := s.person(ctx, a, from)
	if err != nil {
		return 0, err
	}
	tu, err := s.person(ctx, a, to)
	if err != nil {
		return 0, err
	}
	n, err := s.store.TransferPages(ctx, fu.ID, tu.ID)
	if err != nil || n == 0 {
		return n, err
	}
	return n, s.record(ctx, a, store.AuditEntry{Action: "person.pages_transferred", Subject: fu.Email,
		Detail: fmt.Sprintf("page admin of %d page%s now %s", n, plural(n), tu.Email)})
}

func plural(n int64) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// Invite is an invitation to ask for: an address, and either ownership of
// the account or a role at one location.
type Invite struct {
	Email      string
	Owner      bool
	LocationID int64
	Role       tokenwatch.Role
}

// Invite sends an invitation by e-mail. Owners invite anyone as anything;
// managers invite managers and members to the locations they manage. An
// e-mail that cannot be sent withdraws the invitation and says why.
func (s *Service) Invite(ctx context.Context, a Actor, in Invite) (*store.Invitation, error) {
	addr, err := mail.ParseAddress(strings.TrimSpace(in.Email))
	if err != nil || addr.Name != "" || !strings.Contains(addr.Address, "@") || len(addr.Address) > 254 {
		return nil, tokenwatch.Errorf(tokenwatch.CodeInvalid, "%q is not an e-mail address.", in.Email)
	}
	inv := &store.Invitation{AccountID: a.AccountID, Email: addr.Address, AccountOwner: in.Owner, InvitedBy: a.actorID(),
		ExpiresAt: s.opts.Now().Add(InvitationTTL)}
	what := "an owner of the account"
	var loc *tokenwatch.Location
	if in.Owner {
		if err := allow(access.Decide(a.Actor, access.Settings, access.Target{AccountID: a.AccountID}), "account", "Only the account's owners can invite owners."); err != nil {
			return nil, err
		}
	} else {
		if loc, err = s.Location(ctx, a, in.LocationID); err != nil {
			return nil, err
		}
		if err := allow(access.Decide(a.Actor, access.People, access.Target{AccountID: loc.AccountID, LocationID: loc.ID}), "location", "Only owners, and managers of the location, can invite people to it."); err != nil {
			return nil, err
		}
		if in.Role != tokenwatch.RoleManager && in.Role != tokenwatch.RoleMember {
			return nil, tokenwatch.Errorf(tokenwatch.CodeInvalid, "Choose a role: manager or member.")
		}
		inv.LocationID, inv.Role = loc.ID, in.Role
		what = fmt.Sprintf("%s at %s", in.Role, loc.Name)
	}
	if s.opts.Mail == nil {
		return nil, tokenwatch.Errorf(tokenwatch.CodeUnavailable, "Invitations go by e-mail, and this tokenwatch has no e-mail set up (TOKENWATCH_SMTP_URL).")
	}
	account, err := s.store.GetAccount(ctx, a.AccountID)
	if err != nil {
		return nil, err
	}
	secret, err := s.store.CreateInvitation(ctx, inv)
	if err != nil {
		return nil, err
	}
	msg, err := twmail.RenderInvitation(twmail.Invitation{To: inv.Email, Account: account.Name, From: a.Name, What: what,
		Link: strings.TrimRight(s.opts.BaseURL, "/") + "/invitations/" + secret.Reveal(), ExpiresAt: inv.ExpiresAt.UTC(),
		Domain: twmail.Domain(s.opts.MailFrom)})
	if err == nil {
		err = s.opts.Mail.Send(ctx, msg)
	}
	if err != nil {
		s.opts.Logger.Warn("invitation e-mail not sent", "invitation", inv.ID, "err", tokenwatch.ErrorMessage(err))
		if rerr := s.store.RevokeInvitation(context.WithoutCancel(ctx), inv.ID); rerr != nil {
			s.opts.Logger.Error("withdrawing an unsent invitation", "invitation", inv.ID, "err", rerr)
		}
		return nil, tokenwatch.Errorf(tokenwatch.CodeUnavailable, "The invitation e-mail to %s could not be sent (%s), so no invitation was made. Try again later.",
			inv.Email, tokenwatch.ErrorMessage(err))
	}
	var locID int64
	if loc != nil {
		locID = loc.ID
	}
	return inv, s.record(ctx, a, store.AuditEntry{Action: "person.invited", LocationID: locID, Subject: inv.Email, Detail: "as " + what})
}

// WithdrawInvitation makes an invitation's link unusable (who may invite
// to it may withdraw it).
func (s *Service) WithdrawInvitation(ctx context.Context, a Actor, id int64) error {
	inv, err := s.store.GetInvitation(ctx, id)
	if tokenwatch.IsNotFound(err) || (err == nil && inv.AccountID != a.AccountID) {
		return tokenwatch.Errorf(tokenwatch.CodeNotFound, "No such invitation.")
	}
	if err != nil {
		return err
	}
	t := access.Target{AccountID: inv.AccountID, LocationID: inv.LocationID}
	act := access.People
	if inv.AccountOwner {
		act = access.Settings
	}
	if err := allow(access.Decide(a.Actor, act, t), "invitation", "Only who may invite to it can withdraw an invitation."); err != nil {
		return err
	}
	if err := s.store.RevokeInvitation(ctx, inv.ID); err != nil {
		if tokenwatch.IsNotFound(err) {
			return tokenwatch.Errorf(tokenwatch.CodeConflict, "This invitation was accepted or withdrawn already.")
		}
		return err
	}
	return s.record(ctx, a, store.AuditEntry{Action: "person.invitation_withdrawn", LocationID: inv.LocationID, Subject: inv.Email})
}

// Invitation returns the open invitation a link's secret names; a used,
// withdrawn, expired or unknown one is not found, in the same words.
func (s *Service) Invitation(ctx context.Context, secret string) (*store.Invitation, error) {
	gone := tokenwatch.Errorf(tokenwatch.CodeNotFound, "This invitation link does not work: it was used already, withdrawn, or it has expired (links last 7 days). Ask whoever invited you for a new one.")
	inv, err := s.store.InvitationBySecret(ctx, secret)
	if tokenwatch.IsNotFound(err) {
		return nil, gone
	}
	if err != nil {
		return nil, err
	}
	if !inv.Open(s.opts.Now()) {
		return nil, gone
	}
	return inv, nil
}

// Accept uses an invitation: the person chooses their name and password
// and becomes a user of the account with the role they were invited to.
func (s *Service) Accept(ctx context.Context, secret, name, pw string) (*tokenwatch.User, error) {
	inv, err := s.Invitation(ctx, secret)
	if err != nil {
		return nil, err
	}
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 200 {
		return nil, tokenwatch.Errorf(tokenwatch.CodeInvalid, "Tell us your name (up to 200 characters).")
	}
	if err := password.Check(pw); err != nil {
		return nil, err
	}
	hash, err := password.Hash(pw, s.opts.PasswordCost)
	if err != nil {
		return nil, err
	}
	u := &tokenwatch.User{Name: name}
	if err := s.store.AcceptInvitation(ctx, inv, u, hash); err != nil {
		return nil, err
	}
	by := Actor{Actor: access.Actor{Kind: access.KindUser, AccountID: u.AccountID, UserID: u.ID}, Name: u.Email}
	return u, s.record(ctx, by, store.AuditEntry{Action: "person.joined", LocationID: inv.LocationID, Subject: u.Email,
		Detail: "accepted invitation " + strconv.FormatInt(inv.ID, 10)})
}

// AuditLog returns a page of the account's audit log (owners only).
func (s *Service) AuditLog(ctx context.Context, a Actor, q store.AuditQuery) ([]*store.AuditEntry, error) {
	if err := allow(access.Decide(a.Actor, access.Settings, access.Target{AccountID: a.AccountID}), "account", "Only the account's owners can read the audit log."); err != nil {
		return nil, err
	}
	q.AccountID = a.AccountID
	return s.store.QueryAudit(ctx, q)
}

// Operator is the person running tokenwatch itself, acting on an account
// from the command line (`tokenwatch user add`): not a user of it, and
// allowed what the account's owners are.
func Operator(accountID int64) Actor {
	return Actor{Actor: access.Actor{Kind: kindOperator, AccountID: accountID}, Name: "operator (command line)"}
}

const kindOperator access.Kind = "operator"

// NewUser is a person added directly, with a password, rather than invited.
type NewUser struct {
	Email, Name, Password string
	Owner                 bool
	// Roles are the person's role at each location, by location id.
	Roles map[int64]tokenwatch.Role
}

// AddUser adds a person to the actor's account with a password (the
// operator, or the account's owners): owners take part in every location.
func (s *Service) AddUser(ctx context.Context, a Actor, in NewUser) (*tokenwatch.User, error) {
	if a.Kind != kindOperator {
		if err := allow(access.Decide(a.Actor, access.Settings, access.Target{AccountID: a.AccountID}), "account", "Only the account's owners can add people."); err != nil {
			return nil, err
		}
	}
	if err := password.Check(in.Password); err != nil {
		return nil, err
	}
	hash, err := password.Hash(in.Password, s.opts.PasswordCost)
	if err != nil {
		return nil, err
	}
	u := &tokenwatch.User{AccountID: a.AccountID, Email: in.Email, Name: in.Name}
	if err := s.store.CreateUser(ctx, u, hash); err != nil {
		return nil, err
	}
	if in.Owner {
		if err := s.store.SetAccountOwner(ctx, u.ID, true); err != nil {
			return nil, err
		}
		u.AccountOwner = true
	}
	var detail []string
	for locID, role := range in.Roles {
		l, err := s.store.GetLocation(ctx, locID)
		if err != nil || l.AccountID != a.AccountID {
			return nil, tokenwatch.Errorf(tokenwatch.CodeNotFound, "No such location.")
		}
		if u.AccountOwner {
			continue
		}
		if err := s.store.SetMembership(ctx, tokenwatch.Membership{LocationID: locID, UserID: u.ID, Role: role}); err != nil {
			return nil, err
		}
		detail = append(detail, fmt.Sprintf("%s at %s", role, l.Name))
	}
	what := strings.Join(detail, ", ")
	if u.AccountOwner {
		what = "an owner of the account"
	}
	return u, s.record(ctx, a, store.AuditEntry{Action: "person.added", Subject: u.Email, Detail: what})
}

// DeletePage deletes a page, its tokens, history and alerts (the API's
// DELETE; the web's Disconnect keeps the page and holds its posts).
func (s *Service) DeletePage(ctx context.Context, a Actor, pageID int64) error {
	p, err := s.Page(ctx, a, pageID)
	if err != nil {
		return err
	}
	if err := allow(access.Decide(a.Actor, access.Disconnect, pageTarget(p)), "page", "You may not remove this page."); err != nil {
		return err
	}
	if err := s.store.DeletePage(ctx, p.ID); err != nil {
		return err
	}
	return s.record(ctx, a, store.AuditEntry{Action: "page.deleted", LocationID: p.LocationID, Subject: pageSubject(p)})
}
