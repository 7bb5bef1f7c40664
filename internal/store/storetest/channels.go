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

const slackURL = "https://hooks.slack.com/services/T0000/B0000/conformance-secret-4711"

func testChannels(t *testing.T, e Engine) {
	ctx := context.Background()
	s := Open(t, e.NewDatabase(t), store.Options{})
	f := Seed(t, s)
	slack := &store.Channel{LocationID: f.Downtown.ID, Kind: store.ChannelSlack, Name: "#downtown", URLHint: "hooks.slack.com/…4711", CreatedBy: f.Manager.ID}
	must(t, s.CreateChannel(ctx, slack, tokenwatch.NewSecret(slackURL)))
	teams := &store.Channel{LocationID: f.Downtown.ID, Kind: store.ChannelTeams, Name: "Downtown team", URLHint: "x.logic.azure.com/…"}
	must(t, s.CreateChannel(ctx, teams, tokenwatch.NewSecret("https://prod-1.westeurope.logic.azure.com/workflows/abc")))
	harbor := &store.Channel{LocationID: f.Harbor.ID, Kind: store.ChannelSlack, Name: "#harbor"}
	must(t, s.CreateChannel(ctx, harbor, tokenwatch.NewSecret("https://hooks.slack.com/services/T/B/harbor")))
	if slack.ID == 0 || slack.AccountID != f.Account.ID || slack.CreatedAt.IsZero() {
		t.Fatalf("created %+v", slack)
	}
	if err := s.CreateChannel(ctx, &store.Channel{LocationID: f.Downtown.ID, Kind: "discord"}, tokenwatch.NewSecret("https://x")); tokenwatch.ErrorCode(err) != tokenwatch.CodeInvalid {
		t.Errorf("a channel of an unknown kind: %v", err)
	}
	if err := s.CreateChannel(ctx, &store.Channel{LocationID: f.Downtown.ID + 1000, Kind: store.ChannelSlack}, tokenwatch.NewSecret("https://x")); !tokenwatch.IsNotFound(err) {
		t.Errorf("a channel of no location: %v", err)
	}

	list, err := s.LocationChannels(ctx, f.Downtown.ID)
	must(t, err)
	if len(list) != 2 || list[0].ID != slack.ID || list[0].Name != "#downtown" || list[0].URLHint != "hooks.slack.com/…4711" || list[0].CreatedBy != f.Manager.ID ||
		list[1].Kind != store.ChannelTeams {
		t.Errorf("Downtown's channels: %+v", list)
	}
	at, err := s.ChannelsAt(ctx, []int64{f.Downtown.ID, f.Harbor.ID})
	must(t, err)
	if len(at[f.Downtown.ID]) != 2 || len(at[f.Harbor.ID]) != 1 {
		t.Errorf("ChannelsAt: %v", at)
	}
	c, url, err := s.ChannelURL(ctx, slack.ID)
	must(t, err)
	if c.LocationID != f.Downtown.ID || url.Reveal() != slackURL {
		t.Errorf("ChannelURL = %+v", c)
	}
	// The URL is sealed in the database.
	var raw []byte
	must(t, s.DB().QueryRowContext(ctx, `SELECT url FROM location_channels WHERE id = $1`, slack.ID).Scan(&raw))
	if bytes.Contains(raw, []byte("conformance-secret")) {
		t.Error("the channel URL is stored in plaintext")
	}

	// Its messages go through the outbox; removing it drops those.
	ds, err := s.QueueDeliveries(ctx, []store.Delivery{
		{Channel: store.ChannelSlack, Key: "chat-1", AccountID: f.Account.ID, ChannelID: slack.ID, PageIDs: []int64{f.DowntownPage.ID}, Payload: "{}"},
		{Channel: store.ChannelSlack, Key: "chat-2", AccountID: f.Account.ID, ChannelID: slack.ID, PageIDs: []int64{f.DowntownPage.ID}, Payload: "{}"},
		{Channel: store.ChannelTeams, Key: "chat-3", AccountID: f.Account.ID, ChannelID: teams.ID, Payload: "{}"},
	})
	must(t, err)
	if len(ds) != 3 || ds[0].ChannelID != slack.ID {
		t.Fatalf("queued %+v", ds)
	}
	got, err := s.ChannelDeliveries(ctx, slack.ID, 10)
	must(t, err)
	if len(got) != 2 || got[0].Key != "chat-2" || got[0].ChannelID != slack.ID {
		t.Errorf("the channel's messages, newest first: %+v", got)
	}
	if err := s.DeleteChannel(ctx, f.Harbor.ID, slack.ID); !tokenwatch.IsNotFound(err) {
		t.Errorf("removing a channel through another location: %v", err)
	}
	must(t, s.DeleteChannel(ctx, f.Downtown.ID, slack.ID))
	if _, _, err := s.ChannelURL(ctx, slack.ID); !tokenwatch.IsNotFound(err) {
		t.Errorf("a removed channel: %v", err)
	}
	if left := Deliveries(t, s, DeliveryFilter{ChannelID: slack.ID}); len(left) != 0 {
		t.Errorf("a removed channel's messages stayed: %v", left)
	}
	if left := Deliveries(t, s, DeliveryFilter{ChannelID: teams.ID}); len(left) != 1 {
		t.Errorf("another channel's messages went: %v", left)
	}
}

