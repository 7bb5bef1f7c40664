package storetest

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/keyring"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// Run runs the whole suite against an engine.
func Run(t *testing.T, e Engine) {
	tests := []struct {
		name string
		fn   func(t *testing.T, e Engine)
	}{
		{"Migrate", testMigrate},
		{"Accounts", testAccounts},
		{"LocationsAndUsers", testLocationsAndUsers},
		{"Memberships", testMemberships},
		{"Pages", testPages},
		{"CreatePages", testCreatePages},
		{"PagesVisibleOnlyToParticipants", testPageVisibility},
		{"SaveGrant", testSaveGrant},
		{"PageStatus", testPageStatus},
		{"TokensNotStoredInPlaintext", testNoPlaintext},
		{"RotateKeys", testRotateKeys},
		{"Posts", testPosts},
		{"ManyPages", testManyPages},
		{"Notifications", testNotifications},
		{"Sessions", testSessions},
		{"SignOutEverywhere", testSignOutEverywhere},
		{"APIKeys", testAPIKeys},
		{"OAuthStates", testOAuthStates},
		{"PendingGrants", testPendingGrants},
		{"PageLock", testPageLock},
		{"RecordCheck", testRecordCheck},
		{"PostPublishing", testPostPublishing},
		{"LookupsAndAccountDeletion", testLookupsAndDeletion},
		{"TimesReadBackToTheMillisecond", testTimePrecision},
		{"SweepDue", testSweepDue},
		{"OverlappingSweeps", testOverlappingSweeps},
		{"RecordSweep", testRecordSweep},
		{"SweepCascades", testSweepCascades},
		{"SweepRecipientGone", testSweepRecipientGone},
		{"SweepStepOfUnclaimedPage", testSweepStepOfUnclaimedPage},
		{"Deliveries", testDeliveries},
		{"DeliveryClaims", testDeliveryClaims},
		{"WebhookEndpoints", testWebhookEndpoints},
		{"OutboxMail", testOutboxMail},
		{"PageLists", testPageLists},
		{"PageStateCounts", testPageStateCounts},
		{"PageHistory", testPageHistory},
		{"AuditAndInvitations", testAuditAndInvitations},
		{"API", testAPI},
		{"IssuePages", testIssuePages},
		{"CreatedPagesKeepDeadline", testCreatedPagesKeepDeadline},
		{"Channels", testChannels},
		{"NotificationPrefs", testNotificationPrefs},
		{"Unsubscribe", testUnsubscribe},
		{"Digests", testDigests},
		{"NotificationGroups", testNotificationGroups},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, e)
		})
	}
}

var t0 = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

func testMigrate(t *testing.T, e Engine) {
	ctx := context.Background()
	url := e.NewDatabase(t)
	keys, _ := keyring.New(keyring.Generate())
	// Several processes starting at once each migrate; every migration runs once.
	var wg sync.WaitGroup
	applied := make([][]store.Migration, 3)
	errs := make([]error, 3)
	for i := range 3 {
		wg.Go(func() {
			s, err := store.Open(ctx, url, store.Options{Keys: keys})
			if err != nil {
				errs[i] = err
				return
			}
			defer s.Close()
			applied[i], errs[i] = s.Migrate(ctx)
		})
	}
	wg.Wait()
	total := 0
	for i := range 3 {
		if errs[i] != nil {
			t.Fatalf("migrate %d: %v", i, errs[i])
		}
		total += len(applied[i])
	}
	s := Open(t, url, store.Options{Keys: keys})
	got, known, err := s.SchemaVersion(ctx)
	if err != nil || got != known || known == 0 {
		t.Fatalf("SchemaVersion = %d, %d, %v; want equal and positive", got, known, err)
	}
	again, err := s.Migrate(ctx)
	if err != nil || len(again) != 0 {
		t.Errorf("second Migrate applied %d migrations, %v", len(again), err)
	}
	if total == 0 {
		t.Error("no migration was applied")
	}
}

func testAccounts(t *testing.T, e Engine) {
	ctx := context.Background()
	s := Open(t, e.NewDatabase(t), store.Options{})
	a := &tokenwatch.Account{Name: "Acme"}
	must(t, s.CreateAccount(ctx, a))
	must(t, s.SetAlertThresholds(ctx, a.ID, []time.Duration{14 * 24 * time.Hour, 36 * time.Hour}))
	must(t, s.SetEscalateAfter(ctx, a.ID, 3*24*time.Hour))
	got, err := s.GetAccount(ctx, a.ID)
	must(t, err)
	if got.Name != "Acme" || !slices.Equal(got.AlertThresholds, []time.Duration{14 * 24 * time.Hour, 36 * time.Hour}) || got.EscalateAfter != 3*24*time.Hour {
		t.Errorf("GetAccount = %+v", got)
	}
	if byID, _ := s.AccountsByID(ctx, []int64{a.ID}); byID[a.ID] == nil || byID[a.ID].EscalateAfter != 3*24*time.Hour {
		t.Errorf("AccountsByID = %+v", byID)
	}
	if err := s.SetEscalateAfter(ctx, a.ID, time.Second); tokenwatch.ErrorCode(err) != tokenwatch.CodeInvalid {
		t.Errorf("an escalation a second after: %v", err)
	}
	if _, err := s.GetAccount(ctx, a.ID+100); !tokenwatch.IsNotFound(err) {
		t.Errorf("GetAccount of a missing id: %v, want not found", err)
	}
	must(t, s.CreateAccount(ctx, &tokenwatch.Account{Name: "Acme"}))
	if got, err := s.AccountByName(ctx, "Acme"); err != nil || got.ID != a.ID || len(got.AlertThresholds) != 2 {
		t.Errorf("AccountByName = %+v, %v; want the oldest Acme", got, err)
	}
	if _, err := s.AccountByName(ctx, "acme"); !tokenwatch.IsNotFound(err) {
		t.Errorf("AccountByName of a missing name: %v, want not found", err)
	}
	if err := s.CreateAccount(ctx, &tokenwatch.Account{Name: " "}); tokenwatch.ErrorCode(err) != tokenwatch.CodeInvalid {
		t.Errorf("CreateAccount without a name: %v, want invalid", err)
	}
	if err := s.SetAlertThresholds(ctx, a.ID, []time.Duration{0}); tokenwatch.ErrorCode(err) != tokenwatch.CodeInvalid {
		t.Errorf("zero threshold: %v, want invalid", err)
	}
}

