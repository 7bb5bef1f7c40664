package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// testPageHistory: changes to a page write its history in their own
// transaction, with the generation after them; alerts sent are read with
// their recipients; a disconnect forgets the tokens and holds the posts.
func testPageHistory(t *testing.T, e Engine) {
	ctx := context.Background()
	clock := NewClock(t0)
	s := Open(t, e.NewDatabase(t), store.Options{Now: clock.Now})
	f := Seed(t, s)
	p := f.DowntownPage
	must(t, s.SetPageStatus(ctx, p.ID, store.PageStatus{Problem: tokenwatch.ProblemRevoked, State: tokenwatch.StateRevoked,
		LastError: &tokenwatch.PageError{Class: tokenwatch.ClassMustReconnect, Message: "dead", At: t0}, NextDueAt: t0,
		Event: &store.Event{Kind: store.EventCheckFailed, Class: tokenwatch.ClassMustReconnect, Detail: "dead"}}))
	clock.Advance(time.Minute)
	_, err := s.SaveGrant(ctx, p.ID, store.Grant{Credentials: Creds("new", ""), NewGeneration: true, ConnectedBy: f.Owner.ID,
		Event: &store.Event{Kind: store.EventReconnected, UserID: f.Owner.ID, Detail: "as Olga"}})
	must(t, err)
	clock.Advance(time.Minute)
	post := &tokenwatch.Post{LocationID: f.Downtown.ID, Text: "Hello", ScheduledAt: t0.Add(48 * time.Hour), PageIDs: []int64{p.ID}}
	must(t, s.CreatePost(ctx, post))
	after, err := s.Disconnect(ctx, p.ID, store.Event{Kind: store.EventDisconnected, UserID: f.Manager.ID})
	must(t, err)
	if after.State != tokenwatch.StateDisconnected || !after.AccessExpiresAt.IsZero() || after.AutoRefresh {
		t.Errorf("after a disconnect: %+v", after)
	}
	creds, err := s.PageCredentials(ctx, p.ID)
	must(t, err)
	if !creds.AccessToken.IsZero() || !creds.RefreshToken.IsZero() {
		t.Error("a disconnected page keeps its tokens")
	}
	held, err := s.PendingPostsOf(ctx, p.ID, 10)
	must(t, err)
	if len(held) != 1 || held[0].Status != tokenwatch.PostHeld {
		t.Errorf("the page's post after a disconnect: %+v", held)
	}
	events, err := s.PageHistory(ctx, p.ID, time.Time{}, 10)
	must(t, err)
	if len(events) != 3 || events[0].Kind != store.EventDisconnected || events[1].Kind != store.EventReconnected ||
		events[1].Generation != p.Generation+1 || events[1].UserID != f.Owner.ID || events[2].Class != tokenwatch.ClassMustReconnect ||
		!events[2].At.Equal(t0) {
		t.Errorf("history: %+v", events)
	}
	older, err := s.PageHistory(ctx, p.ID, events[1].At, 10)
	must(t, err)
	if len(older) != 1 || older[0].Kind != store.EventCheckFailed {
		t.Errorf("history before the reconnect: %+v", older)
	}
	n, err := s.DeletePageEventsBefore(ctx, t0.Add(30*time.Second))
	must(t, err)
	if n != 1 {
		t.Errorf("%d old events deleted, want 1", n)
	}
}

