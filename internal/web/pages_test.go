package web_test

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/demo"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/web"
)

// ids maps demo provider page ids to the ids the pages got.
func (e *demoEnv) ids(providerIDs []string) []string {
	out := make([]string, len(providerIDs))
	for i, p := range providerIDs {
		out[i] = e.pageID(p)
	}
	return out
}

func TestIssuesListWorstFirstWithButtonsOrContacts(t *testing.T) {
	t.Parallel()
	e := newDemo(t)
	for _, email := range []string{"owner@demo.test", "manager@demo.test", "member@demo.test"} {
		c, _ := e.signIn(t, email)
		status, body, _ := get(t, c, e.srv.URL+"/issues")
		if status != http.StatusOK {
			t.Fatalf("%s: /issues = %d", email, status)
		}
		table := section(body, `<table class="issues"`, `</table>`)
		if got, want := dataPages(table, "", ""), e.ids(demoIssues); !slices.Equal(got, want) {
			t.Errorf("%s: issues %v, want worst first %v", email, got, want)
		}
		buttons := strings.Count(table, `action="/pages/`)
		contacts := strings.Count(table, `class="contact"`)
		if email == "member@demo.test" {
			if buttons != 0 || contacts != len(demoIssues) || !strings.Contains(table, "Marco Manager at <a href=\"mailto:manager@demo.test\">") {
				t.Errorf("member: %d Reconnect buttons and %d contact lines, want 0 and %d:\n%s", buttons, contacts, len(demoIssues), table)
			}
		} else if buttons != len(demoIssues) || contacts != 0 {
			t.Errorf("%s: %d Reconnect buttons and %d contact lines, want %d and 0", email, buttons, contacts, len(demoIssues))
		}
		for _, want := range []string{"Access revoked", "Expired", "Permission missing", "Expiring", "expires in 2 days", "expired 2 days ago"} {
			if !strings.Contains(table, want) {
				t.Errorf("%s: the list does not say %q", email, want)
			}
		}
	}
}

func TestIssuesPostsAtRiskAndChart(t *testing.T) {
	t.Parallel()
	e := newDemo(t)
	c, _ := e.signIn(t, "owner@demo.test")
	_, body, _ := get(t, c, e.srv.URL+"/issues")
	// The expired Riverside Facebook page holds two posts, the first
	// tomorrow at 10:00 Riverside time.
	row := section(body, `data-page="`+e.pageID("fb-riverside")+`"`, `</tr>`)
	if !strings.Contains(row, "2 posts, the first Thu 12 Mar 10:00") {
		t.Errorf("fb-riverside row:\n%s", row)
	}
	chart := section(body, `<figure class="timeline"`, `</figure>`)
	// Deadlines are counted per day; the sentence says what the marks
	// count and how many of them are in the list.
	for _, want := range []string{`role="img"`, `<title id="timeline-title">Connection deadlines over the next 30 days</title>`,
		`<desc id="timeline-desc">4 connections end in the next 30 days, 4 of them need reconnecting now; 1 has ended already.</desc>`,
		"10-day alert", "3-day alert", "The deadlines day by day", "1 connection has ended already (need reconnecting)",
		"1 connection ends on Fri 13 March (expiring)"} {
		if !strings.Contains(chart, want) {
			t.Errorf("the chart lacks %q:\n%s", want, chart)
		}
	}
	if n := strings.Count(chart, `<g class="point`); n != 5 {
		t.Errorf("the chart has %d marks, want 5 (4 days with deadlines to come, 1 for those passed)", n)
	}
}

func TestIssuesFilters(t *testing.T) {
	t.Parallel()
	e := newDemo(t)
	c, _ := e.signIn(t, "member@demo.test")
	tests := []struct {
		query string
		want  []string
	}{
		{"location=" + e.locID("Riverside"), []string{"fb-riverside", "pin-riverside", "li-riverside"}},
		{"network=linkedin", []string{"li-airport", "li-riverside"}},
		{"network=linkedin&location=" + e.locID("Airport"), []string{"li-airport"}},
		{"network=youtube", nil},
		{"location=&network=", demoIssues},
	}
	for _, tt := range tests {
		status, body, _ := get(t, c, e.srv.URL+"/issues?"+tt.query)
		got := dataPages(section(body, `<h2 id="issues-title"`, `</main>`), "", "")
		if status != http.StatusOK || !slices.Equal(got, e.ids(tt.want)) {
			t.Errorf("/issues?%s: %d %v, want %v", tt.query, status, got, e.ids(tt.want))
		}
		if tt.want == nil && !strings.Contains(body, "No page matching these filters needs reconnecting.") {
			t.Errorf("/issues?%s does not say that nothing matches", tt.query)
		}
	}
	for query, want := range map[string]int{"network=myspace": 400, "location=x": 404, "location=99999": 404} {
		if status, _, _ := get(t, c, e.srv.URL+"/issues?"+query); status != want {
			t.Errorf("/issues?%s = %d, want %d", query, status, want)
		}
	}
}