func testLocationsAndUsers(t *testing.T, e Engine) {
	ctx := context.Background()
	s := Open(t, e.NewDatabase(t), store.Options{})
	f := Seed(t, s)
	locs, err := s.ListLocations(ctx, f.Account.ID)
	must(t, err)
	if len(locs) != 2 || locs[0].Name != "Downtown" || locs[0].TimeZone != "Europe/Paris" {
		t.Errorf("ListLocations = %v", locs)
	}
	err = s.CreateLocation(ctx, &tokenwatch.Location{AccountID: f.Account.ID, Name: "Downtown"})
	if tokenwatch.ErrorCode(err) != tokenwatch.CodeConflict {
		t.Errorf("duplicate location: %v, want conflict", err)
	}
	err = s.CreateLocation(ctx, &tokenwatch.Location{AccountID: f.Account.ID, Name: "Mars", TimeZone: "Mars/Olympus"})
	if tokenwatch.ErrorCode(err) != tokenwatch.CodeInvalid {
		t.Errorf("bad time zone: %v, want invalid", err)
	}
	err = s.CreateUser(ctx, &tokenwatch.User{AccountID: f.Account.ID, Email: " Owner@Demo.TEST "}, "x")
	if tokenwatch.ErrorCode(err) != tokenwatch.CodeConflict {
		t.Errorf("duplicate e-mail in another case: %v, want conflict", err)
	}
	u, hash, err := s.UserLogin(ctx, "MANAGER@demo.test")
	must(t, err)
	if u.ID != f.Manager.ID || hash != "hash-of-manager@demo.test" {
		t.Errorf("UserLogin = %+v, %q", u, hash)
	}
	must(t, s.SetPassword(ctx, u.ID, "new-hash"))
	if _, hash, _ := s.UserLogin(ctx, "manager@demo.test"); hash != "new-hash" {
		t.Errorf("after SetPassword the hash is %q", hash)
	}
	if _, _, err := s.UserLogin(ctx, "nobody@demo.test"); !tokenwatch.IsNotFound(err) {
		t.Errorf("UserLogin of a stranger: %v", err)
	}
	owners, err := s.AccountOwners(ctx, f.Account.ID)
	must(t, err)
	if len(owners) != 1 || owners[0].ID != f.Owner.ID {
		t.Errorf("AccountOwners = %v", owners)
	}
}

func testMemberships(t *testing.T, e Engine) {
	ctx := context.Background()
	s := Open(t, e.NewDatabase(t), store.Options{})
	f := Seed(t, s)
	ps, err := s.Participants(ctx, f.Downtown.ID)
	must(t, err)
	roles := map[string]tokenwatch.Role{}
	for _, p := range ps {
		roles[p.Email] = p.Role
	}
	want := map[string]tokenwatch.Role{"owner@demo.test": "owner", "manager@demo.test": "manager", "member@demo.test": "member", "downtown@demo.test": "member"}
	if fmt.Sprint(roles) != fmt.Sprint(want) {
		t.Errorf("Participants = %v, want %v", roles, want)
	}
	lrs, err := s.UserLocations(ctx, f.DowntownOnly.ID)
	must(t, err)
	if len(lrs) != 1 || lrs[0].ID != f.Downtown.ID || lrs[0].Role != tokenwatch.RoleMember {
		t.Errorf("UserLocations(downtown) = %v", lrs)
	}
	must(t, s.SetMembership(ctx, tokenwatch.Membership{LocationID: f.Downtown.ID, UserID: f.DowntownOnly.ID, Role: tokenwatch.RoleManager}))
	if r, err := s.RoleAt(ctx, f.DowntownOnly.ID, f.Downtown.ID); err != nil || r != tokenwatch.RoleManager {
		t.Errorf("RoleAt after promotion = %q, %v", r, err)
	}
	if _, err := s.RoleAt(ctx, f.DowntownOnly.ID, f.Harbor.ID); !tokenwatch.IsNotFound(err) {
		t.Errorf("RoleAt elsewhere: %v, want not found", err)
	}
	if err := s.SetMembership(ctx, tokenwatch.Membership{LocationID: f.Downtown.ID, UserID: f.Member.ID, Role: "admin"}); tokenwatch.ErrorCode(err) != tokenwatch.CodeInvalid {
		t.Errorf("unknown role: %v, want invalid", err)
	}
	// AddMembership keeps a role there is.
	if added, err := s.AddMembership(ctx, tokenwatch.Membership{LocationID: f.Downtown.ID, UserID: f.DowntownOnly.ID, Role: tokenwatch.RoleOwner}); err != nil || added {
		t.Errorf("AddMembership over a role: added %v, %v", added, err)
	}
	if r, _ := s.RoleAt(ctx, f.DowntownOnly.ID, f.Downtown.ID); r != tokenwatch.RoleManager {
		t.Errorf("AddMembership changed the role to %q", r)
	}
	if added, err := s.AddMembership(ctx, tokenwatch.Membership{LocationID: f.Harbor.ID, UserID: f.DowntownOnly.ID, Role: tokenwatch.RoleMember}); err != nil || !added {
		t.Errorf("AddMembership of a new one: added %v, %v", added, err)
	}
	must(t, s.RemoveMembership(ctx, f.Harbor.ID, f.DowntownOnly.ID))
	must(t, s.RemoveMembership(ctx, f.Downtown.ID, f.DowntownOnly.ID))
	if lrs, _ := s.UserLocations(ctx, f.DowntownOnly.ID); len(lrs) != 0 {
		t.Errorf("after removal the user still has %v", lrs)
	}
}

func testPages(t *testing.T, e Engine) {
	ctx := context.Background()
	s := Open(t, e.NewDatabase(t), store.Options{})
	f := Seed(t, s)
	p := NewPage(f.Downtown.ID, tokenwatch.Instagram, "ig-1", "Downtown on Instagram")
	p.ConnectedBy = f.Manager.ID
	p.AccessExpiresAt = t0.Add(50 * 24 * time.Hour)
	p.DataAccessExpiresAt = t0.Add(80 * 24 * time.Hour)
	p.AutoRefresh = true
	p.RefreshBeforeExpiry = true
	p.RefreshLead = 15 * 24 * time.Hour
	p.NextDueAt = t0.Add(time.Hour)
	must(t, s.CreatePage(ctx, p, Creds("ig-access", "ig-refresh")))
	if p.ID == 0 || p.AccountID != f.Account.ID || p.Generation != 1 {
		t.Fatalf("CreatePage set %+v", p)
	}
	got, err := s.GetPage(ctx, p.ID)
	must(t, err)
	if got.Name != p.Name || got.Provider != tokenwatch.Instagram || got.ConnectedBy != f.Manager.ID ||
		!got.AccessExpiresAt.Equal(p.AccessExpiresAt) || !got.DataAccessExpiresAt.Equal(p.DataAccessExpiresAt) ||
		!got.RefreshExpiresAt.IsZero() || !got.AutoRefresh || !got.RefreshBeforeExpiry || got.RefreshLead != p.RefreshLead || !slices.Equal(got.Scopes, []string{"a", "b"}) ||
		!got.NextDueAt.Equal(p.NextDueAt) || got.State != tokenwatch.StateHealthy || got.LastError != nil {
		t.Errorf("GetPage = %+v\nwant    %+v", got, p)
	}
	c, err := s.PageCredentials(ctx, p.ID)
	must(t, err)
	if c.AccessToken.Reveal() != "ig-access" || c.RefreshToken.Reveal() != "ig-refresh" {
		t.Error("PageCredentials did not return the tokens stored")
	}
	if err := s.CreatePage(ctx, NewPage(f.Downtown.ID, tokenwatch.Instagram, "ig-1", "again"), Creds("x", "")); tokenwatch.ErrorCode(err) != tokenwatch.CodeConflict {
		t.Errorf("connecting a page twice: %v, want conflict", err)
	}
	if err := s.CreatePage(ctx, NewPage(f.Downtown.ID, "myspace", "m", "m"), Creds("x", "")); tokenwatch.ErrorCode(err) != tokenwatch.CodeInvalid {
		t.Errorf("unknown provider: %v, want invalid", err)
	}
	if err := s.CreatePage(ctx, NewPage(f.Downtown.ID, tokenwatch.X, "x1", "X"), Creds("", "")); tokenwatch.ErrorCode(err) != tokenwatch.CodeInvalid {
		t.Errorf("no access token: %v, want invalid", err)
	}
	if err := s.CreatePage(ctx, NewPage(f.Harbor.ID+99, tokenwatch.X, "x1", "X"), Creds("t", "")); !tokenwatch.IsNotFound(err) {
		t.Errorf("unknown location: %v, want not found", err)
	}
	must(t, s.DeletePage(ctx, p.ID))
	if _, err := s.GetPage(ctx, p.ID); !tokenwatch.IsNotFound(err) {
		t.Errorf("GetPage after delete: %v", err)
	}
	if _, err := s.PageCredentials(ctx, p.ID); !tokenwatch.IsNotFound(err) {
		t.Errorf("PageCredentials after delete: %v", err)
	}
}

