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
	e := newEnv(t)
	ctx := context.Background()
	p := storetest.NewPage(e.fixture.Downtown.ID, tokenwatch.LinkedIn, "li-soon", "Soon Expiring Page")
	// Noon, two days from today where the location is: "in 2 days" at
	// whatever hour the test runs.
	loc := e.fixture.Downtown.Loc()
	y, m, d := time.Now().In(loc).Date()
	p.AccessExpiresAt = time.Date(y, m, d+2, 12, 0, 0, 0, loc)
	if err := e.st.CreatePage(ctx, p, storetest.Creds("a", "")); err != nil {
		t.Fatal(err)
	}
	if _, err := alert.New(e.st, alert.Options{Policy: lifecycle.Default()}).Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"owner@demo.test", "manager@demo.test", "member@demo.test", "downtown@demo.test"} {
		_, body, _ := get(t, e.signIn(t, who), e.srv.URL+"/notifications")
		if !strings.Contains(body, "Soon Expiring Page (LinkedIn) expires in 2 days") || !strings.Contains(body, "(1 unread)") {
			t.Errorf("%s sees:\n%s", who, body)
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
	if strings.Contains(body, "Soon Expiring Page (LinkedIn) expires in 2 days") || strings.Contains(body, "unread)") {
		t.Errorf("the dismissed notification is still listed:\n%s", body)
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
