package alert_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/store/storetest"
)

func (w *world) prefer(t *testing.T, u *tokenwatch.User, p tokenwatch.NotificationPrefs) {
	t.Helper()
	if err := w.st.SetNotificationPrefs(context.Background(), u.ID, p); err != nil {
		t.Fatal(err)
	}
}

// waitMail waits until n messages arrived (more would show up in the next
// check) and returns them.
func waitMail(t *testing.T, w *world, n int) {
	t.Helper()
	w.settle(t)
	if got := w.smtp.Wait(n, 15*time.Second); len(got) != n {
		t.Fatalf("%d messages arrived, want %d:\n%s", len(got), n, subjects(got))
	}
}

// TestDigestAtTheChosenHourInTwoZones: the member reads a daily digest at
// 9 in Paris (their first location's zone), the manager at 9 in New York;
// the others get the alert at once. Each digest comes at its hour, with
// times in its reader's zone.
func TestDigestAtTheChosenHourInTwoZones(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.prefer(t, w.f.Member, tokenwatch.NotificationPrefs{Mode: tokenwatch.NotifyDigest, DigestHour: 9})
	w.prefer(t, w.f.Manager, tokenwatch.NotificationPrefs{Mode: tokenwatch.NotifyDigest, DigestHour: 9, TimeZone: "America/New_York"})
	// A minute later (10:01 in Paris), a page 2 days from its deadline.
	w.clock.Advance(time.Minute)
	p := w.page(t, "Bakery", t0.Add(2*day+5*time.Hour))
	rep := w.sweep(t)
	if rep.Alerts["3d"] != 4 || rep.Deliveries["email"] != 2 {
		t.Fatalf("the 3-day alert: %+v", rep)
	}
	waitMail(t, w, 2) // the owner and downtown@, at once
	// 08:59 in New York: no digest yet.
	w.at(t, time.Date(2026, 11, 20, 13, 59, 0, 0, time.UTC))
	waitMail(t, w, 2)
	// 09:00 in New York (14:00 UTC): the manager's, in New York time.
	rep = w.at(t, time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC))
	if rep.Digests != 1 {
		t.Errorf("at 9 in New York %d digests were due", rep.Digests)
	}
	waitMail(t, w, 3)
	m := mailTo(t, w.smtp.Messages(), "manager@demo.test")
	if len(m) != 1 || m[0].Subject != "Daily digest: LinkedIn page expires in 2 days – Downtown" ||
		!strings.Contains(m[0].Text, "Deadline: Sun 22 November 2026, 09:00 EST (America/New_York)") ||
		!strings.Contains(m[0].Text, fmt.Sprintf("/pages/%d/reconnect", p.ID)) {
		t.Errorf("the manager's digest: %q\n%s", m[0].Subject, m[0].Text)
	}
	// The next day, 08:59 in Paris: nothing more.
	w.at(t, time.Date(2026, 11, 21, 7, 59, 0, 0, time.UTC))
	waitMail(t, w, 3)
	// 09:00 in Paris: the member's, in Paris time, with whom to ask.
	w.at(t, time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC))
	waitMail(t, w, 4)
	m = mailTo(t, w.smtp.Messages(), "member@demo.test")
	if len(m) != 1 || m[0].Subject != "Daily digest: LinkedIn page expires tomorrow – Downtown" ||
		!strings.Contains(m[0].Text, "Deadline: Sun 22 November 2026, 15:00 CET (Europe/Paris)") || !strings.Contains(m[0].Text, fmt.Sprintf("/pages/%d/ask", p.ID)) {
		t.Errorf("the member's digest: %q\n%s", m[0].Subject, m[0].Text)
	}
	// A day later, nothing new: no digest (an empty one sends nothing).
	w.at(t, time.Date(2026, 11, 22, 8, 30, 0, 0, time.UTC))
	waitMail(t, w, 4)
}