func testCreatePages(t *testing.T, e Engine) {
	ctx := context.Background()
	s := Open(t, e.NewDatabase(t), store.Options{Now: func() time.Time { return t0 }})
	f := Seed(t, s)
	// Enough pages for several multi-row statements and a few single
	// ones; one is there already (Seed's), one comes twice.
	var batch []store.NewPage
	for i := range 70 {
		p := NewPage(f.Downtown.ID, tokenwatch.X, fmt.Sprintf("x-%d", i), fmt.Sprintf("X %d", i))
		if i%2 == 1 {
			p.LocationID = f.Harbor.ID
		}
		p.AccessExpiresAt = t0.Add(time.Duration(i) * time.Hour)
		batch = append(batch, store.NewPage{Page: p, Credentials: Creds(fmt.Sprintf("access-%d", i), "")})
	}
	batch = append(batch,
		store.NewPage{Page: NewPage(f.Downtown.ID, tokenwatch.Facebook, "fb-downtown", "Downtown again"), Credentials: Creds("other", "")},
		store.NewPage{Page: NewPage(f.Harbor.ID, tokenwatch.X, "x-3", "X 3 twice"), Credentials: Creds("twice", "")})
	created, err := s.CreatePages(ctx, batch)
	must(t, err)
	if created != 70 {
		t.Errorf("CreatePages created %d, want 70", created)
	}
	for i, np := range batch {
		if kept := i >= 70; (np.Page.ID == 0) != kept {
			t.Errorf("page %d (%s) got id %d", i, np.Page.Name, np.Page.ID)
		}
	}
	p := batch[41].Page
	got, err := s.GetPage(ctx, p.ID)
	must(t, err)
	if got.Name != "X 41" || got.AccountID != f.Account.ID || got.LocationID != f.Harbor.ID || !got.AccessExpiresAt.Equal(t0.Add(41*time.Hour)) ||
		got.Generation != 1 || got.State != tokenwatch.StateHealthy || !got.NextDueAt.Equal(t0) {
		t.Errorf("GetPage = %+v", got)
	}
	if c, err := s.PageCredentials(ctx, p.ID); err != nil || c.AccessToken.Reveal() != "access-41" || !c.RefreshToken.IsZero() {
		t.Errorf("PageCredentials: %v", err)
	}
	if c, _ := s.PageCredentials(ctx, f.DowntownPage.ID); c.AccessToken.Reveal() != "downtown-access" {
		t.Error("the page that was there already changed")
	}
	// Every new page is due for the sweep at once.
	sw, err := s.SweepDue(ctx, 1000, func([]*tokenwatch.Page, map[int64][]store.PageAlert) ([]store.Outcome, func(store.Recorded) ([]store.Delivery, error), error) {
		return nil, func(store.Recorded) ([]store.Delivery, error) { return nil, nil }, nil
	})
	must(t, err)
	if sw.Claimed != 72 {
		t.Errorf("the sweep claimed %d pages, want the 70 new ones and Seed's 2", sw.Claimed)
	}
	// All or nothing: a page at a location that does not exist fails the
	// call, and the others are not created.
	bad := []store.NewPage{
		{Page: NewPage(f.Downtown.ID, tokenwatch.X, "x-new", "X new"), Credentials: Creds("a", "")},
		{Page: NewPage(f.Harbor.ID+99, tokenwatch.X, "x-lost", "X lost"), Credentials: Creds("a", "")},
	}
	if _, err := s.CreatePages(ctx, bad); !tokenwatch.IsNotFound(err) || bad[0].Page.ID != 0 {
		t.Errorf("CreatePages with an unknown location: %v, id %d", err, bad[0].Page.ID)
	}
	if ps, _ := s.ListPages(ctx, store.PageFilter{AccountID: f.Account.ID}); len(ps) != 72 {
		t.Errorf("%d pages after a failed CreatePages, want 72", len(ps))
	}
	bad[1].Page.LocationID, bad[1].Credentials = f.Harbor.ID, Creds("", "")
	if _, err := s.CreatePages(ctx, bad); tokenwatch.ErrorCode(err) != tokenwatch.CodeInvalid {
		t.Errorf("CreatePages with a page without a token: %v, want invalid", err)
	}
}

func pageNames(ps []*tokenwatch.Page) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