func testNotificationPrefs(t *testing.T, e Engine) {
	ctx := context.Background()
	s := Open(t, e.NewDatabase(t), store.Options{})
	f := Seed(t, s)
	// By default: every alert, at 8, in the zone of their first location.
	p, err := s.NotificationPrefs(ctx, f.Member.ID)
	must(t, err)
	if p.Mode != tokenwatch.NotifyEvery || p.DigestHour != tokenwatch.DefaultDigestHour || p.TimeZone != "" || p.Zone != f.Downtown.TimeZone {
		t.Errorf("the member's default preferences: %+v", p)
	}
	loner := &tokenwatch.User{AccountID: f.Account.ID, Email: "loner@demo.test"}
	must(t, s.CreateUser(ctx, loner, "x"))
	if p, _ := s.NotificationPrefs(ctx, loner.ID); p.Zone != "UTC" {
		t.Errorf("a user without a location is in %q, want UTC", p.Zone)
	}
	must(t, s.SetNotificationPrefs(ctx, f.Member.ID, tokenwatch.NotificationPrefs{Mode: tokenwatch.NotifyDigest, DigestHour: 7, TimeZone: "Asia/Tokyo"}))
	for name, bad := range map[string]tokenwatch.NotificationPrefs{
		"a zone that does not exist": {Mode: tokenwatch.NotifyEvery, TimeZone: "Mars/Olympus"},
		"an hour past 23":            {Mode: tokenwatch.NotifyDigest, DigestHour: 24},
		"no mode":                    {},
	} {
		if err := s.SetNotificationPrefs(ctx, f.Member.ID, bad); tokenwatch.ErrorCode(err) != tokenwatch.CodeInvalid {
			t.Errorf("%s: %v", name, err)
		}
	}
	all, err := s.PrefsOf(ctx, []int64{f.Member.ID, f.Owner.ID, loner.ID})
	must(t, err)
	if m := all[f.Member.ID]; m.Mode != tokenwatch.NotifyDigest || m.DigestHour != 7 || m.Zone != "Asia/Tokyo" || all[f.Owner.ID].Mode != tokenwatch.NotifyEvery || len(all) != 3 {
		t.Errorf("PrefsOf = %+v", all)
	}
	if err := s.SetNotificationPrefs(ctx, loner.ID+100, tokenwatch.NotificationPrefs{Mode: tokenwatch.NotifyInApp}); !tokenwatch.IsNotFound(err) {
		t.Errorf("preferences of nobody: %v", err)
	}
}

