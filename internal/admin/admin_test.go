package admin_test

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/access"
	"github.com/tokenwatch/tokenwatch/internal/admin"
	"github.com/tokenwatch/tokenwatch/internal/mail"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/store/storetest"
)

var t0 = time.Date(2026, 3, 11, 9, 0, 0, 0, time.UTC)

type world struct {
	st    *store.Store
	f     *storetest.Fixture
	clock *storetest.Clock
	svc   *admin.Service
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{clock: storetest.NewClock(t0)}
	w.st = storetest.Open(t, filepath.Join(t.TempDir(), "tw.db"), store.Options{Now: w.clock.Now})
	w.f = storetest.Seed(t, w.st)
	w.svc = admin.New(w.st, admin.Options{Mail: mail.Outbox{Store: w.st}, MailFrom: "tokenwatch@demo.test",
		BaseURL: "https://tw.example", PasswordCost: 4, Now: w.clock.Now})
	return w
}

// actor is a seed user as the service sees them.
func (w *world) actor(t *testing.T, u *tokenwatch.User) admin.Actor {
	t.Helper()
	u, err := w.st.GetUser(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	locs, err := w.st.UserLocations(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return admin.UserActor(u, locs)
}

func (w *world) audit(t *testing.T) []string {
	t.Helper()
	es, err := w.st.QueryAudit(context.Background(), store.AuditQuery{AccountID: w.f.Account.ID})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.ActorName+" "+e.Action+" "+e.Subject+" "+e.Detail)
	}
	return out
}

var linkRE = regexp.MustCompile(`https://tw\.example/invitations/([A-Za-z0-9_-]+)`)

// A manager invites someone to their location by e-mail; the link works
// once, and the new person takes part with the role they were invited to.
func TestInvitationByEmail(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	manager := w.actor(t, w.f.Manager)
	if _, err := w.svc.Invite(ctx, manager, admin.Invite{Email: "ana@example.com", Owner: true}); tokenwatch.ErrorCode(err) != tokenwatch.CodeForbidden {
		t.Errorf("a manager inviting an owner: %v, want forbidden", err)
	}
	if _, err := w.svc.Invite(ctx, manager, admin.Invite{Email: "not an address", LocationID: w.f.Downtown.ID, Role: tokenwatch.RoleMember}); tokenwatch.ErrorCode(err) != tokenwatch.CodeInvalid {
		t.Errorf("a malformed address: %v, want invalid", err)
	}
	if _, err := w.svc.Invite(ctx, manager, admin.Invite{Email: "member@demo.test", LocationID: w.f.Downtown.ID, Role: tokenwatch.RoleMember}); tokenwatch.ErrorCode(err) != tokenwatch.CodeConflict {
		t.Errorf("inviting someone who signs in already: %v, want a conflict", err)
	}
	if _, err := w.svc.Invite(ctx, manager, admin.Invite{Email: "Ana@Example.com", LocationID: w.f.Downtown.ID, Role: tokenwatch.RoleMember}); err != nil {
		t.Fatal(err)
	}
	mails, err := w.st.ListOutboxMail(ctx, "ana@example.com", 0, 10)
	if err != nil || len(mails) != 1 {
		t.Fatalf("outbox for ana: %v %v", mails, err)
	}
	m := mails[0]
	link := linkRE.FindStringSubmatch(m.Text)
	if link == nil || !strings.Contains(m.Subject, "Demo Brand") || !strings.Contains(m.Text, "as member at Downtown") || !strings.Contains(m.HTML, link[0]) {
		t.Fatalf("the invitation e-mail:\n%s\n%s", m.Subject, m.Text)
	}
	if _, err := w.svc.Accept(ctx, link[1], "Ana", "short"); tokenwatch.ErrorCode(err) != tokenwatch.CodeInvalid {
		t.Errorf("a short password: %v, want invalid", err)
	}
	u, err := w.svc.Accept(ctx, link[1], "Ana Lima", "a good password")
	if err != nil {
		t.Fatal(err)
	}
	if role, err := w.st.RoleAt(ctx, u.ID, w.f.Downtown.ID); err != nil || role != tokenwatch.RoleMember || u.Email != "ana@example.com" || u.AccountID != w.f.Account.ID {
		t.Errorf("after accepting: %+v, role %q (%v)", u, role, err)
	}
	if _, err := w.st.RoleAt(ctx, u.ID, w.f.Harbor.ID); !tokenwatch.IsNotFound(err) {
		t.Errorf("ana takes part in Harbor too: %v", err)
	}
	if _, err := w.svc.Accept(ctx, link[1], "Someone", "another password"); tokenwatch.ErrorCode(err) != tokenwatch.CodeNotFound {
		t.Errorf("the link used a second time: %v, want not found", err)
	}
	// An invitation not accepted within 7 days no longer works.
	if _, err := w.svc.Invite(ctx, w.actor(t, w.f.Owner), admin.Invite{Email: "late@example.com", Owner: true}); err != nil {
		t.Fatal(err)
	}
	mails, _ = w.st.ListOutboxMail(ctx, "late@example.com", 0, 10)
	late := linkRE.FindStringSubmatch(mails[0].Text)
	w.clock.Advance(admin.InvitationTTL + time.Minute)
	if _, err := w.svc.Accept(ctx, late[1], "Late", "a good password"); tokenwatch.ErrorCode(err) != tokenwatch.CodeNotFound {
		t.Errorf("an expired invitation: %v, want not found", err)
	}
	got := strings.Join(w.audit(t), "\n")
	for _, want := range []string{"manager@demo.test person.invited ana@example.com as member at Downtown", "ana@example.com person.joined ana@example.com",
		"owner@demo.test person.invited late@example.com as an owner of the account"} {
		if !strings.Contains(got, want) {
			t.Errorf("the audit log lacks %q:\n%s", want, got)
		}
	}
}