func TestDowntownMemberNeverSeesOtherLocations(t *testing.T) {
	t.Parallel()
	e := newDemo(t)
	c, csrf := e.signIn(t, "downtown@demo.test")
	others := []string{"Riverside", "Airport", "Demo Bakery TV", "@demobakery.airport"}
	for _, path := range []string{"/", "/issues", "/calendar", "/calendar?view=month", "/calendar?view=month&date=2026-04-01",
		"/posts/new", "/locations", "/issues?network=linkedin"} {
		status, body, _ := get(t, c, e.srv.URL+path)
		if status != http.StatusOK {
			t.Errorf("%s = %d", path, status)
		}
		for _, o := range others {
			if strings.Contains(body, o) {
				t.Errorf("%s shows %q to downtown@", path, o)
			}
		}
	}
	_, body, _ := get(t, c, e.srv.URL+"/issues")
	if got, want := dataPages(section(body, `<table class="issues"`, `</table>`), "", ""), e.ids(demoDowntownIssues); !slices.Equal(got, want) {
		t.Errorf("downtown@ issues %v, want %v", got, want)
	}

	// Typed URLs and forged forms about other locations are not found.
	riverside, airportPage := e.locID("Riverside"), e.pageID("yt-airport")
	for _, path := range []string{"/issues?location=" + riverside, "/calendar?location=" + riverside, "/posts/new?location=" + riverside,
		"/posts/new?page=" + airportPage, "/posts/new?page=" + e.pageID("fb-downtown") + "&page=" + airportPage} {
		status, body, _ := get(t, c, e.srv.URL+path)
		if status != http.StatusNotFound || strings.Contains(body, "Demo Bakery TV") || strings.Contains(body, "Riverside") {
			t.Errorf("%s = %d, want 404 without a word of the other location", path, status)
		}
	}
	for _, form := range []url.Values{
		{"location": {e.locID("Downtown")}, "page": {airportPage}},
		{"location": {riverside}, "page": {e.pageID("fb-riverside")}},
		{"location": {e.locID("Downtown")}, "page": {e.pageID("fb-downtown"), e.pageID("fb-riverside")}},
	} {
		form.Set("csrf", csrf)
		form.Set("text", "Hello")
		form.Set("at", "2026-03-20T09:00")
		if status, _, _ := post(t, c, e.srv.URL+"/posts", form); status != http.StatusNotFound {
			t.Errorf("POST /posts %v = %d, want 404", form, status)
		}
	}
	if posts, _ := e.st.ListPosts(t.Context(), store.PostFilter{}); len(posts) != len(demo.Posts) {
		t.Errorf("%d posts after the forged forms, want %d", len(posts), len(demo.Posts))
	}
}

var countRE = regexp.MustCompile(`id="(nav-[a-z-]+)"[^>]*>[^<]*(?:<span class="count">(\d+)</span>)?`)

// menuOf returns the menu's entries with their badge counts ("" if none).
func menuOf(body string) map[string]string {
	m := map[string]string{}
	for _, s := range countRE.FindAllStringSubmatch(body, -1) {
		m[s[1]] = s[2]
	}
	return m
}