func testUnsubscribe(t *testing.T, e Engine) {
	ctx := context.Background()
	url := e.NewDatabase(t)
	keys, _ := keyring.New(keyring.Generate())
	s := Open(t, url, store.Options{Keys: keys})
	f := Seed(t, s)
	// Two processes make the member's token at once: they agree.
	var (
		wg     sync.WaitGroup
		tokens [2]tokenwatch.Secret
	)
	other := Open(t, url, store.Options{Keys: keys})
	for i, st := range []*store.Store{s, other} {
		wg.Go(func() {
			tok, err := st.UnsubscribeToken(ctx, f.Member.ID)
			if err != nil {
				t.Error(err)
			}
			tokens[i] = tok
		})
	}
	wg.Wait()
	if tokens[0].IsZero() || !tokens[0].Equal(tokens[1]) {
		t.Fatal("two processes made two unsubscribe tokens for one person")
	}
	again, err := s.UnsubscribeToken(ctx, f.Member.ID)
	must(t, err)
	owners, err := s.UnsubscribeToken(ctx, f.Owner.ID)
	must(t, err)
	if !again.Equal(tokens[0]) || owners.Equal(tokens[0]) || len(owners.Reveal()) < 40 {
		t.Error("tokens are not one per person, long and stable")
	}
	var raw []byte
	must(t, s.DB().QueryRowContext(ctx, `SELECT unsubscribe_token FROM users WHERE id = $1`, f.Member.ID).Scan(&raw))
	if bytes.Contains(raw, []byte(tokens[0].Reveal())) {
		t.Error("the unsubscribe token is stored in plaintext")
	}
	if u, err := s.UnsubscribeUser(ctx, tokens[0].Reveal()); err != nil || u.ID != f.Member.ID {
		t.Errorf("UnsubscribeUser = %v, %v", u, err)
	}
	for _, bad := range []string{"", "x", fmt.Sprint(f.Member.ID)} {
		if _, err := s.Unsubscribe(ctx, bad); !tokenwatch.IsNotFound(err) {
			t.Errorf("unsubscribing with %q: %v", bad, err)
		}
	}
	must(t, s.SetNotificationPrefs(ctx, f.Member.ID, tokenwatch.NotificationPrefs{Mode: tokenwatch.NotifyDigest, DigestHour: 9}))
	u, err := s.Unsubscribe(ctx, tokens[0].Reveal())
	must(t, err)
	p, _ := s.NotificationPrefs(ctx, f.Member.ID)
	if u.ID != f.Member.ID || p.Mode != tokenwatch.NotifyInApp || p.DigestHour != 9 {
		t.Errorf("after unsubscribing: %+v", p)
	}
	if p, _ := s.NotificationPrefs(ctx, f.Owner.ID); p.Mode != tokenwatch.NotifyEvery {
		t.Error("unsubscribing one person changed another's")
	}
}

func testDigests(t *testing.T, e Engine) {
	ctx := context.Background()
	// 06:00 in Paris (UTC+1 in winter).
	start := time.Date(2026, 11, 25, 5, 0, 0, 0, time.UTC)
	clock := NewClock(start)
	url := e.NewDatabase(t)
	keys, _ := keyring.New(keyring.Generate())
	s := Open(t, url, store.Options{Now: clock.Now, Keys: keys})
	f := Seed(t, s)
	// The member chooses a digest at 9, their time (Downtown's: Paris);
	// the manager at 9 in New York.
	must(t, s.SetNotificationPrefs(ctx, f.Member.ID, tokenwatch.NotificationPrefs{Mode: tokenwatch.NotifyDigest, DigestHour: 9}))
	must(t, s.SetNotificationPrefs(ctx, f.Manager.ID, tokenwatch.NotificationPrefs{Mode: tokenwatch.NotifyDigest, DigestHour: 9, TimeZone: "America/New_York"}))
	record := func(page *tokenwatch.Page, step string) {
		t.Helper()
		_, _, err := s.RecordSweep(ctx, []store.Outcome{{PageID: page.ID, Generation: 1, State: tokenwatch.StateExpiring, Step: step,
			Recipients: []int64{f.Member.ID, f.Manager.ID, f.Owner.ID}, Notification: tokenwatch.Notification{Kind: step, Title: step}}},
			func(store.Recorded) ([]store.Delivery, error) { return nil, nil })
		must(t, err)
	}
	clock.Advance(time.Hour)
	record(f.DowntownPage, "10d")
	clock.Advance(time.Hour)
	record(f.HarborPage, "3d")

	var built [][]*store.Digest
	claim := func(st *store.Store) ([]store.Delivery, int) {
		t.Helper()
		ds, n, err := st.ClaimDigests(ctx, 10, func(digests []*store.Digest) ([]store.Delivery, error) {
			built = append(built, digests)
			var out []store.Delivery
			for _, d := range digests {
				out = append(out, store.Delivery{Channel: store.ChannelEmail, Key: fmt.Sprintf("digest-%d-%d", d.User.ID, d.Due.Unix()),
					AccountID: d.User.AccountID, UserID: d.User.ID, Payload: "{}"})
			}
			return out, nil
		})
		must(t, err)
		return ds, n
	}
	// 08:59 in Paris: nobody's digest is due.
	clock.Set(time.Date(2026, 11, 25, 7, 59, 0, 0, time.UTC))
	if ds, n := claim(s); n != 0 || len(ds) != 0 {
		t.Fatalf("before 9 in Paris: %d digests claimed", n)
	}
	// 09:00 in Paris: the member's, with both alerts; two processes at once
	// make it once.
	clock.Set(time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC))
	other := Open(t, url, store.Options{Now: clock.Now, Keys: keys})
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		total []store.Delivery
	)
	for _, st := range []*store.Store{s, other} {
		wg.Go(func() {
			ds, _ := claim(st)
			mu.Lock()
			total = append(total, ds...)
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(total) != 1 || total[0].UserID != f.Member.ID {
		t.Fatalf("at 9 in Paris: %+v", total)
	}
	var mine *store.Digest
	for _, b := range built {
		for _, d := range b {
			if d.User.ID == f.Member.ID {
				mine = d
			}
		}
	}
	if mine == nil || !mine.Due.Equal(time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)) || len(mine.Alerts) != 2 ||
		mine.Alerts[0].PageID != f.DowntownPage.ID || mine.Alerts[1].Step != "3d" || mine.Prefs.Zone != "Europe/Paris" {
		t.Fatalf("the member's digest: %+v", mine)
	}
	// 09:00 in New York: the manager's.
	clock.Set(time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC))
	ds, _ := claim(s)
	if len(ds) != 1 || ds[0].UserID != f.Manager.ID {
		t.Fatalf("at 9 in New York: %+v", ds)
	}
	// A new alert; the member's next digest, the next day at 9 in Paris,
	// holds only it.
	record(f.DowntownPage, "3d")
	clock.Set(time.Date(2026, 11, 26, 7, 59, 0, 0, time.UTC))
	if ds, _ := claim(s); len(ds) != 0 {
		t.Fatalf("before the next day's 9: %+v", ds)
	}
	built = nil
	clock.Set(time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC))
	if ds, _ := claim(s); len(ds) != 1 || len(built) != 1 || len(built[0][0].Alerts) != 1 || built[0][0].Alerts[0].Step != "3d" {
		t.Fatalf("the next day's digest: %+v, built %+v", ds, built)
	}
	// Leaving the digest: nothing more is claimed.
	must(t, s.SetNotificationPrefs(ctx, f.Member.ID, tokenwatch.NotificationPrefs{Mode: tokenwatch.NotifyEvery}))
	must(t, s.SetNotificationPrefs(ctx, f.Manager.ID, tokenwatch.NotificationPrefs{Mode: tokenwatch.NotifyInApp}))
	clock.Advance(48 * time.Hour)
	if _, n := claim(s); n != 0 {
		t.Errorf("%d digests claimed after everyone left them", n)
	}
}