func testPageVisibility(t *testing.T, e Engine) {
	ctx := context.Background()
	s := Open(t, e.NewDatabase(t), store.Options{})
	f := Seed(t, s)
	other := &tokenwatch.Account{Name: "Other brand"}
	must(t, s.CreateAccount(ctx, other))
	loc := &tokenwatch.Location{AccountID: other.ID, Name: "Elsewhere"}
	must(t, s.CreateLocation(ctx, loc))
	must(t, s.CreatePage(ctx, NewPage(loc.ID, tokenwatch.Facebook, "fb-other", "Other page"), Creds("o", "")))

	tests := []struct {
		name   string
		filter store.PageFilter
		want   []string
	}{
		{"downtown member sees only Downtown", store.PageFilter{UserID: f.DowntownOnly.ID}, []string{"Downtown Bakery"}},
		{"member of both sees both", store.PageFilter{UserID: f.Member.ID}, []string{"Downtown Bakery", "Harbor Bakery"}},
		{"account filter", store.PageFilter{AccountID: other.ID}, []string{"Other page"}},
		{"location filter", store.PageFilter{LocationIDs: []int64{f.Harbor.ID}}, []string{"Harbor Bakery"}},
		{"empty location list selects nothing", store.PageFilter{LocationIDs: []int64{}}, nil},
		{"provider filter", store.PageFilter{UserID: f.Owner.ID, Provider: tokenwatch.LinkedIn}, []string{"Harbor Bakery"}},
		{"user and location of another user's", store.PageFilter{UserID: f.DowntownOnly.ID, LocationIDs: []int64{f.Harbor.ID}}, nil},
	}
	for _, tt := range tests {
		ps, err := s.ListPages(ctx, tt.filter)
		must(t, err)
		if got := pageNames(ps); !slices.Equal(got, tt.want) {
			t.Errorf("%s: ListPages = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func testSaveGrant(t *testing.T, e Engine) {
	ctx := context.Background()
	clock := NewClock(t0)
	s := Open(t, e.NewDatabase(t), store.Options{Now: clock.Now})
	f := Seed(t, s)
	id := f.HarborPage.ID
	must(t, s.SetPageStatus(ctx, id, store.PageStatus{Problem: tokenwatch.ProblemRevoked, State: tokenwatch.StateRevoked,
		LastError: &tokenwatch.PageError{Class: tokenwatch.ClassMustReconnect, Message: "revoked", At: t0}, RetryAt: t0.Add(time.Minute)}))

	// A refresh without a new refresh token keeps the stored one.
	clock.Advance(time.Hour)
	p, err := s.SaveGrant(ctx, id, store.Grant{Credentials: Creds("harbor-access-2", ""), AccessExpiresAt: t0.Add(60 * 24 * time.Hour),
		RefreshExpiresAt: t0.Add(365 * 24 * time.Hour), AutoRefresh: true})
	must(t, err)
	c, err := s.PageCredentials(ctx, id)
	must(t, err)
	if c.AccessToken.Reveal() != "harbor-access-2" || c.RefreshToken.Reveal() != "harbor-refresh" {
		t.Error("SaveGrant with an empty refresh token lost the stored one or the new access token")
	}
	if p.Generation != 1 || p.Problem != "" || p.LastError != nil || !p.RetryAt.IsZero() || p.State != tokenwatch.StateHealthy {
		t.Errorf("after SaveGrant: generation %d, problem %q, last error %v, retry %v, state %s", p.Generation, p.Problem, p.LastError, p.RetryAt, p.State)
	}
	if !p.UpdatedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("UpdatedAt = %v, want the store clock's %v", p.UpdatedAt, t0.Add(time.Hour))
	}
	// A reconnect by another user, with a rotated refresh token, starts a new generation.
	p, err = s.SaveGrant(ctx, id, store.Grant{Credentials: Creds("harbor-access-3", "harbor-refresh-3"), NewGeneration: true,
		ConnectedBy: f.Owner.ID, Scopes: []string{"w_organization_social"}, ProviderUserName: "Harbor Admin"})
	must(t, err)
	c, _ = s.PageCredentials(ctx, id)
	if c.RefreshToken.Reveal() != "harbor-refresh-3" || p.Generation != 2 || p.ConnectedBy != f.Owner.ID ||
		!slices.Equal(p.Scopes, []string{"w_organization_social"}) || p.ProviderUserName != "Harbor Admin" {
		t.Errorf("after reconnect: generation %d, connected by %d, scopes %v, name %q", p.Generation, p.ConnectedBy, p.Scopes, p.ProviderUserName)
	}
	if _, err := s.SaveGrant(ctx, id, store.Grant{}); tokenwatch.ErrorCode(err) != tokenwatch.CodeInvalid {
		t.Errorf("SaveGrant without an access token: %v, want invalid", err)
	}
	if _, err := s.SaveGrant(ctx, id+1000, store.Grant{Credentials: Creds("a", "")}); !tokenwatch.IsNotFound(err) {
		t.Errorf("SaveGrant of a missing page: %v, want not found", err)
	}
}

func testPageStatus(t *testing.T, e Engine) {
	ctx := context.Background()
	s := Open(t, e.NewDatabase(t), store.Options{})
	f := Seed(t, s)
	id := f.DowntownPage.ID
	le := &tokenwatch.PageError{Class: tokenwatch.ClassPermissionMissing, Message: "pages_manage_posts not granted", At: t0}
	must(t, s.SetPageStatus(ctx, id, store.PageStatus{Problem: tokenwatch.ProblemPermissionMissing, State: tokenwatch.StatePermissionMissing,
		LastCheckedAt: t0, LastError: le, NextDueAt: t0.Add(24 * time.Hour)}))
	p, err := s.GetPage(ctx, id)
	must(t, err)
	if p.Problem != tokenwatch.ProblemPermissionMissing || p.State != tokenwatch.StatePermissionMissing || !p.LastCheckedAt.Equal(t0) ||
		p.LastError == nil || *p.LastError != *le || !p.NextDueAt.Equal(t0.Add(24*time.Hour)) {
		t.Errorf("after SetPageStatus: %+v (last error %+v)", p, p.LastError)
	}
	// A status without a check time keeps the last one.
	must(t, s.SetPageStatus(ctx, id, store.PageStatus{State: tokenwatch.StateHealthy}))
	p, _ = s.GetPage(ctx, id)
	if !p.LastCheckedAt.Equal(t0) || p.LastError != nil || p.Problem != "" {
		t.Errorf("after clearing: checked %v, last error %v, problem %q", p.LastCheckedAt, p.LastError, p.Problem)
	}
	if err := s.SetPageStatus(ctx, id, store.PageStatus{Problem: "gone"}); tokenwatch.ErrorCode(err) != tokenwatch.CodeInvalid {
		t.Errorf("unknown problem: %v, want invalid", err)
	}
	if err := s.SetPageStatus(ctx, id+1000, store.PageStatus{}); !tokenwatch.IsNotFound(err) {
		t.Errorf("missing page: %v, want not found", err)
	}
}

func testNoPlaintext(t *testing.T, e Engine) {
	ctx := context.Background()
	s := Open(t, e.NewDatabase(t), store.Options{})
	f := Seed(t, s)
	const access, refresh = "EAAG-plaintext-access-token-7f3a", "plaintext-refresh-token-9c1e"
	must(t, s.CreatePage(ctx, NewPage(f.Harbor.ID, tokenwatch.X, "x-1", "Harbor on X"), Creds(access, refresh)))
	rows, err := s.DB().QueryContext(ctx, `SELECT * FROM pages`)
	must(t, err)
	defer rows.Close()
	cols, _ := rows.Columns()
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		must(t, rows.Scan(ptrs...))
		for i, v := range vals {
			b := fmt.Appendf(nil, "%s", v)
			if bytes.Contains(b, []byte("plaintext")) {
				t.Errorf("column %s holds a token in plaintext", cols[i])
			}
		}
	}
}

func testRotateKeys(t *testing.T, e Engine) {
	ctx := context.Background()
	url := e.NewDatabase(t)
	oldKey, newKey := keyring.Generate(), keyring.Generate()
	oldRing, _ := keyring.New(oldKey)
	s := Open(t, url, store.Options{Keys: oldRing})
	f := Seed(t, s)
	for i := range 25 {
		must(t, s.CreatePage(ctx, NewPage(f.Harbor.ID, tokenwatch.TikTok, fmt.Sprint("tt-", i), fmt.Sprint("TikTok ", i)),
			Creds(fmt.Sprint("access-", i), fmt.Sprint("refresh-", i))))
	}
	before, err := s.KeyUsage(ctx)
	must(t, err)
	session, err := s.CreateSession(ctx, f.Owner.ID, time.Hour)
	must(t, err)
	state, err := s.CreateOAuthState(ctx, session.Reveal(), store.OAuthState{Provider: tokenwatch.X, AccountID: f.Account.ID, ActorKind: "user", ActorID: f.Owner.ID,
		Verifier: tokenwatch.NewSecret("v"), RedirectURI: "https://x", ExpiresAt: time.Now().Add(time.Hour)})
	must(t, err)
	ep, err := s.CreateWebhookEndpoint(ctx, f.Account.ID, "https://hooks.example/tw", tokenwatch.NewSecret("whsec-rotate-me-0123456789"))
	must(t, err)
	ch := &store.Channel{LocationID: f.Downtown.ID, Kind: store.ChannelSlack, Name: "#rotate"}
	must(t, s.CreateChannel(ctx, ch, tokenwatch.NewSecret("https://hooks.slack.com/services/T/B/rotate-me")))
	unsub, err := s.UnsubscribeToken(ctx, f.Member.ID)
	must(t, err)

	// The service keeps running (with both keys) while the rotation runs.
	bothRing, _ := keyring.New(newKey, oldKey)
	rotator := Open(t, url, store.Options{Keys: bothRing})
	service := Open(t, url, store.Options{Keys: bothRing})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 20 {
			if _, err := service.SaveGrant(ctx, f.HarborPage.ID, store.Grant{Credentials: Creds(fmt.Sprint("live-", i), "")}); err != nil {
				t.Errorf("service refresh during rotation: %v", err)
			}
		}
	})
	n, err := rotator.RotateKeys(ctx, 7)
	wg.Wait()
	must(t, err)
	after, err := rotator.KeyUsage(ctx)
	must(t, err)
	if len(after) != 1 || after[bothRing.CurrentID()] != before[oldRing.CurrentID()] {
		t.Errorf("key usage before %v, after %v (rotated %d): want every page under %s", before, after, n, bothRing.CurrentID())
	}
	if _, err := rotator.ConsumeOAuthState(ctx, state.Reveal(), session.Reveal(), tokenwatch.X); err != store.ErrStateUnknown {
		t.Errorf("an OAuth flow sealed under the old key survived the rotation: %v", err)
	}
	newOnlyRing, _ := keyring.New(newKey)
	if _, secret, err := Open(t, url, store.Options{Keys: newOnlyRing}).WebhookEndpoint(ctx, ep.ID); err != nil || secret.Reveal() != "whsec-rotate-me-0123456789" {
		t.Errorf("the webhook secret under the new key alone: %v", err)
	}
	newOnly, _ := keyring.New(newKey)
	s2 := Open(t, url, store.Options{Keys: newOnly})
	if _, u, err := s2.ChannelURL(ctx, ch.ID); err != nil || u.Reveal() != "https://hooks.slack.com/services/T/B/rotate-me" {
		t.Errorf("the channel URL under the new key alone: %v", err)
	}
	if tok, err := s2.UnsubscribeToken(ctx, f.Member.ID); err != nil || !tok.Equal(unsub) {
		t.Errorf("the unsubscribe token under the new key alone: %v", err)
	}
	c, err := s2.PageCredentials(ctx, f.HarborPage.ID)
	must(t, err)
	if c.AccessToken.Reveal() != "live-19" || c.RefreshToken.Reveal() != "harbor-refresh" {
		t.Error("the refreshes made during the rotation were lost")
	}
	ps, _ := s2.ListPages(ctx, store.PageFilter{})
	for _, p := range ps {
		c, err := s2.PageCredentials(ctx, p.ID)
		if err != nil {
			t.Errorf("page %d after rotation: %v", p.ID, err)
		}
		var i int
		if _, err := fmt.Sscanf(p.Name, "TikTok %d", &i); err == nil &&
			(c.AccessToken.Reveal() != fmt.Sprint("access-", i) || c.RefreshToken.Reveal() != fmt.Sprint("refresh-", i)) {
			t.Errorf("rotation changed the tokens of %s", p.Name)
		}
	}
}

