package web_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
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
			doc := parseHTML(t, body)
			items := doc.All("ul.notifications > li.notification")
			if len(items) != 1 || !slices.Contains(items[0].Classes(), "unread") ||
				!strings.HasPrefix(items[0].One("strong").Text(), "Soon Expiring Page (LinkedIn) expires in 2 days") ||
				doc.Maybe(`li.notification-group[data-page="`+strconv.FormatInt(p.ID, 10)+`"] h2 a[href="/pages/`+strconv.FormatInt(p.ID, 10)+`"]`) == nil ||
				doc.One("h1 small").Text() != "(1 unread)" {
				t.Errorf("at %s, %s sees %q", now.Format("15:04 MST"), who, texts(doc.All("main")))
			}
		}
	}

	// Another user's notification is not theirs to dismiss.
	ctx := context.Background()
	member := e.fixture.Member.ID
	c := e.signIn(t, "member@demo.test")
	_, body, _ := get(t, c, e.srv.URL+"/notifications")
	doc := parseHTML(t, body)
	csrf := doc.One(`form[action="/notifications/read"] input[name="csrf"]`).Attr("value")
	dismiss := doc.One(`li.notification form[action$="/dismiss"]`).Attr("action")
	other := e.signIn(t, "downtown@demo.test")
	_, otherBody, _ := get(t, other, e.srv.URL+"/notifications")
	otherCSRF := parseHTML(t, otherBody).One(`form.signout input[name="csrf"]`).Attr("value")
	if status, _, _ := post(t, other, e.srv.URL+dismiss, url.Values{"csrf": {otherCSRF}}); status != http.StatusNotFound {
		t.Errorf("another user dismissing the member's notification: %d, want 404", status)
	}
	if status, _, _ := post(t, c, e.srv.URL+dismiss, url.Values{"csrf": {"forged"}}); status != http.StatusForbidden {
		t.Errorf("dismiss with a forged token: %d", status)
	}
	if list, err := e.st.ListNotifications(ctx, member, 10); err != nil || len(list) != 1 || !list[0].DismissedAt.IsZero() {
		t.Fatalf("the member's notifications after the refused dismissals: %+v, %v", list, err)
	}

	// Dismissing leaves the page on the list of pages, with its state.
	if status, _, h := post(t, c, e.srv.URL+dismiss, url.Values{"csrf": {csrf}}); status != http.StatusSeeOther || h.Get("Location") != "/notifications" {
		t.Errorf("dismiss: %d %s", status, h.Get("Location"))
	}
	_, body, _ = get(t, c, e.srv.URL+"/notifications")
	if doc := parseHTML(t, body); doc.Maybe("li.notification") != nil || strings.Contains(body, "unread)") {
		t.Errorf("the dismissed notification is still listed:\n%s", body)
	}
	_, body, _ = get(t, c, e.srv.URL+"/")
	var state string
	for _, row := range parseHTML(t, body).All("table.issues tbody tr") {
		if row.One(`td[data-label="Page"]`).Text() == "Soon Expiring Page" {
			state = row.One(`td[data-label="State"]`).Text()
		}
	}
	if state != "Expiring" {
		t.Errorf("after dismissing its notification, the page is %q on the overview, want Expiring", state)
	}
	if status, _, _ := post(t, c, e.srv.URL+"/notifications/read", url.Values{"csrf": {csrf}}); status != http.StatusSeeOther {
		t.Errorf("mark read: %d", status)
	}
	if list, err := e.st.ListNotifications(ctx, member, 10); err != nil || len(list) != 1 || list[0].ReadAt.IsZero() {
		t.Errorf("the member's notifications after marking them read: %+v, %v", list, err)
	}
}