// TestTheExpiryAlertReachesSomeone: everyone at the location chose in-app
// only; the warnings send no e-mail, the expiry alert is e-mailed to the
// page admin; a page fixed since its alert leaves a digest out.
func TestTheExpiryAlertReachesSomeone(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for _, u := range []*tokenwatch.User{w.f.Owner, w.f.Manager, w.f.Member, w.f.DowntownOnly} {
		w.prefer(t, u, tokenwatch.NotificationPrefs{Mode: tokenwatch.NotifyInApp})
	}
	p := storetest.NewPage(w.f.Downtown.ID, tokenwatch.LinkedIn, "li-admin", "Admin's Page")
	p.AccessExpiresAt, p.LastCheckedAt, p.ConnectedBy = t0.Add(2*day), t0, w.f.Manager.ID
	if err := w.st.CreatePage(context.Background(), p, storetest.Creds("a", "")); err != nil {
		t.Fatal(err)
	}
	rep := w.sweep(t)
	if rep.Alerts["3d"] != 4 || rep.Deliveries["email"] != 0 {
		t.Fatalf("the 3-day alert, everyone in-app: %+v", rep)
	}
	rep = w.at(t, t0.Add(2*day+time.Minute))
	if rep.Alerts["expired"] != 4 || rep.Deliveries["email"] != 1 {
		t.Fatalf("the expiry alert: %+v", rep)
	}
	waitMail(t, w, 1)
	if m := mailTo(t, w.smtp.Messages(), "manager@demo.test"); m[0].Subject != "LinkedIn page has expired – Downtown" {
		t.Errorf("the page admin got %q", m[0].Subject)
	}
	// Every recipient has it in the app.
	for _, u := range []*tokenwatch.User{w.f.Owner, w.f.Member, w.f.DowntownOnly} {
		if n, _ := w.st.UnreadNotifications(context.Background(), u.ID); n != 2 {
			t.Errorf("%s has %d unread notifications, want 2", u.Email, n)
		}
	}
}

// TestEscalationOncePerGeneration: 2 days after the expiry alert, the
// page still expired, the account's owners are told, once, who was told
// and when; after a reconnect and a new expiry, once more.
func TestEscalationOncePerGeneration(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	// A second owner, who does not take part in Downtown.
	owner2 := &tokenwatch.User{AccountID: w.f.Account.ID, Email: "owner2@demo.test", Name: "Otto Owner", AccountOwner: true}
	if err := w.st.CreateUser(context.Background(), owner2, "x"); err != nil {
		t.Fatal(err)
	}
	deadline := t0.Add(time.Hour)
	p := w.page(t, "Stuck", deadline)
	w.sweep(t) // 3d
	waitMail(t, w, 4)
	w.at(t, deadline.Add(time.Minute)) // expired, told to the 4 at Downtown
	waitMail(t, w, 8)
	told := deadline.Add(time.Minute)
	w.at(t, told.Add(2*day-time.Minute))
	waitMail(t, w, 8)
	rep := w.at(t, told.Add(2*day))
	if rep.Alerts["escalated"] != 2 {
		t.Fatalf("2 days after the expiry alert: %+v", rep.Alerts)
	}
	waitMail(t, w, 10)
	// Each owner reads the times in their zone: Downtown's for the owner
	// (their first location), UTC for owner2 (none).
	for to, when := range map[string]string{"owner@demo.test": "Fri 20 November 2026, 11:01 CET (Europe/Paris)", "owner2@demo.test": "Fri 20 November 2026, 10:01 UTC"} {
		ms := mailTo(t, w.smtp.Messages(), to)
		m := ms[len(ms)-1]
		if m.Subject != "LinkedIn page still expired – Downtown" {
			t.Errorf("%s: %q", to, m.Subject)
		}
		for _, who := range []string{"downtown@demo.test", "manager@demo.test", "member@demo.test", "owner@demo.test"} {
			if !strings.Contains(m.Text, who+", on "+when) {
				t.Errorf("%s's escalation does not say %s was told, and when:\n%s", to, who, m.Text)
			}
		}
	}
	// The in-app notification says it too.
	list, _ := w.st.ListNotifications(context.Background(), owner2.ID, 5)
	if len(list) != 1 || list[0].Kind != "escalated" || !strings.Contains(list[0].Body, "Told on Fri 20 November, 11:01 CET") {
		t.Errorf("owner2's notifications: %+v", list)
	}
	// Days later: nothing more.
	w.at(t, told.Add(6*day))
	waitMail(t, w, 10)
	// A reconnect whose grant expires again: a new ladder, a new escalation.
	newDeadline := w.clock.Now().Add(time.Hour)
	if _, err := w.st.SaveGrant(context.Background(), p.ID, store.Grant{Credentials: storetest.Creds("new", ""), AccessExpiresAt: newDeadline,
		NewGeneration: true, State: tokenwatch.StateExpiring}); err != nil {
		t.Fatal(err)
	}
	w.sweep(t)
	w.at(t, newDeadline.Add(time.Minute))
	rep = w.at(t, newDeadline.Add(2*day+2*time.Minute))
	if rep.Alerts["escalated"] != 2 {
		t.Errorf("the second generation's escalation: %+v", rep.Alerts)
	}
	waitMail(t, w, 20)
}