// Roles: managers change those of non-owners at their locations; owner
// roles come with owning the account; the last owner stays.
func TestRolesAndRemoval(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	owner, manager, member := w.actor(t, w.f.Owner), w.actor(t, w.f.Manager), w.actor(t, w.f.Member)
	if err := w.svc.SetRole(ctx, member, w.f.DowntownOnly.ID, w.f.Downtown.ID, tokenwatch.RoleManager); tokenwatch.ErrorCode(err) != tokenwatch.CodeForbidden {
		t.Errorf("a member changing a role: %v, want forbidden", err)
	}
	if err := w.svc.SetRole(ctx, manager, w.f.Owner.ID, w.f.Downtown.ID, tokenwatch.RoleMember); tokenwatch.ErrorCode(err) != tokenwatch.CodeForbidden {
		t.Errorf("a manager demoting an owner: %v, want forbidden", err)
	}
	if err := w.svc.SetRole(ctx, manager, w.f.DowntownOnly.ID, w.f.Downtown.ID, tokenwatch.RoleManager); err != nil {
		t.Fatal(err)
	}
	if role, _ := w.st.RoleAt(ctx, w.f.DowntownOnly.ID, w.f.Downtown.ID); role != tokenwatch.RoleManager {
		t.Errorf("downtown@'s role: %q", role)
	}
	if err := w.svc.SetOwner(ctx, owner, w.f.Owner.ID, false); tokenwatch.ErrorCode(err) != tokenwatch.CodeConflict {
		t.Errorf("the last owner stepping down: %v, want a conflict", err)
	}
	// Making the manager an owner gives them every location as owner.
	if err := w.svc.SetOwner(ctx, owner, w.f.Manager.ID, true); err != nil {
		t.Fatal(err)
	}
	if role, _ := w.st.RoleAt(ctx, w.f.Manager.ID, w.f.Harbor.ID); role != tokenwatch.RoleOwner {
		t.Errorf("the new owner's role at Harbor: %q", role)
	}
	// Removing a person ends their sessions and hands their pages on.
	secret, err := w.st.CreateSession(ctx, w.f.Manager.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.svc.RemovePerson(ctx, manager, w.f.Member.ID, 0); tokenwatch.ErrorCode(err) != tokenwatch.CodeForbidden {
		t.Errorf("a manager removing someone from the account: %v, want forbidden (managers remove from their locations)", err)
	}
	if err := w.svc.RemovePerson(ctx, owner, w.f.Manager.ID, w.f.Owner.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.st.GetSession(ctx, secret.Reveal()); !tokenwatch.IsNotFound(err) {
		t.Errorf("the removed person's session: %v, want gone", err)
	}
	if p, _ := w.st.GetPage(ctx, w.f.DowntownPage.ID); p.ConnectedBy != w.f.Owner.ID {
		t.Errorf("the removed person's page has page admin %d, want the owner", p.ConnectedBy)
	}
	got := strings.Join(w.audit(t), "\n")
	for _, want := range []string{"manager@demo.test person.role_changed downtown@demo.test manager at Downtown (was member)",
		"owner@demo.test person.made_owner manager@demo.test", "owner@demo.test person.removed manager@demo.test their pages handed to owner@demo.test"} {
		if !strings.Contains(got, want) {
			t.Errorf("the audit log lacks %q:\n%s", want, got)
		}
	}
}

// Another account's ids do not exist for an actor, whatever they ask.
func TestOtherAccountsIdsAreNotFound(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	other := &tokenwatch.Account{Name: "Other"}
	if err := w.st.CreateAccount(ctx, other); err != nil {
		t.Fatal(err)
	}
	stranger := &tokenwatch.User{AccountID: other.ID, Email: "boss@other.test", Name: "Boss", AccountOwner: true}
	if err := w.st.CreateUser(ctx, stranger, "x"); err != nil {
		t.Fatal(err)
	}
	a := w.actor(t, stranger)
	checks := map[string]error{}
	_, checks["page"] = w.svc.Page(ctx, a, w.f.DowntownPage.ID)
	_, checks["check now"] = w.svc.CheckNow(ctx, a, w.f.DowntownPage.ID)
	_, checks["disconnect"] = w.svc.Disconnect(ctx, a, w.f.DowntownPage.ID)
	_, checks["location"] = w.svc.UpdateLocation(ctx, a, w.f.Downtown.ID, "Mine", "UTC")
	checks["role"] = w.svc.SetRole(ctx, a, w.f.Member.ID, w.f.Downtown.ID, tokenwatch.RoleManager)
	checks["remove"] = w.svc.RemovePerson(ctx, a, w.f.Member.ID, 0)
	checks["owner"] = w.svc.SetOwner(ctx, a, w.f.Member.ID, true)
	_, checks["invite"] = w.svc.Invite(ctx, a, admin.Invite{Email: "x@other.test", LocationID: w.f.Downtown.ID, Role: tokenwatch.RoleMember})
	for what, err := range checks {
		if !tokenwatch.IsNotFound(err) {
			t.Errorf("%s of another account: %v, want not found", what, err)
		}
	}
	if got := w.audit(t); len(got) != 0 {
		t.Errorf("the audit log holds %q", got)
	}
}

// Disconnecting a page forgets its tokens, alerts nobody and keeps its
// history; a member may not.
func TestDisconnect(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	if _, err := w.svc.Disconnect(ctx, w.actor(t, w.f.Member), w.f.DowntownPage.ID); tokenwatch.ErrorCode(err) != tokenwatch.CodeForbidden {
		t.Errorf("a member disconnecting: %v, want forbidden", err)
	}
	p, err := w.svc.Disconnect(ctx, w.actor(t, w.f.Manager), w.f.DowntownPage.ID)
	if err != nil {
		t.Fatal(err)
	}
	if p.State != tokenwatch.StateDisconnected || p.Problem != tokenwatch.ProblemDisconnected || !p.AccessExpiresAt.IsZero() {
		t.Errorf("after disconnecting: state %s, problem %s, access expiry %v", p.State, p.Problem, p.AccessExpiresAt)
	}
	creds, err := w.st.PageCredentials(ctx, p.ID)
	if err != nil || !creds.AccessToken.IsZero() || !creds.RefreshToken.IsZero() {
		t.Errorf("the tokens after disconnecting: %v", err)
	}
	events, err := w.st.PageHistory(ctx, p.ID, time.Time{}, 10)
	if err != nil || len(events) != 1 || events[0].Kind != store.EventDisconnected || events[0].UserID != w.f.Manager.ID {
		t.Errorf("history: %+v %v", events, err)
	}
	if got := w.audit(t); len(got) != 1 || got[0] != "manager@demo.test page.disconnected Downtown Bakery (Facebook) " {
		t.Errorf("audit: %q", got)
	}
	if !admin.May(w.actor(t, w.f.Manager), access.Reconnect, p) {
		t.Error("the manager may not reconnect the disconnected page")
	}
}
