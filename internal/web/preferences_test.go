package web_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/store/storetest"
	"github.com/tokenwatch/tokenwatch/internal/web"
)

func TestNotificationSettings(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.signIn(t, "member@demo.test")
	page := e.srv.URL + "/me/notifications"
	status, body, _ := get(t, c, page)
	// By default: every alert, in the first location's zone; the rule that
	// the expiry alert always reaches someone is said.
	if status != 200 || !regexp.MustCompile(`value="every" checked`).MatchString(body) || !strings.Contains(body, `id="zone-in-effect">Europe/Paris<`) ||
		!strings.Contains(body, "The expiry alert always reaches someone.") {
		t.Fatalf("the settings page: %d\n%s", status, body)
	}
	csrf := csrfOf(t, body)
	// A zone that does not exist: refused, what was chosen kept.
	status, body, _ = post(t, c, page, url.Values{"csrf": {csrf}, "mode": {"digest"}, "hour": {"7"}, "time_zone": {"Europe/Pariss"}})
	if status != 400 || !strings.Contains(body, `&#34;Europe/Pariss&#34; is not a time zone`) || !strings.Contains(body, `value="Europe/Pariss"`) ||
		!regexp.MustCompile(`value="digest" checked`).MatchString(body) || !strings.Contains(body, `<option value="7" selected>07:00</option>`) {
		t.Errorf("a bad zone: %d\n%s", status, body)
	}
	if p, _ := e.st.NotificationPrefs(context.Background(), e.fixture.Member.ID); p.Mode != tokenwatch.NotifyEvery {
		t.Errorf("a refused form changed the settings: %+v", p)
	}
	// A daily digest at 7 in Tokyo.
	status, _, h := post(t, c, page, url.Values{"csrf": {csrf}, "mode": {"digest"}, "hour": {"7"}, "time_zone": {"Asia/Tokyo"}})
	if status != http.StatusSeeOther || h.Get("Location") != "/me/notifications" {
		t.Fatalf("saving: %d", status)
	}
	p, _ := e.st.NotificationPrefs(context.Background(), e.fixture.Member.ID)
	if p.Mode != tokenwatch.NotifyDigest || p.DigestHour != 7 || p.Zone != "Asia/Tokyo" {
		t.Errorf("saved %+v", p)
	}
	_, body, _ = get(t, c, page)
	if !strings.Contains(body, "Saved: A daily digest by e-mail.") || !strings.Contains(body, "Your next digest: ") || !strings.Contains(body, " JST.") {
		t.Errorf("after saving:\n%s", body)
	}
	// Without a session, the sign-in page.
	if status, _, h := get(t, e.browser(t), page); status != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/login") {
		t.Errorf("anonymous: %d %s", status, h.Get("Location"))
	}
}