func testPosts(t *testing.T, e Engine) {
	ctx := context.Background()
	s := Open(t, e.NewDatabase(t), store.Options{})
	f := Seed(t, s)
	second := NewPage(f.Downtown.ID, tokenwatch.Instagram, "ig-d", "Downtown IG")
	must(t, s.CreatePage(ctx, second, Creds("a", "")))
	mk := func(at time.Time, pages ...int64) *tokenwatch.Post {
		p := &tokenwatch.Post{LocationID: f.Downtown.ID, AuthorID: f.Manager.ID, Text: "Fresh bread", ScheduledAt: at, PageIDs: pages}
		must(t, s.CreatePost(ctx, p))
		return p
	}
	p1 := mk(t0.Add(2*time.Hour), f.DowntownPage.ID, second.ID)
	mk(t0.Add(26*time.Hour), f.DowntownPage.ID)
	mk(t0.Add(10*24*time.Hour), second.ID)

	got, err := s.GetPost(ctx, p1.ID)
	must(t, err)
	if got.Text != "Fresh bread" || !got.ScheduledAt.Equal(p1.ScheduledAt) || got.Status != tokenwatch.PostScheduled ||
		!slices.Equal(got.PageIDs, []int64{f.DowntownPage.ID, second.ID}) {
		t.Errorf("GetPost = %+v", got)
	}
	week, err := s.ListPosts(ctx, store.PostFilter{UserID: f.DowntownOnly.ID, From: t0, To: t0.Add(7 * 24 * time.Hour)})
	must(t, err)
	if len(week) != 2 || week[0].ID != p1.ID {
		t.Errorf("posts of the week = %v", week)
	}
	if ps, _ := s.ListPosts(ctx, store.PostFilter{LocationIDs: []int64{f.Harbor.ID}}); len(ps) != 0 {
		t.Errorf("Harbor has posts %v", ps)
	}
	risk, err := s.PostsAtRisk(ctx, []int64{f.DowntownPage.ID, second.ID, f.HarborPage.ID})
	must(t, err)
	if r := risk[f.DowntownPage.ID]; r.Posts != 2 || !r.Earliest.Equal(t0.Add(2*time.Hour)) {
		t.Errorf("risk of the Downtown page = %+v", r)
	}
	if _, ok := risk[f.HarborPage.ID]; ok {
		t.Error("a page without posts is at risk")
	}
	bad := &tokenwatch.Post{LocationID: f.Downtown.ID, Text: "x", ScheduledAt: t0, PageIDs: []int64{f.HarborPage.ID}}
	if err := s.CreatePost(ctx, bad); tokenwatch.ErrorCode(err) != tokenwatch.CodeInvalid {
		t.Errorf("post to another location's page: %v, want invalid", err)
	}
	if err := s.CreatePost(ctx, &tokenwatch.Post{LocationID: f.Downtown.ID, Text: "x", ScheduledAt: t0}); tokenwatch.ErrorCode(err) != tokenwatch.CodeInvalid {
		t.Errorf("post to no page: %v, want invalid", err)
	}
}

