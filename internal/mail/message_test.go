package mail_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/mail"
)

var at = time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)

func item(p tokenwatch.Provider, page, location string, state tokenwatch.State, step string, deadline time.Time) mail.Item {
	return mail.Item{PageID: 7, Provider: p, Page: page, Location: location, TimeZone: "Europe/Paris", Step: step, State: state,
		Deadline: deadline, ReconnectURL: "https://tw.example/pages/7/reconnect"}
}

// TestSubjects: short enough to read on a phone, saying what is wrong and
// where.
func TestSubjects(t *testing.T) {
	t.Parallel()
	expiring := item(tokenwatch.Facebook, "Demo Bakery Downtown", "Downtown", tokenwatch.StateExpiring, "3d", at.Add(3*24*time.Hour))
	expired := item(tokenwatch.LinkedIn, "Demo Bakery", "Harbor", tokenwatch.StateExpired, "expired", at.Add(-time.Hour))
	revoked := item(tokenwatch.GoogleBusiness, "Demo Bakery – Downtown", "Downtown", tokenwatch.StateRevoked, "revoked", time.Time{})
	escalated := expired
	escalated.Step = "escalated"
	tests := []struct {
		d    mail.Digest
		want string
	}{
		{mail.Digest{At: at, Items: []mail.Item{expiring}}, "Facebook page expires in 3 days – Downtown"},
		{mail.Digest{At: at, Items: []mail.Item{expired}}, "LinkedIn page has expired – Harbor"},
		{mail.Digest{At: at, Items: []mail.Item{revoked}}, "Google Business Profile page access revoked – Downtown"},
		{mail.Digest{At: at, Items: []mail.Item{expiring, expired, revoked}, Account: "Demo Brand"}, "3 pages need reconnecting – Demo Brand"},
		{mail.Digest{At: at, Items: []mail.Item{expiring, revoked}, Account: "Demo Brand", Daily: true}, "Daily digest: 2 pages need reconnecting – Demo Brand"},
		{mail.Digest{At: at, Items: []mail.Item{expiring}, Daily: true}, "Daily digest: Facebook page expires in 3 days – Downtown"},
		{mail.Digest{At: at, Items: []mail.Item{escalated}}, "LinkedIn page still expired – Harbor"},
	}
	for _, tt := range tests {
		m, err := mail.Render(tt.d)
		if err != nil {
			t.Fatal(err)
		}
		if m.Subject != tt.want {
			t.Errorf("subject %q, want %q", m.Subject, tt.want)
		}
		if n := utf8.RuneCountInString(m.Subject); n > 60 {
			t.Errorf("%q is %d characters, too long for a phone", m.Subject, n)
		}
	}
}

// TestTimesInTheRecipientsZone: a recipient in New York reads New York
// times, the zone named, whatever the page's location.
func TestTimesInTheRecipientsZone(t *testing.T) {
	t.Parallel()
	it := item(tokenwatch.Facebook, "Demo Bakery Downtown", "Downtown", tokenwatch.StateExpiring, "3d", time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC))
	it.PostsAtRisk, it.EarliestPost = 1, time.Date(2026, 11, 30, 23, 30, 0, 0, time.UTC)
	m, err := mail.Render(mail.Digest{At: at, Items: []mail.Item{it}, TimeZone: "America/New_York"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Deadline: Wed 2 December 2026, 04:00 EST (America/New_York)", "1 scheduled post at risk, on Mon 30 November 2026, 18:30 EST (America/New_York)",
		"Times are America/New_York time."} {
		if !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, want) {
			t.Errorf("the e-mail lacks %q:\n%s", want, m.Text)
		}
	}
	if strings.Contains(m.Text, "CET") {
		t.Errorf("the e-mail gives the location's time:\n%s", m.Text)
	}
}

// TestMembersAreToldWhomToAsk: someone who cannot reconnect gets the page
// admin and a link to ask someone, never a Reconnect link.
func TestMembersAreToldWhomToAsk(t *testing.T) {
	t.Parallel()
	it := item(tokenwatch.Facebook, "Demo Bakery Downtown", "Downtown", tokenwatch.StateExpired, "expired", at.Add(-time.Hour))
	it.CannotReconnect, it.Contact, it.AskURL = true, "Marco Manager <manager@demo.test>", "https://tw.example/pages/7/ask"
	m, err := mail.Render(mail.Digest{At: at, Items: []mail.Item{it}})
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{m.Text, m.HTML} {
		if strings.Contains(body, "/reconnect") || !strings.Contains(body, "https://tw.example/pages/7/ask") || !strings.Contains(body, "Marco Manager") {
			t.Errorf("a member's e-mail:\n%s", body)
		}
	}
	if !strings.Contains(m.HTML, ">Ask someone to reconnect</a>") {
		t.Errorf("no ask link in the HTML:\n%s", m.HTML)
	}
}

// TestUnsubscribe: the links to the settings and the one-click unsubscribe
// in the body, and the headers of RFC 8058.
func TestUnsubscribe(t *testing.T) {
	t.Parallel()
	d := mail.Digest{At: at, Items: []mail.Item{item(tokenwatch.X, "@bakery", "Downtown", tokenwatch.StateRevoked, "revoked", time.Time{})},
		BaseURL: "https://tw.example", UnsubscribeURL: "https://tw.example/unsubscribe/tok123"}
	m, err := mail.Render(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"https://tw.example/me/notifications", "https://tw.example/unsubscribe/tok123"} {
		if !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, want) {
			t.Errorf("the e-mail lacks %q", want)
		}
	}
	h := m.Headers()
	if len(h) != 2 || h[0] != [2]string{"List-Unsubscribe", "<https://tw.example/unsubscribe/tok123>"} || h[1] != [2]string{"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"} {
		t.Errorf("headers %v", h)
	}
}

// TestEscalationSaysWhoWasTold names each person told, how and when.
func TestEscalationSaysWhoWasTold(t *testing.T) {
	t.Parallel()
	it := item(tokenwatch.Facebook, "Demo Bakery Riverside", "Riverside", tokenwatch.StateExpired, "escalated", at.Add(-50*time.Hour))
	it.Told = []mail.Told{{Name: "Mia Member", Email: "member@demo.test", At: at.Add(-49 * time.Hour), How: "by e-mail"},
		{Name: "Dan Downtown", Email: "downtown@demo.test", At: at.Add(-49 * time.Hour), How: "in the app only"}}
	m, err := mail.Render(mail.Digest{At: at, Items: []mail.Item{it}, TimeZone: "Europe/Paris"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Still disconnected", "Mia Member <member@demo.test>, by e-mail, on Fri 27 November 2026, 09:00 CET (Europe/Paris)",
		"Dan Downtown <downtown@demo.test>, in the app only"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("the escalation lacks %q:\n%s", want, m.Text)
		}
	}
	if !strings.Contains(m.HTML, "Mia Member &lt;member@demo.test&gt;, by e-mail, on Fri 27 November 2026, 09:00 CET (Europe/Paris)") {
		t.Errorf("the HTML:\n%s", m.HTML)
	}
}