// TestOneClickUnsubscribe follows RFC 8058: the mail client POSTs
// "List-Unsubscribe=One-Click" to the link, with no cookie and no form
// token, and gets 200; the person is switched to in-app only. A GET (a mail
// scanner checking the link) changes nothing.
func TestOneClickUnsubscribe(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	e := newEnvWith(t, func(o *web.Options) {
		o.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	ctx := context.Background()
	if err := e.st.SetNotificationPrefs(ctx, e.fixture.Member.ID, tokenwatch.NotificationPrefs{Mode: tokenwatch.NotifyDigest, DigestHour: 9}); err != nil {
		t.Fatal(err)
	}
	token, err := e.st.UnsubscribeToken(ctx, e.fixture.Member.ID)
	if err != nil {
		t.Fatal(err)
	}
	link := e.srv.URL + "/unsubscribe/" + token.Reveal()
	mode := func() tokenwatch.NotifyMode {
		p, _ := e.st.NotificationPrefs(ctx, e.fixture.Member.ID)
		return p.Mode
	}
	status, body, _ := get(t, http.DefaultClient, link)
	if status != 200 || !strings.Contains(body, "Stop alert e-mails?") || !strings.Contains(body, `href="/me/notifications"`) || mode() != tokenwatch.NotifyDigest {
		t.Fatalf("GET: %d, mode %s\n%s", status, mode(), body)
	}
	// The mail client's POST, from elsewhere, with no session.
	req, _ := http.NewRequest(http.MethodPost, link, strings.NewReader("List-Unsubscribe=One-Click"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://mail.example.com")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || mode() != tokenwatch.NotifyInApp {
		t.Errorf("the one-click POST: %d, mode %s", resp.StatusCode, mode())
	}
	// Again: still 200. Another person's settings did not change.
	if status, _, _ := post(t, http.DefaultClient, link, url.Values{"List-Unsubscribe": {"One-Click"}}); status != 200 {
		t.Errorf("a second POST: %d", status)
	}
	if p, _ := e.st.NotificationPrefs(ctx, e.fixture.Owner.ID); p.Mode != tokenwatch.NotifyEvery {
		t.Errorf("the owner's mode changed: %s", p.Mode)
	}
	// A made-up link, or a user's id, does nothing.
	for _, bad := range []string{"nope", fmt.Sprint(e.fixture.Owner.ID)} {
		if status, _, _ := post(t, http.DefaultClient, e.srv.URL+"/unsubscribe/"+bad, nil); status != 404 {
			t.Errorf("unsubscribing %q: %d", bad, status)
		}
	}
	if strings.Contains(logs.String(), token.Reveal()) {
		t.Errorf("the logs hold the unsubscribe secret:\n%s", logs.String())
	}
}

// TestNotificationsGroupedAndPaged: a page of the list at a time, the worst
// page first, times in the person's zone; a fixed page's notifications are
// marked resolved and no longer counted.
func TestNotificationsGroupedAndPaged(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	none := func(store.Recorded) ([]store.Delivery, error) { return nil, nil }
	var pages []*tokenwatch.Page
	for i := range 23 {
		p := storetest.NewPage(e.fixture.Downtown.ID, tokenwatch.LinkedIn, fmt.Sprint("li-", i), fmt.Sprint("Page ", i))
		if err := e.st.CreatePage(ctx, p, storetest.Creds("a", "")); err != nil {
			t.Fatal(err)
		}
		state, step := tokenwatch.StateExpiring, "3d"
		if i == 7 {
			state, step = tokenwatch.StateRevoked, "revoked"
		}
		if _, _, err := e.st.RecordSweep(ctx, []store.Outcome{{PageID: p.ID, Generation: 1, State: state, Step: step, NextDueAt: at,
			Recipients: []int64{e.fixture.Member.ID}, Notification: tokenwatch.Notification{Kind: step, Title: p.Name + " " + step}}}, none); err != nil {
			t.Fatal(err)
		}
		pages = append(pages, p)
	}
	c := e.signIn(t, "member@demo.test")
	_, body, _ := get(t, c, e.srv.URL+"/notifications")
	groups := dataPages(body, `class="notification-groups"`, `class="pager"`)
	if len(groups) != 20 || groups[0] != fmt.Sprint(pages[7].ID) || !strings.Contains(body, "(23 unread)") {
		t.Fatalf("the first page lists %v", groups)
	}
	if !strings.Contains(body, "Times are Europe/Paris time.") || !regexp.MustCompile(`\d\d:\d\d CET</time>`).MatchString(body) {
		t.Errorf("times are not in the member's zone:\n%s", body)
	}
	next := regexp.MustCompile(`href="/notifications\?after=([^"]+)" rel="next"`).FindStringSubmatch(body)
	if next == nil {
		t.Fatal("no link to the next page")
	}
	_, body, _ = get(t, c, e.srv.URL+"/notifications?after="+next[1])
	if rest := dataPages(body, `class="notification-groups"`, `class="pager"`); len(rest) != 3 || strings.Contains(body, `rel="next"`) {
		t.Errorf("the second page lists %v", rest)
	}
	// The revoked page is reconnected: resolved, no longer unread.
	if _, err := e.st.SaveGrant(ctx, pages[7].ID, store.Grant{Credentials: storetest.Creds("b", ""), NewGeneration: true}); err != nil {
		t.Fatal(err)
	}
	_, body, _ = get(t, c, e.srv.URL+"/notifications")
	if groups := dataPages(body, `class="notification-groups"`, `class="pager"`); !strings.Contains(body, "(22 unread)") || groups[0] == fmt.Sprint(pages[7].ID) {
		t.Errorf("after the fix the list starts with %v", groups[:1])
	}
	// Healthy now, it comes last, marked resolved.
	next = regexp.MustCompile(`href="/notifications\?after=([^"]+)" rel="next"`).FindStringSubmatch(body)
	_, body, _ = get(t, c, e.srv.URL+"/notifications?after="+next[1])
	rest := dataPages(body, `class="notification-groups"`, `class="pager"`)
	if len(rest) != 3 || rest[2] != fmt.Sprint(pages[7].ID) || !strings.Contains(body, "Resolved</span>") || !strings.Contains(body, "fixed, these are resolved") {
		t.Errorf("the last page after the fix: %v\n%s", rest, body)
	}
}

// dataPages returns the data-page ids found in the part of the page after
// the first occurrence of start (or the whole page) and before end.
func dataPages(body, start, end string) []string {
	if i := strings.Index(body, start); i >= 0 && start != "" {
		body = body[i:]
	}
	if i := strings.Index(body, end); i >= 0 && end != "" {
		body = body[:i]
	}
	var ids []string
	for _, part := range strings.Split(body, `data-page="`)[1:] {
		ids = append(ids, part[:strings.IndexByte(part, '"')])
	}
	return ids
}