func testNotifications(t *testing.T, e Engine) {
	ctx := context.Background()
	clock := NewClock(t0)
	s := Open(t, e.NewDatabase(t), store.Options{Now: clock.Now})
	f := Seed(t, s)
	n := &tokenwatch.Notification{UserID: f.Member.ID, PageID: f.DowntownPage.ID, Kind: "3d", Title: "Downtown Bakery expires in 3 days"}
	created, err := s.CreateNotification(ctx, n, "page:1:gen:1:3d:user:3")
	must(t, err)
	if !created || n.ID == 0 {
		t.Fatalf("CreateNotification = %v, id %d", created, n.ID)
	}
	again := *n
	created, err = s.CreateNotification(ctx, &again, "page:1:gen:1:3d:user:3")
	must(t, err)
	if created {
		t.Error("a second notification under the same key was stored")
	}
	clock.Advance(time.Minute)
	_, err = s.CreateNotification(ctx, &tokenwatch.Notification{UserID: f.Member.ID, Kind: "info", Title: "Newer"}, "")
	must(t, err)
	list, err := s.ListNotifications(ctx, f.Member.ID, 10)
	must(t, err)
	if len(list) != 2 || list[0].Title != "Newer" || list[1].PageID != f.DowntownPage.ID {
		t.Errorf("ListNotifications = %v", list)
	}
	if c, _ := s.UnreadNotifications(ctx, f.Member.ID); c != 2 {
		t.Errorf("unread = %d, want 2", c)
	}
	must(t, s.DismissNotification(ctx, f.Member.ID, n.ID))
	if c, _ := s.UnreadNotifications(ctx, f.Member.ID); c != 1 {
		t.Errorf("unread after dismissing one = %d, want 1", c)
	}
	if err := s.DismissNotification(ctx, f.Owner.ID, list[0].ID); !tokenwatch.IsNotFound(err) {
		t.Errorf("dismissing another user's notification: %v, want not found", err)
	}
	must(t, s.MarkNotificationsRead(ctx, f.Member.ID))
	if c, _ := s.UnreadNotifications(ctx, f.Member.ID); c != 0 {
		t.Errorf("unread after reading all = %d", c)
	}
}

func testSessions(t *testing.T, e Engine) {
	ctx := context.Background()
	clock := NewClock(t0)
	s := Open(t, e.NewDatabase(t), store.Options{Now: clock.Now})
	f := Seed(t, s)
	token, err := s.CreateSession(ctx, f.Member.ID, time.Hour)
	must(t, err)
	sess, err := s.GetSession(ctx, token.Reveal())
	must(t, err)
	if sess.User.ID != f.Member.ID || sess.CSRFToken == "" || sess.PopupClosed {
		t.Errorf("GetSession = %+v", sess)
	}
	must(t, s.ClosePopup(ctx, token.Reveal()))
	if sess, _ := s.GetSession(ctx, token.Reveal()); !sess.PopupClosed {
		t.Error("ClosePopup was not remembered")
	}
	if _, err := s.GetSession(ctx, "forged"); !tokenwatch.IsNotFound(err) {
		t.Errorf("GetSession of a forged token: %v", err)
	}
	clock.Advance(time.Hour + time.Second)
	if _, err := s.GetSession(ctx, token.Reveal()); !tokenwatch.IsNotFound(err) {
		t.Errorf("GetSession after expiry: %v, want not found", err)
	}
	if n, err := s.DeleteExpiredSessions(ctx); err != nil || n != 1 {
		t.Errorf("DeleteExpiredSessions = %d, %v", n, err)
	}
	t2, _ := s.CreateSession(ctx, f.Member.ID, time.Hour)
	must(t, s.DeleteSession(ctx, t2.Reveal()))
	if _, err := s.GetSession(ctx, t2.Reveal()); !tokenwatch.IsNotFound(err) {
		t.Errorf("GetSession after sign-out: %v", err)
	}
}

func testAPIKeys(t *testing.T, e Engine) {
	ctx := context.Background()
	s := Open(t, e.NewDatabase(t), store.Options{})
	f := Seed(t, s)
	k, secret, err := s.CreateAPIKey(ctx, f.Account.ID, "scheduler")
	must(t, err)
	got, err := s.AuthenticateAPIKey(ctx, secret.Reveal())
	must(t, err)
	if got.ID != k.ID || got.AccountID != f.Account.ID || !got.LastUsedAt.IsZero() {
		t.Errorf("AuthenticateAPIKey = %+v (authenticating writes nothing)", got)
	}
	used := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	must(t, s.KeysUsed(ctx, map[int64]time.Time{k.ID: used}))
	must(t, s.KeysUsed(ctx, map[int64]time.Time{k.ID: used.Add(-time.Hour)})) // an older use does not go back
	if got, _ = s.AuthenticateAPIKey(ctx, secret.Reveal()); !got.LastUsedAt.Equal(used) {
		t.Errorf("last used %v, want %v", got.LastUsedAt, used)
	}
	must(t, s.RevokeAPIKey(ctx, f.Account.ID, k.ID))
	if _, err := s.AuthenticateAPIKey(ctx, secret.Reveal()); tokenwatch.ErrorCode(err) != tokenwatch.CodeUnauthorized {
		t.Errorf("revoked key: %v, want unauthorized", err)
	}
	if err := s.RevokeAPIKey(ctx, f.Account.ID, k.ID); !tokenwatch.IsNotFound(err) {
		t.Errorf("revoking twice: %v, want not found", err)
	}
	keys, _ := s.ListAPIKeys(ctx, f.Account.ID)
	if len(keys) != 1 || keys[0].RevokedAt.IsZero() {
		t.Errorf("ListAPIKeys = %+v", keys)
	}
}

func testOAuthStates(t *testing.T, e Engine) {
	ctx := context.Background()
	clock := NewClock(t0)
	s := Open(t, e.NewDatabase(t), store.Options{Now: clock.Now})
	f := Seed(t, s)
	session, err := s.CreateSession(ctx, f.Manager.ID, time.Hour)
	must(t, err)
	st := store.OAuthState{Provider: tokenwatch.LinkedIn, AccountID: f.Account.ID, ActorKind: "request", ActorID: 7, PageID: f.HarborPage.ID,
		AnyAccount: true, ReturnTo: "/issues?network=linkedin",
		Verifier: tokenwatch.NewSecret("verifier-123"), RedirectURI: "https://tw.example/oauth/linkedin/callback", ExpiresAt: t0.Add(10 * time.Minute)}
	newState := func() string {
		v, err := s.CreateOAuthState(ctx, session.Reveal(), st)
		must(t, err)
		return v.Reveal()
	}

	v := newState()
	got, err := s.ConsumeOAuthState(ctx, v, session.Reveal(), tokenwatch.LinkedIn)
	must(t, err)
	if got.PageID != f.HarborPage.ID || got.ActorKind != "request" || got.ActorID != 7 || got.AccountID != f.Account.ID || !got.AnyAccount ||
		got.ReturnTo != st.ReturnTo || got.Verifier.Reveal() != "verifier-123" || got.RedirectURI != st.RedirectURI {
		t.Errorf("ConsumeOAuthState = %+v", got)
	}
	if _, err := s.ConsumeOAuthState(ctx, v, session.Reveal(), tokenwatch.LinkedIn); err != store.ErrStateUnknown {
		t.Errorf("replayed state: %v, want ErrStateUnknown", err)
	}
	if _, err := s.ConsumeOAuthState(ctx, "forged", session.Reveal(), tokenwatch.LinkedIn); err != store.ErrStateUnknown {
		t.Errorf("forged state: %v", err)
	}
	other, _ := s.CreateSession(ctx, f.Owner.ID, time.Hour)
	if _, err := s.ConsumeOAuthState(ctx, newState(), other.Reveal(), tokenwatch.LinkedIn); err != store.ErrStateUnknown {
		t.Errorf("state from another browser: %v", err)
	}
	if _, err := s.ConsumeOAuthState(ctx, newState(), "", tokenwatch.LinkedIn); err != store.ErrStateUnknown {
		t.Errorf("state from a browser without a cookie: %v", err)
	}
	if _, err := s.ConsumeOAuthState(ctx, newState(), session.Reveal(), tokenwatch.Facebook); err != store.ErrStateUnknown {
		t.Errorf("state at another network's callback: %v", err)
	}
	late := newState()
	clock.Advance(10*time.Minute + time.Second)
	if _, err := s.ConsumeOAuthState(ctx, late, session.Reveal(), tokenwatch.LinkedIn); err != store.ErrStateExpired {
		t.Errorf("expired state: %v, want ErrStateExpired", err)
	}
	must(t, s.DeleteExpiredOAuth(ctx))
}