func testNotificationGroups(t *testing.T, e Engine) {
	ctx := context.Background()
	clock := NewClock(t0)
	s := Open(t, e.NewDatabase(t), store.Options{Now: clock.Now})
	f := Seed(t, s)
	none := func(store.Recorded) ([]store.Delivery, error) { return nil, nil }
	// Three pages of Downtown alerted: one expiring (10d then 3d), one
	// revoked, one expired.
	expiring, revoked, expired := f.DowntownPage, duePage(t, s, f, "Revoked", t0), duePage(t, s, f, "Expired", t0)
	alert := func(p *tokenwatch.Page, gen int64, state tokenwatch.State, step string) {
		t.Helper()
		clock.Advance(time.Minute)
		_, _, err := s.RecordSweep(ctx, []store.Outcome{{PageID: p.ID, Generation: gen, State: state, Step: step, Recipients: []int64{f.Member.ID},
			Notification: tokenwatch.Notification{Kind: step, Title: p.Name + " " + step}}}, none)
		must(t, err)
	}
	// Two pages with deadlines: the nearer comes first, whichever was
	// alerted last.
	later, soon := duePage(t, s, f, "Later", t0), duePage(t, s, f, "Soon", t0)
	for p, in := range map[*tokenwatch.Page]time.Duration{later: 8 * 24 * time.Hour, soon: 2 * 24 * time.Hour} {
		_, err := s.SaveGrant(ctx, p.ID, store.Grant{Credentials: Creds("x", ""), AccessExpiresAt: t0.Add(in), State: tokenwatch.StateExpiring})
		must(t, err)
	}
	alert(soon, 1, tokenwatch.StateExpiring, "3d")
	alert(later, 1, tokenwatch.StateExpiring, "10d")
	alert(expiring, 1, tokenwatch.StateExpiring, "10d")
	alert(revoked, 1, tokenwatch.StateRevoked, "revoked")
	alert(expiring, 1, tokenwatch.StateExpiring, "3d")
	alert(expired, 1, tokenwatch.StateExpired, "expired")
	n := &tokenwatch.Notification{UserID: f.Member.ID, Kind: "info", Title: "About no page"}
	_, err := s.CreateNotification(ctx, n, "")
	must(t, err)

	groups, next, err := s.NotificationGroups(ctx, f.Member.ID, "", 10, 5)
	must(t, err)
	order := func(gs []*store.NotificationGroup) []int64 {
		var ids []int64
		for _, g := range gs {
			ids = append(ids, g.PageID)
		}
		return ids
	}
	// Worst first: revoked, expired, expiring (the nearest deadline first,
	// none last), then what is about no page.
	if want := []int64{revoked.ID, expired.ID, soon.ID, later.ID, expiring.ID, 0}; !slices.Equal(order(groups), want) || next != "" {
		t.Fatalf("groups %v (next %q), want %v", order(groups), next, want)
	}
	if g := groups[4]; g.Count != 2 || g.Open != 2 || len(g.Items) != 2 || g.Items[0].Kind != "3d" || g.Items[1].Kind != "10d" {
		t.Errorf("the expiring page's group: %+v", g)
	}
	// A page of results at a time, with at most one notification each.
	var paged []*store.NotificationGroup
	for after, pages := "", 0; ; pages++ {
		gs, next, err := s.NotificationGroups(ctx, f.Member.ID, after, 1, 1)
		must(t, err)
		if len(gs) != 1 || len(gs[0].Items) != 1 || pages > 6 {
			t.Fatalf("page %d: %+v", pages, gs)
		}
		paged = append(paged, gs...)
		if next == "" {
			break
		}
		after = next
	}
	if !slices.Equal(order(paged), order(groups)) || paged[4].Count != 2 {
		t.Errorf("paged %v, want %v", order(paged), order(groups))
	}
	if _, _, err := s.NotificationGroups(ctx, f.Member.ID, "garbage!", 1, 1); tokenwatch.ErrorCode(err) != tokenwatch.CodeInvalid {
		t.Errorf("a cursor tokenwatch did not make: %v", err)
	}
	if unread, _ := s.UnreadNotifications(ctx, f.Member.ID); unread != 7 {
		t.Errorf("%d unread, want 7", unread)
	}

	// The expiring page is reconnected: its two notifications are resolved
	// (no longer unread), the others stay.
	_, err = s.SaveGrant(ctx, expiring.ID, store.Grant{Credentials: Creds("new", ""), NewGeneration: true, AccessExpiresAt: t0.Add(60 * 24 * time.Hour)})
	must(t, err)
	if unread, _ := s.UnreadNotifications(ctx, f.Member.ID); unread != 5 {
		t.Errorf("%d unread after the fix, want 5", unread)
	}
	groups, _, err = s.NotificationGroups(ctx, f.Member.ID, "", 10, 5)
	must(t, err)
	fixed := groups[slices.Index(order(groups), expiring.ID)]
	if fixed.Open != 0 || fixed.Items[0].ResolvedAt.IsZero() || fixed.Items[1].ResolvedAt.IsZero() {
		t.Errorf("the fixed page's group: %+v", fixed)
	}
	// A revoked page found healthy again (the same grant) is resolved too.
	must(t, s.SetPageStatus(ctx, revoked.ID, store.PageStatus{State: tokenwatch.StateHealthy, NextDueAt: clock.Now()}))
	// A sweep that finds the expired page healthy (its facts changed)
	// resolves it as it records the state.
	_, _, err = s.RecordSweep(ctx, []store.Outcome{{PageID: expired.ID, Generation: 1, State: tokenwatch.StateHealthy}}, none)
	must(t, err)
	if unread, _ := s.UnreadNotifications(ctx, f.Member.ID); unread != 3 {
		t.Errorf("%d unread once those pages are fixed, want 3 (Soon, Later and the one about no page)", unread)
	}
	// Dismissed notifications leave the list: one, then a whole group.
	must(t, s.DismissNotification(ctx, f.Member.ID, n.ID))
	must(t, s.DismissPageNotifications(ctx, f.Member.ID, revoked.ID))
	groups, _, err = s.NotificationGroups(ctx, f.Member.ID, "", 10, 5)
	must(t, err)
	if got := order(groups); slices.Contains(got, 0) || slices.Contains(got, revoked.ID) || len(got) != 4 {
		t.Errorf("after dismissing: %v", got)
	}
	if err := s.DismissNotification(ctx, f.Member.ID, n.ID); !tokenwatch.IsNotFound(err) {
		t.Errorf("dismissing twice: %v", err)
	}
}