func TestMenuOnEveryPage(t *testing.T) {
	t.Parallel()
	e := newDemo(t)
	owner, _ := e.signIn(t, "owner@demo.test")
	downtown, _ := e.signIn(t, "downtown@demo.test")
	u, _, _ := e.st.UserLogin(t.Context(), "owner@demo.test")
	for range 3 {
		if _, err := e.st.CreateNotification(t.Context(), &tokenwatch.Notification{UserID: u.ID, Kind: "info", Title: "Hello"}, ""); err != nil {
			t.Fatal(err)
		}
	}
	for _, path := range []string{"/", "/issues", "/calendar", "/posts/new", "/locations", "/issues?location=999"} {
		_, body, _ := get(t, owner, e.srv.URL+path)
		want := map[string]string{"nav-issues": "7", "nav-calendar": "", "nav-new-post": "", "nav-locations": "", "nav-notifications": "3", "nav-outbox": ""}
		if got := menuOf(body); !mapsEqual(got, want) {
			t.Errorf("owner's menu on %s: %v, want %v", path, got, want)
		}
		_, body, _ = get(t, downtown, e.srv.URL+path)
		want = map[string]string{"nav-issues": "2", "nav-calendar": "", "nav-new-post": "", "nav-locations": "", "nav-notifications": "", "nav-outbox": ""}
		if got := menuOf(body); !mapsEqual(got, want) {
			t.Errorf("downtown's menu on %s: %v, want %v", path, got, want)
		}
	}
	_, body, _ := get(t, owner, e.srv.URL+"/calendar")
	if !strings.Contains(body, `id="nav-calendar" href="/calendar" aria-current="page"`) ||
		!strings.Contains(body, `<span class="count">7</span><span class="visually-hidden"> pages need reconnecting</span>`) {
		t.Error("the menu does not mark the current page, or the badge has no words for screen readers")
	}

	// Outside the demo there is no outbox.
	f := newEnv(t)
	_, body, _ = get(t, f.signIn(t, "owner@demo.test"), f.srv.URL+"/")
	if m := menuOf(body); m["nav-issues"] != "" || strings.Contains(body, "nav-outbox") {
		t.Errorf("production menu with healthy pages: %v", m)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestLoginPopup(t *testing.T) {
	t.Parallel()
	e := newDemo(t)
	c, csrf := e.signIn(t, "manager@demo.test")
	_, body, _ := get(t, c, e.srv.URL+"/calendar")
	popup := section(body, `<dialog id="login-popup"`, `</dialog>`)
	if got := dataPages(popup, "", ""); !slices.Equal(got, e.ids(demoIssues)) {
		t.Fatalf("the pop-up lists %v, want %v", got, e.ids(demoIssues))
	}
	if n := strings.Count(popup, `class="danger"`); n != len(demoIssues) || !strings.Contains(popup, `action="/pages/`+e.pageID("gbp-downtown")+`/reconnect"`) ||
		!strings.Contains(popup, "7 pages need reconnecting") {
		t.Errorf("the manager's pop-up has %d Reconnect buttons:\n%s", n, popup)
	}
	if !strings.Contains(body, `<div class="page" inert>`) {
		t.Error("the page behind the pop-up is not inert")
	}
	// Closing it with a forged token does not.
	if status, _, _ := post(t, c, e.srv.URL+"/popup/close", url.Values{"csrf": {"forged"}}); status != http.StatusForbidden {
		t.Errorf("closing with a forged token: %d", status)
	}
	status, _, h := post(t, c, e.srv.URL+"/popup/close", url.Values{"csrf": {csrf}, "next": {"/calendar?view=month"}})
	if status != http.StatusSeeOther || h.Get("Location") != "/calendar?view=month" {
		t.Errorf("closing: %d to %q", status, h.Get("Location"))
	}
	for _, path := range []string{"/", "/issues"} {
		if _, body, _ := get(t, c, e.srv.URL+path); strings.Contains(body, "login-popup") || strings.Contains(body, " inert") {
			t.Errorf("the closed pop-up is back on %s", path)
		}
	}
	// It comes back at the next sign-in; "see all issues" leads there.
	c, csrf = e.signIn(t, "manager@demo.test")
	if _, body, _ := get(t, c, e.srv.URL+"/"); !strings.Contains(body, "login-popup") {
		t.Error("no pop-up at the next sign-in")
	}
	if _, _, h := post(t, c, e.srv.URL+"/popup/close", url.Values{"csrf": {csrf}, "next": {"/"}, "show": {"issues"}}); h.Get("Location") != "/issues" {
		t.Errorf("close and see all issues leads to %q", h.Get("Location"))
	}

	// A member gets contact lines naming the page admin.
	c, _ = e.signIn(t, "member@demo.test")
	_, body, _ = get(t, c, e.srv.URL+"/")
	popup = section(body, `<dialog id="login-popup"`, `</dialog>`)
	if strings.Contains(popup, `class="danger"`) || strings.Count(popup, `class="contact"`) != len(demoIssues) ||
		!strings.Contains(popup, `Contact Olivia Owner at <a href="mailto:owner@demo.test">owner@demo.test</a> to reconnect it.`) {
		t.Errorf("the member's pop-up:\n%s", popup)
	}

	// Without issues there is no pop-up.
	f := newEnv(t)
	if _, body, _ := get(t, f.signIn(t, "member@demo.test"), f.srv.URL+"/"); strings.Contains(body, "login-popup") {
		t.Error("a pop-up without issues")
	}
}

func TestLocationsWorstFirst(t *testing.T) {
	t.Parallel()
	e := newDemo(t)
	rowRE := regexp.MustCompile(`(?s)data-location="(\d+)".*?<td data-label="Need reconnecting">(?:<span class="count issues-count">|<span class="issues-count">)(\d+)`)
	for email, want := range map[string][]string{
		"owner@demo.test":    {"Riverside", "3", "Downtown", "2", "Airport", "2"},
		"downtown@demo.test": {"Downtown", "2"},
	} {
		c, _ := e.signIn(t, email)
		_, body, _ := get(t, c, e.srv.URL+"/locations")
		names := map[string]string{}
		for name := range e.locs {
			names[e.locID(name)] = name
		}
		var got []string
		for _, m := range rowRE.FindAllStringSubmatch(body, -1) {
			got = append(got, names[m[1]], m[2])
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: locations %v, want %v", email, got, want)
		}
	}
}

func TestCalendarMarksPostsOfPagesToReconnect(t *testing.T) {
	t.Parallel()
	e := newDemo(t)
	c, _ := e.signIn(t, "member@demo.test")
	tests := []struct {
		query         string
		from, to      string // the local days shown
		location      string
		title, tzNote string
	}{
		{"", "2026-03-09", "2026-03-15", "", "9 March – 15 March 2026", "each location&#39;s local time"},
		{"view=week&date=2026-03-18", "2026-03-16", "2026-03-22", "", "16 March – 22 March 2026", ""},
		{"view=month", "2026-03-01", "2026-03-31", "", "March 2026", ""},
		{"view=month&location=" + e.locID("Downtown"), "2026-03-01", "2026-03-31", "Downtown", "March 2026", "Downtown time (America/New_York)"},
	}
	for _, tt := range tests {
		status, body, _ := get(t, c, e.srv.URL+"/calendar?"+tt.query)
		if status != http.StatusOK || !strings.Contains(body, tt.title) || !strings.Contains(body, tt.tzNote) {
			t.Errorf("/calendar?%s: %d, title %q or note %q missing", tt.query, status, tt.title, tt.tzNote)
			continue
		}
		var posts, marked int
		for _, p := range demo.Posts {
			day := demoNow.AddDate(0, 0, p.InDays).Format("2006-01-02")
			if day < tt.from || day > tt.to || (tt.location != "" && p.Location != tt.location) {
				continue
			}
			posts++
			if slices.ContainsFunc(p.Pages, func(id string) bool { return slices.Contains(demoIssues, id) }) {
				marked++
			}
		}
		cal := section(body, `<div class="calendar`, `</ol>`)
		if got := strings.Count(cal, `<li class="post`); got != posts {
			t.Errorf("/calendar?%s shows %d posts, want %d", tt.query, got, posts)
		}
		// Red where a page cannot publish now, amber where it only
		// expires soon: together, every post on a page that needs
		// reconnecting.
		red, amber := strings.Count(cal, `aria-label="Page needs reconnecting"`), strings.Count(cal, `aria-label="A page will need reconnecting soon"`)
		if red+amber != marked || strings.Count(cal, `class="post at-risk`) != red || strings.Count(cal, `class="post expiring`) != amber {
			t.Errorf("/calendar?%s has %d red and %d amber marks, want %d in all", tt.query, red, amber, marked)
		}
	}
	for _, q := range []string{"view=year", "date=tomorrow", "date=2026-02-30"} {
		if status, _, _ := get(t, c, e.srv.URL+"/calendar?"+q); status != http.StatusBadRequest {
			t.Errorf("/calendar?%s = %d, want 400", q, status)
		}
	}
}

func TestPostFormAsksToReconnectChosenPages(t *testing.T) {
	t.Parallel()
	e := newDemo(t)
	owner, _ := e.signIn(t, "owner@demo.test")
	member, _ := e.signIn(t, "member@demo.test")
	for page, blocked := range map[string]bool{"fb-riverside": true, "gbp-downtown": true, "pin-riverside": true, "ig-downtown": false, "fb-downtown": false} {
		_, body, _ := get(t, owner, e.srv.URL+"/posts/new?page="+e.pageID(page))
		banner := section(body, `<section class="blocked"`, `</section>`)
		if blocked != strings.Contains(body, `<section class="blocked"`) {
			t.Errorf("%s: reconnect banner %v, want %v", page, !blocked, blocked)
			continue
		}
		if !blocked {
			continue
		}
		if !strings.Contains(banner, `action="/pages/`+e.pageID(page)+`/reconnect"`) || strings.Index(body, `<section class="blocked"`) > strings.Index(body, `<form method="post" action="/posts"`) {
			t.Errorf("%s: no Reconnect button at the top of the form:\n%s", page, banner)
		}
		if !regexp.MustCompile(`value="` + e.pageID(page) + `" data-recheck-on checked`).MatchString(body) {
			t.Errorf("%s is not ticked in the form", page)
		}
		_, body, _ = get(t, member, e.srv.URL+"/posts/new?page="+e.pageID(page))
		if banner := section(body, `<section class="blocked"`, `</section>`); !strings.Contains(banner, `class="contact"`) || strings.Contains(banner, `class="danger"`) {
			t.Errorf("%s: the member's banner:\n%s", page, banner)
		}
	}
	// Choosing a location shows its pages; the first location by default.
	_, body, _ := get(t, owner, e.srv.URL+"/posts/new?location="+e.locID("Riverside"))
	if !strings.Contains(body, "Pages of Riverside") || strings.Contains(body, "@DemoBakeryDT") {
		t.Error("the Riverside form does not show Riverside's pages only")
	}
	if _, body, _ := get(t, owner, e.srv.URL+"/posts/new"); !strings.Contains(body, "Pages of Airport") || !strings.Contains(body, `value="2026-03-12T09:00"`) {
		t.Error("the empty form does not start at the first location, tomorrow at nine")
	}
}

func TestPostFormKeepsWhatWasTypedAndSchedules(t *testing.T) {
	t.Parallel()
	e := newDemo(t)
	c, csrf := e.signIn(t, "manager@demo.test")
	downtown, fb, ig := e.locID("Downtown"), e.pageID("fb-downtown"), e.pageID("ig-downtown")
	tests := []struct {
		form     url.Values
		problems []string
	}{
		{url.Values{"page": {fb}, "text": {"  "}, "link": {""}, "at": {"2026-03-20T09:00"}}, []string{"Write a text, or give a link below."}},
		{url.Values{"text": {"Fresh bread & <b>butter</b>"}, "link": {"javascript:alert(1)"}, "at": {"2026-03-20T09:00"}},
			[]string{"Choose at least one page to post to.", "The link must be a full web address"}},
		{url.Values{"page": {fb, ig}, "text": {"Fresh bread & <b>butter</b>"}, "at": {"2026-03-10T09:00"}}, []string{"That time has passed"}},
		{url.Values{"page": {fb}, "text": {"Fresh bread & <b>butter</b>"}, "at": {"next friday"}}, []string{`&#34;next friday&#34; is not a date and time.`}},
		{url.Values{"page": {fb}, "text": {strings.Repeat("é", 5001)}, "at": {"2026-03-20T09:00"}}, []string{"The text is 5001 characters long; 5000 at most."}},
		{url.Values{"page": {fb}, "text": {"x"}}, []string{"Choose when to publish the post."}},
	}
	for _, tt := range tests {
		tt.form.Set("csrf", csrf)
		tt.form.Set("location", downtown)
		status, body, _ := post(t, c, e.srv.URL+"/posts", tt.form)
		if status != http.StatusBadRequest || !strings.Contains(body, "The post was not scheduled") {
			t.Errorf("%v: %d, want 400 with the problems", tt.form, status)
			continue
		}
		for _, p := range tt.problems {
			if !strings.Contains(body, p) {
				t.Errorf("%v: the form does not say %q", tt.form, p)
			}
		}
		// Nothing typed is lost.
		if text := tt.form.Get("text"); strings.TrimSpace(text) != "" && !strings.Contains(body, ">"+template.HTMLEscapeString(text)+"</textarea>") {
			t.Errorf("%v: the text is gone", tt.form)
		}
		if tt.form.Get("at") != "" && !strings.Contains(body, `value="`+template.HTMLEscapeString(tt.form.Get("at"))+`"`) {
			t.Errorf("%v: the time is gone", tt.form)
		}
		for _, id := range tt.form["page"] {
			if !strings.Contains(body, `value="`+id+`" data-recheck-on checked`) {
				t.Errorf("%v: page %s is no longer ticked", tt.form, id)
			}
		}
	}
	if posts, _ := e.st.ListPosts(t.Context(), store.PostFilter{}); len(posts) != len(demo.Posts) {
		t.Fatalf("%d posts after the bad forms, want %d", len(posts), len(demo.Posts))
	}

	// "Check the chosen pages" only re-renders.
	status, body, _ := post(t, c, e.srv.URL+"/posts", url.Values{"csrf": {csrf}, "location": {downtown}, "page": {e.pageID("gbp-downtown")}, "text": {"Hi"}, "action": {"check"}})
	if status != http.StatusOK || !strings.Contains(body, `<section class="blocked"`) || strings.Contains(body, "not scheduled") {
		t.Errorf("check: %d", status)
	}

	form := url.Values{"csrf": {csrf}, "location": {downtown}, "page": {fb, ig}, "text": {"Fresh bread"}, "link": {"https://demo.test/bread"}, "at": {"2026-03-20T09:30"}}
	status, _, h := post(t, c, e.srv.URL+"/posts", form)
	if status != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/calendar?date=2026-03-20&location="+downtown+"&scheduled=") {
		t.Fatalf("schedule: %d to %q", status, h.Get("Location"))
	}
	_, body, _ = get(t, c, e.srv.URL+h.Get("Location"))
	// Its Instagram page expires soon, but publishes meanwhile: amber.
	if !strings.Contains(body, "Your post is scheduled for Friday 20 March at 09:30.") || !strings.Contains(body, `class="post expiring highlight"`) {
		t.Error("the calendar does not confirm the new post")
	}
	posts, _ := e.st.ListPosts(t.Context(), store.PostFilter{LocationIDs: []int64{e.locs["Downtown"]}, From: demoNow.AddDate(0, 0, 8), To: demoNow.AddDate(0, 0, 10)})
	ny, _ := time.LoadLocation("America/New_York")
	if len(posts) != 1 || !posts[0].ScheduledAt.Equal(time.Date(2026, 3, 20, 9, 30, 0, 0, ny)) || posts[0].Link != "https://demo.test/bread" ||
		len(posts[0].PageIDs) != 2 || posts[0].Text != "Fresh bread" {
		t.Errorf("the scheduled post: %+v", posts)
	}
}

func TestPagesNeedSignInAndHoldNoSecret(t *testing.T) {
	t.Parallel()
	e := newDemo(t)
	anon := (&env{}).browser(t)
	for _, path := range []string{"/issues", "/calendar", "/posts/new", "/locations"} {
		if status, _, h := get(t, anon, e.srv.URL+path); status != http.StatusSeeOther || h.Get("Location") != "/login?next="+url.QueryEscape(path) {
			t.Errorf("anonymous %s: %d %s", path, status, h.Get("Location"))
		}
	}
	for _, path := range []string{"/posts", "/popup/close"} {
		if status, _, _ := post(t, anon, e.srv.URL+path, url.Values{"text": {"x"}}); status != http.StatusUnauthorized {
			t.Errorf("anonymous POST %s: %d", path, status)
		}
	}
	var secrets []string
	for _, p := range e.pages {
		creds, err := e.st.PageCredentials(t.Context(), p.ID)
		if err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, creds.AccessToken.Reveal())
		if !creds.RefreshToken.IsZero() {
			secrets = append(secrets, creds.RefreshToken.Reveal())
		}
	}
	c, _ := e.signIn(t, "owner@demo.test")
	for _, path := range []string{"/", "/issues", "/calendar?view=month", "/posts/new?page=" + e.pageID("fb-riverside"), "/locations"} {
		_, body, _ := get(t, c, e.srv.URL+path)
		for _, s := range secrets {
			if strings.Contains(body, s) {
				t.Errorf("%s shows a token", path)
			}
		}
	}
}