func testPendingGrants(t *testing.T, e Engine) {
	ctx := context.Background()
	clock := NewClock(t0)
	s := Open(t, e.NewDatabase(t), store.Options{Now: clock.Now})
	f := Seed(t, s)
	session, _ := s.CreateSession(ctx, f.Manager.ID, time.Hour)
	owner := store.PendingOwner{BrowserToken: session.Reveal(), AccountID: f.Account.ID, ActorKind: "user", ActorID: f.Manager.ID}
	id, err := s.SavePending(ctx, owner, []byte(`{"token":"pending-plaintext-token"}`), t0.Add(10*time.Minute))
	must(t, err)
	got, err := s.Pending(ctx, id, owner)
	must(t, err)
	if string(got) != `{"token":"pending-plaintext-token"}` {
		t.Errorf("Pending = %s", got)
	}
	other := owner
	other.ActorID = f.Owner.ID
	if _, err := s.Pending(ctx, id, other); !tokenwatch.IsNotFound(err) {
		t.Errorf("another user's pending grant: %v", err)
	}
	var raw []byte
	must(t, s.DB().QueryRowContext(ctx, `SELECT payload FROM oauth_pending`).Scan(&raw))
	if bytes.Contains(raw, []byte("plaintext")) {
		t.Error("the pending grant is stored in plaintext")
	}
	clock.Advance(11 * time.Minute)
	if _, err := s.Pending(ctx, id, owner); !tokenwatch.IsNotFound(err) {
		t.Errorf("expired pending grant: %v", err)
	}
	must(t, s.DeletePending(ctx, id))
}

func testPageLock(t *testing.T, e Engine) {
	ctx := context.Background()
	clock := NewClock(t0)
	s := Open(t, e.NewDatabase(t), store.Options{Now: clock.Now})
	f := Seed(t, s)
	id := f.HarborPage.ID
	lock := func(owner string) bool {
		ok, err := s.LockPage(ctx, id, owner, clock.Now().Add(time.Minute))
		must(t, err)
		return ok
	}
	if !lock("a") || lock("b") || !lock("a") {
		t.Fatal("the lock is not exclusive, or not re-entrant for its owner")
	}
	must(t, s.UnlockPage(ctx, id, "b")) // not b's: no effect
	if lock("b") {
		t.Fatal("another owner released the lock")
	}
	must(t, s.UnlockPage(ctx, id, "a"))
	if !lock("b") {
		t.Fatal("a released lock cannot be taken")
	}
	clock.Advance(time.Minute)
	if !lock("c") {
		t.Fatal("an expired lock cannot be taken")
	}
	// Many takers at once: exactly one wins.
	var wg sync.WaitGroup
	wins := make(chan string, 20)
	must(t, s.UnlockPage(ctx, id, "c"))
	for i := range 20 {
		wg.Go(func() {
			if ok, err := s.LockPage(ctx, id, fmt.Sprint("p", i), t0.Add(time.Hour)); err == nil && ok {
				wins <- "won"
			}
		})
	}
	wg.Wait()
	if len(wins) != 1 {
		t.Errorf("%d of 20 concurrent takers got the lock", len(wins))
	}
}

func testRecordCheck(t *testing.T, e Engine) {
	ctx := context.Background()
	s := Open(t, e.NewDatabase(t), store.Options{})
	f := Seed(t, s)
	id := f.DowntownPage.ID
	must(t, s.SetPageStatus(ctx, id, store.PageStatus{Problem: tokenwatch.ProblemPermissionMissing, State: tokenwatch.StatePermissionMissing,
		LastError: &tokenwatch.PageError{Class: tokenwatch.ClassPermissionMissing, Message: "scope", At: t0}}))
	p, err := s.RecordCheck(ctx, id, store.Check{CheckedAt: t0, DataAccessExpiresAt: t0.Add(90 * 24 * time.Hour), NewGeneration: true,
		State: tokenwatch.StateHealthy, NextDueAt: t0.Add(24 * time.Hour)})
	must(t, err)
	if p.Problem != "" || p.LastError != nil || !p.LastCheckedAt.Equal(t0) || p.Generation != 2 ||
		!p.DataAccessExpiresAt.Equal(t0.Add(90*24*time.Hour)) || !slices.Equal(p.Scopes, []string{"a", "b"}) {
		t.Errorf("after RecordCheck: %+v", p)
	}
	if _, err := s.RecordCheck(ctx, id+1000, store.Check{}); !tokenwatch.IsNotFound(err) {
		t.Errorf("missing page: %v", err)
	}
}

func testLookupsAndDeletion(t *testing.T, e Engine) {
	ctx := context.Background()
	s := Open(t, e.NewDatabase(t), store.Options{})
	must(t, s.Ping(ctx))
	f := Seed(t, s)
	other := &tokenwatch.Account{Name: "Other"}
	must(t, s.CreateAccount(ctx, other))
	if as, err := s.ListAccounts(ctx); err != nil || len(as) != 2 || as[0].ID != f.Account.ID || as[1].Name != "Other" {
		t.Errorf("ListAccounts = %v, %v", as, err)
	}
	if l, err := s.GetLocation(ctx, f.Harbor.ID); err != nil || l.Name != "Harbor" || l.TimeZone != "America/New_York" {
		t.Errorf("GetLocation = %+v, %v", l, err)
	}
	if u, err := s.GetUser(ctx, f.Owner.ID); err != nil || u.Email != "owner@demo.test" || !u.AccountOwner {
		t.Errorf("GetUser = %+v, %v", u, err)
	}
	us, err := s.ListUsers(ctx, f.Account.ID)
	must(t, err)
	var emails []string
	for _, u := range us {
		emails = append(emails, u.Email)
	}
	if want := []string{"downtown@demo.test", "manager@demo.test", "member@demo.test", "owner@demo.test"}; !slices.Equal(emails, want) {
		t.Errorf("ListUsers = %v, want %v", emails, want)
	}
	// Deleting an account deletes everything in it, and nothing else.
	must(t, s.DeleteAccount(ctx, f.Account.ID))
	if _, err := s.GetAccount(ctx, f.Account.ID); !tokenwatch.IsNotFound(err) {
		t.Errorf("GetAccount after delete: %v", err)
	}
	if _, err := s.GetLocation(ctx, f.Harbor.ID); !tokenwatch.IsNotFound(err) {
		t.Errorf("GetLocation after delete: %v", err)
	}
	if _, err := s.GetUser(ctx, f.Owner.ID); !tokenwatch.IsNotFound(err) {
		t.Errorf("GetUser after delete: %v", err)
	}
	if _, err := s.PageCredentials(ctx, f.HarborPage.ID); !tokenwatch.IsNotFound(err) {
		t.Errorf("page tokens after delete: %v", err)
	}
	if as, _ := s.ListAccounts(ctx); len(as) != 1 || as[0].ID != other.ID {
		t.Errorf("accounts left: %v", as)
	}
	if err := s.DeleteAccount(ctx, f.Account.ID); !tokenwatch.IsNotFound(err) {
		t.Errorf("deleting twice: %v, want not found", err)
	}
}