// TestAlertEmailsCarryTheUnsubscribeLink: every alert e-mail has the
// RFC 8058 headers, with a link that names its recipient by a secret (not
// their id), which the store finds them by.
func TestAlertEmailsCarryTheUnsubscribeLink(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.page(t, "Bakery", t0.Add(2*day))
	w.sweep(t)
	waitMail(t, w, 4)
	for _, m := range w.smtp.Messages() {
		link := strings.Trim(m.Header.Get("List-Unsubscribe"), "<>")
		token, ok := strings.CutPrefix(link, "https://tw.example/unsubscribe/")
		if !ok || len(token) < 40 || m.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" || !strings.Contains(m.Text, link) {
			t.Errorf("%s: List-Unsubscribe %q, Post %q", m.To, link, m.Header.Get("List-Unsubscribe-Post"))
			continue
		}
		u, err := w.st.UnsubscribeUser(context.Background(), token)
		if err != nil || !strings.Contains(m.To, u.Email) {
			t.Errorf("%s's link names %v (%v)", m.To, u, err)
		}
	}
	// The outbox keeps the digest without the link (its secret).
	for _, d := range storetest.Deliveries(t, w.st, storetest.DeliveryFilter{Channel: store.ChannelEmail}) {
		if strings.Contains(d.Payload, "unsubscribe") {
			t.Errorf("the stored digest holds the unsubscribe link: %s", d.Payload)
		}
	}
}

// TestFixedPagesNotificationsAreResolved: once reconnected, the page's
// alerts are no longer unread for anyone.
func TestFixedPagesNotificationsAreResolved(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	p := w.page(t, "Fixed", t0.Add(2*day))
	w.sweep(t)
	if n, _ := w.st.UnreadNotifications(context.Background(), w.f.Member.ID); n != 1 {
		t.Fatalf("%d unread before the fix", n)
	}
	if _, err := w.st.SaveGrant(context.Background(), p.ID, store.Grant{Credentials: storetest.Creds("new", ""), AccessExpiresAt: t0.Add(60 * day),
		NewGeneration: true}); err != nil {
		t.Fatal(err)
	}
	w.sweep(t)
	for _, u := range []*tokenwatch.User{w.f.Owner, w.f.Manager, w.f.Member, w.f.DowntownOnly} {
		if n, _ := w.st.UnreadNotifications(context.Background(), u.ID); n != 0 {
			t.Errorf("%s: %d unread after the fix", u.Email, n)
		}
	}
}