// section returns the part of body from the first start to the next end
// after it, "" if start is absent.
func section(body, start, end string) string {
	i := strings.Index(body, start)
	if i < 0 {
		return ""
	}
	body = body[i:]
	if j := strings.Index(body, end); j >= 0 {
		return body[:j+len(end)]
	}
	return body
}

// Each page of a post has its own status on the calendar: published there
// (with the network's note), held on the page that cannot publish; once
// that page is reconnected and the post goes out, no chip stays red.
func TestCalendarShowsEachPagesStatus(t *testing.T) {
	t.Parallel()
	e := newDemo(t)
	ctx := t.Context()
	// Riverside's Facebook page (expired) and LinkedIn page (expiring).
	fbRiver, li := e.pages["fb-riverside"], e.pages["li-riverside"]
	post := &tokenwatch.Post{LocationID: fbRiver.LocationID, Text: "Open day on Sunday", ScheduledAt: demoNow.Add(2 * time.Hour),
		PageIDs: []int64{fbRiver.ID, li.ID}}
	if err := e.st.CreatePost(ctx, post); err != nil {
		t.Fatal(err)
	}
	if err := e.st.SetPublishResult(ctx, post.ID, li.ID, store.PublishResult{Status: tokenwatch.PostPublished, ProviderPostID: "urn:li:share:1"}); err != nil {
		t.Fatal(err)
	}
	if err := e.st.SetPublishResult(ctx, post.ID, fbRiver.ID, store.PublishResult{Status: tokenwatch.PostHeld}); err != nil {
		t.Fatal(err)
	}
	c, _ := e.signIn(t, "manager@demo.test")
	chips := func() (string, string, string) {
		t.Helper()
		_, body, _ := get(t, c, e.srv.URL+"/calendar?location="+strconv.FormatInt(fbRiver.LocationID, 10))
		at := strings.Index(body, `data-post="`+strconv.FormatInt(post.ID, 10)+`"`)
		if at < 0 {
			t.Fatal("the post is not on the calendar")
		}
		start := strings.LastIndex(body[:at], `<li class="post`)
		item := body[start : at+strings.Index(body[at:], `</ul>`)]
		return item, section(item, `data-page="`+strconv.FormatInt(li.ID, 10)+`"`, `</li>`), section(item, `data-page="`+strconv.FormatInt(fbRiver.ID, 10)+`"`, `</li>`)
	}
	item, liChip, fbChip := chips()
	if !strings.Contains(liChip, "published") || strings.Contains(liChip, "needs") {
		t.Errorf("the LinkedIn chip: %s", liChip)
	}
	if !strings.Contains(fbChip, "held until the page is reconnected") {
		t.Errorf("the Facebook chip: %s", fbChip)
	}
	if !strings.Contains(item, "at-risk") {
		t.Errorf("the post is not marked while a page holds it: %s", item)
	}
	// Reconnected and published: no chip, no post marked.
	if err := e.st.SetPublishResult(ctx, post.ID, fbRiver.ID, store.PublishResult{Status: tokenwatch.PostPublished, ProviderPostID: "1_2"}); err != nil {
		t.Fatal(err)
	}
	item, _, fbChip = chips()
	if !strings.Contains(fbChip, "published") || strings.Contains(item, "at-risk") || strings.Contains(item, `class="chip status-published needs`) {
		t.Errorf("after publishing on every page: %s", item)
	}
}

// The demo's outbox shows each person the e-mails sent to them, and an
// account's owner those of the account, not anyone else's.
func TestOutboxIsScoped(t *testing.T) {
	t.Parallel()
	e := newDemoWith(t, func(o *web.Options) { o.Outbox = true })
	for i, to := range []string{"member@demo.test", "manager@demo.test", "someone@elsewhere.test"} {
		if err := e.st.SaveOutboxMail(t.Context(), &store.OutboxMail{MessageID: fmt.Sprintf("m%d@demo.test", i), To: to,
			Subject: "Mail for " + to, Text: "Hello"}); err != nil {
			t.Fatal(err)
		}
	}
	for email, want := range map[string][]string{
		"member@demo.test": {"Mail for member@demo.test"},
		"owner@demo.test":  {"Mail for member@demo.test", "Mail for manager@demo.test"},
	} {
		c, _ := e.signIn(t, email)
		_, body, _ := get(t, c, e.srv.URL+"/outbox")
		got := strings.Count(body, `<article class="mail"`)
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("%s's outbox lacks %q", email, w)
			}
		}
		if got != len(want) || strings.Contains(body, "someone@elsewhere.test") {
			t.Errorf("%s's outbox shows %d mails, want %d", email, got, len(want))
		}
	}
}