// testTimePrecision: every engine keeps milliseconds, so a time written
// reads back the same whichever engine stores it.
func testTimePrecision(t *testing.T, e Engine) {
	ctx := context.Background()
	s := Open(t, e.NewDatabase(t), store.Options{})
	f := Seed(t, s)
	due := t0.Add(1234567 * time.Nanosecond).In(time.FixedZone("CET", 3600))
	must(t, s.SetPageStatus(ctx, f.HarborPage.ID, store.PageStatus{State: tokenwatch.StateHealthy, NextDueAt: due}))
	p, err := s.GetPage(ctx, f.HarborPage.ID)
	must(t, err)
	if want := t0.Add(time.Millisecond); !p.NextDueAt.Equal(want) || p.NextDueAt.Location() != time.UTC {
		t.Errorf("NextDueAt = %v, want %v", p.NextDueAt, want)
	}
}

func testPostPublishing(t *testing.T, e Engine) {
	ctx := context.Background()
	clock := NewClock(t0)
	s := Open(t, e.NewDatabase(t), store.Options{Now: clock.Now})
	f := Seed(t, s)
	a := f.DowntownPage.ID
	b := NewPage(f.Downtown.ID, tokenwatch.Instagram, "ig-b", "B")
	must(t, s.CreatePage(ctx, b, Creds("b", "")))
	due := &tokenwatch.Post{LocationID: f.Downtown.ID, Text: "now", MediaURL: "https://media.example/bread.jpg", ScheduledAt: t0.Add(-time.Minute), PageIDs: []int64{a, b.ID}}
	must(t, s.CreatePost(ctx, due))
	must(t, s.CreatePost(ctx, &tokenwatch.Post{LocationID: f.Downtown.ID, Text: "later", ScheduledAt: t0.Add(time.Hour), PageIDs: []int64{a}}))

	claim := func(at time.Time) []store.DuePost {
		t.Helper()
		ds, err := s.ClaimDuePosts(ctx, at, time.Minute, 10)
		must(t, err)
		return ds
	}
	status := func() tokenwatch.PostStatus {
		t.Helper()
		p, err := s.GetPost(ctx, due.ID)
		must(t, err)
		return p.Status
	}
	// Ten publishers at once: each delivery goes to exactly one.
	var (
		mu  sync.Mutex
		got []store.DuePost
		wg  sync.WaitGroup
	)
	for range 10 {
		wg.Go(func() {
			ds, err := s.ClaimDuePosts(ctx, t0, time.Minute, 10)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			got = append(got, ds...)
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(got) != 2 || got[0].Post.ID != due.ID || got[0].Post.MediaURL != due.MediaURL || got[0].Post.Text != "now" {
		t.Fatalf("claimed %+v, want the two deliveries of the due post once each", got)
	}
	if ds := claim(t0); len(ds) != 0 {
		t.Errorf("claimed %d deliveries already claimed", len(ds))
	}

	// A link that is not http(s) (a network's answer is untrusted) is
	// refused, and nothing is recorded.
	for _, bad := range []string{"javascript:alert(document.cookie)", "data:text/html,<b>x</b>", "/relative"} {
		err := s.SetPublishResult(ctx, due.ID, a, store.PublishResult{Status: tokenwatch.PostPublished, ProviderPostID: "post-1", URL: bad})
		if tokenwatch.ErrorCode(err) != tokenwatch.CodeInvalid {
			t.Errorf("the link %q: %v, want refused as invalid", bad, err)
		}
	}
	if st := status(); st != tokenwatch.PostScheduled {
		t.Errorf("a refused result changed the post to %s", st)
	}
	const link = "https://www.facebook.com/FacebookforDevelopers/posts/10153449196353553"
	must(t, s.SetPublishResult(ctx, due.ID, a, store.PublishResult{Status: tokenwatch.PostPublished, ProviderPostID: "post-1", URL: link}))
	must(t, s.SetPublishResult(ctx, due.ID, b.ID, store.PublishResult{Status: tokenwatch.PostHeld}))
	stored, err := s.GetPost(ctx, due.ID)
	must(t, err)
	if len(stored.Targets) != 2 || stored.Targets[0].URL != link || stored.Targets[1].URL != "" {
		t.Errorf("the post's pages after publishing on one: %+v", stored.Targets)
	}
	if st := status(); st != tokenwatch.PostHeld {
		t.Errorf("a post held on one page is %s", st)
	}
	if r, _ := s.PostsAtRisk(ctx, []int64{b.ID}); r[b.ID].Posts != 1 {
		t.Errorf("a held post is not at risk: %+v", r)
	}
	if ds := claim(t0.Add(time.Hour)); len(ds) != 1 || ds[0].Post.Text != "later" {
		t.Errorf("a held delivery was claimed: %+v", ds)
	}

	n, err := s.ReleaseHeld(ctx, b.ID)
	must(t, err)
	if n != 1 || status() != tokenwatch.PostScheduled {
		t.Errorf("released %d, post %s", n, status())
	}
	ds := claim(t0)
	if len(ds) != 1 || ds[0].PageID != b.ID {
		t.Fatalf("after release claimed %+v", ds)
	}
	must(t, s.SetPublishResult(ctx, due.ID, b.ID, store.PublishResult{Status: tokenwatch.PostScheduled, Error: "503", RetryAt: t0.Add(5 * time.Minute)}))
	if ds := claim(t0.Add(4 * time.Minute)); len(ds) != 0 {
		t.Errorf("retried before its time: %+v", ds)
	}
	ds = claim(t0.Add(5 * time.Minute))
	if len(ds) != 1 || ds[0].Attempts != 1 {
		t.Fatalf("retry: %+v", ds)
	}
	must(t, s.SetPublishResult(ctx, due.ID, b.ID, store.PublishResult{Status: tokenwatch.PostHeld}))
	missed, err := s.MissHeld(ctx, t0.Add(-2*time.Minute))
	must(t, err)
	if len(missed) != 0 {
		t.Errorf("missed a post scheduled after the cut-off: %+v", missed)
	}
	missed, err = s.MissHeld(ctx, t0)
	must(t, err)
	if len(missed) != 1 || missed[0].PageID != b.ID || missed[0].Post.Text != "now" || status() != tokenwatch.PostMissed {
		t.Errorf("MissHeld = %+v, post %s", missed, status())
	}
	dels, err := s.PostDeliveries(ctx, due.ID)
	must(t, err)
	if len(dels) != 2 || dels[0].ProviderPostID != "post-1" || dels[0].URL != link || dels[0].PublishedAt.IsZero() || dels[1].Status != tokenwatch.PostMissed || dels[1].Error == "" || dels[1].URL != "" {
		t.Errorf("deliveries %+v", dels)
	}
	if err := s.SetPublishResult(ctx, due.ID, 99999, store.PublishResult{Status: tokenwatch.PostFailed}); !tokenwatch.IsNotFound(err) {
		t.Errorf("unknown delivery: %v", err)
	}
}