// testAuditAndInvitations: the audit log filters by kind of action and
// pages newest first; invitations are single use; the last owner stays;
// a removed person's pages go to another.
func testAuditAndInvitations(t *testing.T, e Engine) {
	ctx := context.Background()
	clock := NewClock(t0)
	s := Open(t, e.NewDatabase(t), store.Options{Now: clock.Now})
	f := Seed(t, s)
	for _, a := range []string{"person.invited", "page.checked", "person.removed", "location.created"} {
		must(t, s.AddAudit(ctx, &store.AuditEntry{AccountID: f.Account.ID, ActorKind: "user", ActorID: f.Owner.ID, ActorName: f.Owner.Email,
			Action: a, LocationID: f.Downtown.ID, Subject: "x"}))
	}
	people, err := s.QueryAudit(ctx, store.AuditQuery{AccountID: f.Account.ID, Action: "person."})
	must(t, err)
	if len(people) != 2 || people[0].Action != "person.removed" || people[1].Action != "person.invited" {
		t.Errorf("person. entries: %+v", people)
	}
	page1, err := s.QueryAudit(ctx, store.AuditQuery{AccountID: f.Account.ID, Limit: 3})
	must(t, err)
	page2, err := s.QueryAudit(ctx, store.AuditQuery{AccountID: f.Account.ID, Limit: 3, Before: page1[2].ID})
	must(t, err)
	if len(page1) != 3 || len(page2) != 1 || page2[0].Action != "person.invited" {
		t.Errorf("paging: %d then %d", len(page1), len(page2))
	}

	inv := &store.Invitation{AccountID: f.Account.ID, Email: "New@Example.com", LocationID: f.Harbor.ID, Role: tokenwatch.RoleManager,
		InvitedBy: f.Owner.ID, ExpiresAt: t0.Add(7 * 24 * time.Hour)}
	secret, err := s.CreateInvitation(ctx, inv)
	must(t, err)
	got, err := s.InvitationBySecret(ctx, secret.Reveal())
	must(t, err)
	if got.Email != "new@example.com" || got.LocationID != f.Harbor.ID || got.Role != tokenwatch.RoleManager || !got.Open(t0) {
		t.Errorf("invitation: %+v", got)
	}
	u := &tokenwatch.User{Name: "New"}
	must(t, s.AcceptInvitation(ctx, got, u, "hash"))
	if role, err := s.RoleAt(ctx, u.ID, f.Harbor.ID); err != nil || role != tokenwatch.RoleManager {
		t.Errorf("role after accepting: %q %v", role, err)
	}
	if err := s.AcceptInvitation(ctx, got, &tokenwatch.User{Name: "Again"}, "hash"); tokenwatch.ErrorCode(err) != tokenwatch.CodeConflict {
		t.Errorf("accepting twice: %v", err)
	}
	if _, err := s.CreateInvitation(ctx, &store.Invitation{AccountID: f.Account.ID, Email: "member@demo.test", AccountOwner: true,
		ExpiresAt: t0.Add(time.Hour)}); tokenwatch.ErrorCode(err) != tokenwatch.CodeConflict {
		t.Errorf("inviting a user: %v", err)
	}

	if err := s.SetAccountOwner(ctx, f.Owner.ID, false); tokenwatch.ErrorCode(err) != tokenwatch.CodeConflict {
		t.Errorf("the last owner stepping down: %v", err)
	}
	if err := s.DeleteUser(ctx, f.Owner.ID, 0); tokenwatch.ErrorCode(err) != tokenwatch.CodeConflict {
		t.Errorf("deleting the last owner: %v", err)
	}
	must(t, s.SetAccountOwner(ctx, f.Member.ID, true))
	loc := &tokenwatch.Location{AccountID: f.Account.ID, Name: "Airport", TimeZone: "Europe/Paris"}
	must(t, s.CreateLocation(ctx, loc))
	if role, _ := s.RoleAt(ctx, f.Member.ID, loc.ID); role != tokenwatch.RoleOwner {
		t.Errorf("a new location's owners: the member (now an owner) is %q there", role)
	}
	must(t, s.DeleteUser(ctx, f.Manager.ID, f.Member.ID))
	if p, _ := s.GetPage(ctx, f.DowntownPage.ID); p.ConnectedBy != f.Member.ID {
		t.Errorf("the removed manager's page has page admin %d", p.ConnectedBy)
	}
	roles, err := s.RolesOf(ctx, []int64{f.Member.ID, f.DowntownOnly.ID})
	must(t, err)
	if len(roles[f.Member.ID]) != 3 || len(roles[f.DowntownOnly.ID]) != 1 {
		t.Errorf("roles: %v", roles)
	}
}
