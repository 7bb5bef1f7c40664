package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/alert"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/store/storetest"
)

func TestNotificationsAfterASweep(t *testing.T) {
	t.Parallel()
	// A page whose connection ends at noon, two days from today where the
	// location is, "expires in 2 days" at whatever hour of the day the
	// sweep and the reading happen: just after midnight, at noon, just
	// before midnight.
	var e *env
	for _, hour := range []time.Duration{30 * time.Minute, 12 * time.Hour, 23*time.Hour + 30*time.Minute} {
		paris, err := time.LoadLocation("Europe/Paris")
		if err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 11, 20, 0, 0, 0, 0, paris).Add(hour)
		e = newEnvAt(t, func() time.Time { return now })
		loc := e.fixture.Downtown.Loc()
		if loc.String() != paris.String() {
			t.Fatalf("Downtown is in %s, the test assumes %s", loc, paris)
		}
		p := storetest.NewPage(e.fixture.Downtown.ID, tokenwatch.LinkedIn, "li-soon", "Soon Expiring Page")
		p.AccessExpiresAt = time.Date(2026, 11, 22, 12, 0, 0, 0, loc)
		ctx := context.Background()
		if err := e.st.CreatePage(ctx, p, storetest.Creds("a", "")); err != nil {
			t.Fatal(err)
		}
		if _, err := alert.New(e.st, alert.Options{Policy: lifecycle.Default(), Now: func() time.Time { return now }}).Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		for _, who := range []string{"owner@demo.test", "manager@demo.test", "member@demo.test", "downtown@demo.test"} {
			_, body, _ := get(t, e.signIn(t, who), e.srv.URL+"/notifications")
			if !strings.Contains(body, "Soon Expiring Page (LinkedIn) expires in 2 days") || !strings.Contains(body, "(1 unread)") {
				t.Errorf("at %s, %s sees:\n%s", now.Format("15:04 MST"), who, body)
			}
		}
	}

	// Dismissing leaves the page on the list of pages, with its state.
	c := e.signIn(t, "member@demo.test")
	_, body, _ := get(t, c, e.srv.URL+"/notifications")
	csrf := csrfRE.FindStringSubmatch(body)[1]
	id := regexp.MustCompile(`/notifications/(\d+)/dismiss`).FindStringSubmatch(body)[1]
	if status, _, _ := post(t, c, e.srv.URL+"/notifications/"+id+"/dismiss", url.Values{"csrf": {"forged"}}); status != http.StatusForbidden {
		t.Errorf("dismiss with a forged token: %d", status)
	}
	if status, _, h := post(t, c, e.srv.URL+"/notifications/"+id+"/dismiss", url.Values{"csrf": {csrf}}); status != http.StatusSeeOther || h.Get("Location") != "/notifications" {
		t.Errorf("dismiss: %d %s", status, h.Get("Location"))
	}
	_, body, _ = get(t, c, e.srv.URL+"/notifications")
	if !strings.Contains(body, "dismissed") || strings.Contains(body, "unread)") {
		t.Errorf("after dismissing:\n%s", body)
	}
	_, body, _ = get(t, c, e.srv.URL+"/")
	if !strings.Contains(body, "Soon Expiring Page") || !strings.Contains(body, "Expiring") {
		t.Errorf("the page left the list after dismissing its notification:\n%s", body)
	}
	// Another user's notifications stay theirs.
	if status, _, _ := post(t, e.signIn(t, "downtown@demo.test"), e.srv.URL+"/notifications/"+id+"/dismiss", url.Values{"csrf": {"x"}}); status == http.StatusSeeOther {
		t.Error("dismissed another user's notification")
	}
	if status, _, _ := post(t, c, e.srv.URL+"/notifications/read", url.Values{"csrf": {csrf}}); status != http.StatusSeeOther {
		t.Errorf("mark read: %d", status)
	}
}
