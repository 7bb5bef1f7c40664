package web_test

import (
	"fmt"
	"net/http"
	"net/url"
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
		rows := parseHTML(t, body).All("table.issues tbody tr.issue")
		if got, want := attrs(rows, "data-page"), e.ids(demoIssues); !slices.Equal(got, want) {
			t.Errorf("%s: issues %v, want worst first %v", email, got, want)
		}
		// Each row has a Reconnect button for its own page, or, for a
		// member, a line saying whom to ask.
		var contacts []string
		for _, row := range rows {
			name := row.One(`td[data-label="Page"] strong`).Text()
			forms, contact := row.All("form"), row.Maybe("p.contact")
			if email == "member@demo.test" {
				if len(forms) != 0 || contact == nil || contact.Maybe(`a[href^="mailto:"]`) == nil {
					t.Errorf("member: the row of %s has %d forms and contact %v, want none and a line with an address:\n%s", name, len(forms), contact, row.HTML())
					continue
				}
				contacts = append(contacts, contact.Text())
			} else if button := row.Maybe(`form[action="/pages/` + row.Attr("data-page") + `/reconnect"] button.danger`); len(forms) != 1 || button == nil ||
				!strings.HasPrefix(button.Attr("aria-label"), "Reconnect "+name+" on ") || contact != nil {
				t.Errorf("%s: the row of %s has no Reconnect button of its own, or a contact line:\n%s", email, name, row.HTML())
			}
		}
		if email == "member@demo.test" && !slices.Contains(contacts, "Contact Marco Manager at manager@demo.test to reconnect it.") {
			t.Errorf("member: no row names the manager: %q", contacts)
		}
		states := texts(parseHTML(t, body).All(`table.issues td[data-label="State"]`))
		for _, want := range []string{"Access revoked", "Expired", "Permission missing", "Expiring"} {
			if !slices.Contains(states, want) {
				t.Errorf("%s: no page is %q: %q", email, want, states)
			}
		}
		deadlines := strings.Join(texts(parseHTML(t, body).All(`table.issues td[data-label="Deadline"]`)), "\n")
		for _, want := range []string{"expires in 2 days", "expired 2 days ago"} {
			if !strings.Contains(deadlines, want) {
				t.Errorf("%s: no deadline says %q:\n%s", email, want, deadlines)
			}
		}
	}
}

func TestIssuesPostsAtRiskAndChart(t *testing.T) {
	t.Parallel()
	e := newDemo(t)
	c, _ := e.signIn(t, "owner@demo.test")
	_, body, _ := get(t, c, e.srv.URL+"/issues")
	doc := parseHTML(t, body)
	// The expired Riverside Facebook page holds two posts, the first
	// tomorrow at 10:00 Riverside time.
	row := doc.One(`tr.issue[data-page="` + e.pageID("fb-riverside") + `"]`)
	if got := row.One(`td[data-label="Posts at risk"]`).Text(); got != "2 posts, the first Thu 12 Mar 10:00" {
		t.Errorf("fb-riverside's posts at risk: %q", got)
	}
	// The chart is an image with a title and a description, a mark per
	// deadline, the alert thresholds, and the deadlines as a list.
	chart := doc.One("figure.timeline")
	svg := chart.One("svg")
	if svg.Attr("role") != "img" || svg.Attr("aria-labelledby") != "timeline-title timeline-desc" {
		t.Errorf("the chart's image: role %q, labelled by %q", svg.Attr("role"), svg.Attr("aria-labelledby"))
	}
	if got := svg.One("title#timeline-title").Text(); got != "Connection deadlines over the next 30 days" {
		t.Errorf("the chart's title: %q", got)
	}
	// Deadlines are counted per day; the sentence says what the marks
	// count and how many of them are in the list.
	if got := svg.One("desc#timeline-desc").Text(); got != "4 connections end in the next 30 days, 4 of them need reconnecting now; 1 has ended already." {
		t.Errorf("the chart's description: %q", got)
	}
	if got := texts(svg.All("text.threshold-label")); !slices.Contains(got, "10-day alert") || !slices.Contains(got, "3-day alert") {
		t.Errorf("the chart's thresholds: %q", got)
	}
	if n := len(svg.All("g.point")); n != 5 {
		t.Errorf("the chart has %d marks, want 5 (4 days with deadlines to come, 1 for those passed)", n)
	}
	list := chart.One("details")
	if got := list.One("summary").Text(); got != "The deadlines day by day" {
		t.Errorf("the list's summary: %q", got)
	}
	if got, want := texts(list.All("li")), []string{
		"1 connection has ended already (need reconnecting)",
		"1 connection ends on Fri 13 March (expiring)",
		"1 connection ends on Sat 14 March (expiring)",
		"1 connection ends on Thu 19 March (expiring)",
		"1 connection ends on Fri 20 March (expiring)",
	}; !slices.Equal(got, want) {
		t.Errorf("the deadlines day by day:\n%q\nwant, soonest first,\n%q", got, want)
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
		doc := parseHTML(t, body)
		got := attrs(doc.All("table.issues tr.issue"), "data-page")
		if status != http.StatusOK || !slices.Equal(got, e.ids(tt.want)) {
			t.Errorf("/issues?%s: %d %v, want %v", tt.query, status, got, e.ids(tt.want))
		}
		if none := doc.Maybe("main p.summary.ok"); (tt.want == nil) != (none != nil) ||
			none != nil && none.Text() != "No page matching these filters needs reconnecting." {
			t.Errorf("/issues?%s does not say that nothing matches, or says it wrongly", tt.query)
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
	if got, want := attrs(parseHTML(t, body).All("table.issues tr.issue"), "data-page"), e.ids(demoDowntownIssues); !slices.Equal(got, want) {
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

// menuOf returns the main menu's entries with their badge counts ("" if
// none).
func menuOf(t *testing.T, body string) map[string]string {
	m := map[string]string{}
	for _, a := range parseHTML(t, body).All(`nav.menu li > a[id^="nav-"]`) {
		m[a.Attr("id")] = ""
		if c := a.Maybe("span.count"); c != nil {
			m[a.Attr("id")] = c.Text()
		}
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
	for _, path := range []string{"/", "/issues", "/calendar", "/posts/new", "/locations", "/issues?location=999", "/people", "/audit", "/settings"} {
		_, body, _ := get(t, owner, e.srv.URL+path)
		// Owners also run the people and read the audit log; a member of
		// one location does neither.
		want := map[string]string{"nav-issues": "7", "nav-calendar": "", "nav-new-post": "", "nav-locations": "", "nav-notifications": "3", "nav-outbox": "",
			"nav-people": "", "nav-audit": "", "nav-settings": ""}
		if got := menuOf(t, body); !mapsEqual(got, want) {
			t.Errorf("owner's menu on %s: %v, want %v", path, got, want)
		}
		_, body, _ = get(t, downtown, e.srv.URL+path)
		want = map[string]string{"nav-issues": "2", "nav-calendar": "", "nav-new-post": "", "nav-locations": "", "nav-notifications": "", "nav-outbox": ""}
		if got := menuOf(t, body); !mapsEqual(got, want) {
			t.Errorf("downtown's menu on %s: %v, want %v", path, got, want)
		}
	}
	_, body, _ := get(t, owner, e.srv.URL+"/calendar")
	doc := parseHTML(t, body)
	if current := doc.All(`nav.menu a[aria-current="page"]`); len(current) != 1 || current[0].Attr("id") != "nav-calendar" || current[0].Attr("href") != "/calendar" {
		t.Errorf("the menu marks %d entries as the current page, want the calendar alone", len(current))
	}
	// A screen reader reads the badge with its words.
	if got := doc.One("#nav-issues").Text(); got != "Issues 7 pages need reconnecting" {
		t.Errorf("the issues entry reads %q", got)
	}

	// Outside the demo there is no outbox.
	f := newEnv(t)
	_, body, _ = get(t, f.signIn(t, "owner@demo.test"), f.srv.URL+"/")
	if m := menuOf(t, body); m["nav-issues"] != "" || parseHTML(t, body).Maybe("#nav-outbox") != nil {
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
	doc := parseHTML(t, body)
	popup := doc.One("dialog#login-popup")
	items := popup.All("li.issue")
	if got := attrs(items, "data-page"); !slices.Equal(got, e.ids(demoIssues)) {
		t.Fatalf("the pop-up lists %v, want %v", got, e.ids(demoIssues))
	}
	for _, it := range items {
		if it.Maybe(`form[action="/pages/`+it.Attr("data-page")+`/reconnect"] button.danger`) == nil {
			t.Errorf("the manager's pop-up has no Reconnect button for %s:\n%s", it.One("strong").Text(), it.HTML())
		}
	}
	if got := popup.One("h2#popup-title").Text(); !strings.Contains(got, "7 pages need reconnecting") {
		t.Errorf("the pop-up's title: %q", got)
	}
	if doc.One("div.page").Has("inert") != true || popup.Attr("aria-labelledby") != "popup-title" {
		t.Error("the page behind the pop-up is not inert, or the pop-up has no title")
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
		if _, body, _ := get(t, c, e.srv.URL+path); parseHTML(t, body).Maybe("#login-popup") != nil || parseHTML(t, body).Maybe("[inert]") != nil {
			t.Errorf("the closed pop-up is back on %s", path)
		}
	}
	// It comes back at the next sign-in; "see all issues" leads there.
	c, csrf = e.signIn(t, "manager@demo.test")
	if _, body, _ := get(t, c, e.srv.URL+"/"); parseHTML(t, body).Maybe("dialog#login-popup") == nil {
		t.Error("no pop-up at the next sign-in")
	}
	if _, _, h := post(t, c, e.srv.URL+"/popup/close", url.Values{"csrf": {csrf}, "next": {"/"}, "show": {"issues"}}); h.Get("Location") != "/issues" {
		t.Errorf("close and see all issues leads to %q", h.Get("Location"))
	}

	// A member gets contact lines naming the page admin.
	c, _ = e.signIn(t, "member@demo.test")
	_, body, _ = get(t, c, e.srv.URL+"/")
	popup = parseHTML(t, body).One("dialog#login-popup")
	contacts := texts(popup.All("li.issue p.contact"))
	if popup.Maybe(".danger") != nil || len(contacts) != len(demoIssues) || !slices.Contains(contacts, "Contact Olivia Owner at owner@demo.test to reconnect it.") ||
		popup.Maybe(`p.contact a[href="mailto:owner@demo.test"]`) == nil {
		t.Errorf("the member's pop-up:\n%s", popup.HTML())
	}

	// Without issues there is no pop-up.
	f := newEnv(t)
	if _, body, _ := get(t, f.signIn(t, "member@demo.test"), f.srv.URL+"/"); parseHTML(t, body).Maybe("#login-popup") != nil {
		t.Error("a pop-up without issues")
	}
}

func TestLocationsWorstFirst(t *testing.T) {
	t.Parallel()
	e := newDemo(t)
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
		for _, row := range parseHTML(t, body).All("table.locations tr.location-row") {
			if name := row.One(`td[data-label="Location"] strong`).Text(); name != names[row.Attr("data-location")] {
				t.Errorf("%s: the row of location %s is named %q", email, row.Attr("data-location"), name)
			}
			got = append(got, names[row.Attr("data-location")], row.One(`td[data-label="Need reconnecting"] .issues-count`).Text())
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
		{"", "2026-03-09", "2026-03-15", "", "9 March – 15 March 2026", "each location's local time"},
		{"view=week&date=2026-03-18", "2026-03-16", "2026-03-22", "", "16 March – 22 March 2026", ""},
		{"view=month", "2026-03-01", "2026-03-31", "", "March 2026", ""},
		{"view=month&location=" + e.locID("Downtown"), "2026-03-01", "2026-03-31", "Downtown", "March 2026", "Downtown time (America/New_York)"},
	}
	for _, tt := range tests {
		status, body, _ := get(t, c, e.srv.URL+"/calendar?"+tt.query)
		doc := parseHTML(t, body)
		if title := doc.One("h2#cal-title").Text(); status != http.StatusOK || title != tt.title || !strings.Contains(doc.One("main > p.muted").Text(), tt.tzNote) {
			t.Errorf("/calendar?%s: %d, title %q, want %q, or note %q missing", tt.query, status, title, tt.title, tt.tzNote)
			continue
		}
		// The days shown, those of the week or month asked for.
		var shown []string
		for _, d := range doc.All("ol.days > li.day") {
			if !slices.Contains(d.Classes(), "outside") {
				shown = append(shown, d.Attr("data-date"))
			}
		}
		if len(shown) == 0 || shown[0] != tt.from || shown[len(shown)-1] != tt.to {
			t.Errorf("/calendar?%s shows the days %v, want %s to %s", tt.query, shown, tt.from, tt.to)
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
		shownPosts := doc.All("div.calendar li.day li.post")
		if len(shownPosts) != posts {
			t.Errorf("/calendar?%s shows %d posts, want %d", tt.query, len(shownPosts), posts)
		}
		// Red where a page cannot publish now, amber where it only expires
		// soon (with words for screen readers): together, exactly the posts
		// on a page that needs reconnecting.
		red, amber := 0, 0
		for _, p := range shownPosts {
			classes := p.Classes()
			redMark := p.Maybe(`.post-head svg.mark[role="img"][aria-label="Page needs reconnecting"]`)
			amberMark := p.Maybe(`.post-head svg.mark[role="img"][aria-label="A page will need reconnecting soon"]`)
			if slices.Contains(classes, "at-risk") != (redMark != nil) || slices.Contains(classes, "expiring") != (amberMark != nil) {
				t.Errorf("/calendar?%s: post %s classed %q with marks red %v, amber %v:\n%s", tt.query, p.Attr("data-post"), classes, redMark != nil, amberMark != nil, p.HTML())
			}
			if redMark != nil {
				red++
			}
			if amberMark != nil {
				amber++
			}
		}
		if red+amber != marked {
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
		doc := parseHTML(t, body)
		banner := doc.Maybe("section.blocked")
		if blocked != (banner != nil) {
			t.Errorf("%s: reconnect banner %v, want %v", page, !blocked, blocked)
			continue
		}
		if !ticked(doc, e.pageID(page)) {
			t.Errorf("%s is not ticked in the form", page)
		}
		if !blocked {
			continue
		}
		item := banner.One(`li.issue[data-page="` + e.pageID(page) + `"]`)
		// The button submits the post form to the reconnect, so that the
		// draft comes back after the consent.
		if item.Maybe(`button.danger[form="post-form"][formaction="/pages/`+e.pageID(page)+`/reconnect"][name="draft"]`) == nil || !banner.Before(doc.One(`form[action="/posts"]`)) {
			t.Errorf("%s: no Reconnect button above the form:\n%s", page, banner.HTML())
		}
		_, body, _ = get(t, member, e.srv.URL+"/posts/new?page="+e.pageID(page))
		if banner := parseHTML(t, body).One("section.blocked"); banner.Maybe("p.contact") == nil || banner.Maybe(".danger") != nil {
			t.Errorf("%s: the member's banner:\n%s", page, banner.HTML())
		}
	}
	// Choosing a location shows its pages, and only them; the first
	// location by default, tomorrow at nine.
	for query, loc := range map[string]string{"?location=" + e.locID("Riverside"): "Riverside", "": "Airport"} {
		_, body, _ := get(t, owner, e.srv.URL+"/posts/new"+query)
		doc := parseHTML(t, body)
		var want []string
		for _, p := range e.pages {
			if p.LocationID == e.locs[loc] {
				want = append(want, strconv.FormatInt(p.ID, 10))
			}
		}
		got := attrs(doc.All(`fieldset#pages input[type="checkbox"][name="page"]`), "value")
		slices.Sort(got)
		slices.Sort(want)
		if legend := doc.One("fieldset#pages > legend").Text(); legend != "Pages of "+loc || !slices.Equal(got, want) {
			t.Errorf("/posts/new%s: %q with pages %v, want those of %s %v", query, legend, got, loc, want)
		}
		if query == "" && doc.One("input#at").Attr("value") != "2026-03-12T09:00" {
			t.Errorf("the empty form proposes %q, want tomorrow at nine", doc.One("input#at").Attr("value"))
		}
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
		{url.Values{"page": {fb}, "text": {"Fresh bread & <b>butter</b>"}, "at": {"next friday"}}, []string{`"next friday" is not a date and time.`}},
		{url.Values{"page": {fb}, "text": {strings.Repeat("é", 5001)}, "at": {"2026-03-20T09:00"}}, []string{"The text is 5001 characters long; 5000 at most."}},
		{url.Values{"page": {fb}, "text": {"x"}}, []string{"Choose when to publish the post."}},
	}
	for _, tt := range tests {
		tt.form.Set("csrf", csrf)
		tt.form.Set("location", downtown)
		status, body, _ := post(t, c, e.srv.URL+"/posts", tt.form)
		doc := parseHTML(t, body)
		problems := doc.Maybe(`div.problems[role="alert"]`)
		if status != http.StatusBadRequest || problems == nil || problems.One("h2").Text() != "The post was not scheduled" {
			t.Errorf("%v: %d, want 400 with the problems", tt.form, status)
			continue
		}
		// Each problem is listed, a link to its field.
		listed := problems.All("li > a")
		if len(listed) != len(tt.problems) {
			t.Errorf("%v: problems %q, want %q", tt.form, texts(listed), tt.problems)
		}
		for i, p := range tt.problems {
			if i >= len(listed) {
				break
			}
			if !strings.HasPrefix(listed[i].Text(), p) || doc.Maybe(listed[i].Attr("href")) == nil {
				t.Errorf("%v: problem %q links to %q, want it to say %q and lead to its field", tt.form, listed[i].Text(), listed[i].Attr("href"), p)
			}
		}
		// Nothing typed is lost.
		form := doc.One(`form[action="/posts"]`)
		if text := tt.form.Get("text"); form.One("textarea#text").RawText() != text {
			t.Errorf("%v: the text is now %q", tt.form, form.One("textarea#text").RawText())
		}
		if at := form.One("input#at").Attr("value"); at != tt.form.Get("at") {
			t.Errorf("%v: the time is now %q", tt.form, at)
		}
		for _, id := range tt.form["page"] {
			if !ticked(doc, id) {
				t.Errorf("%v: page %s is no longer ticked", tt.form, id)
			}
		}
	}
	if posts, _ := e.st.ListPosts(t.Context(), store.PostFilter{}); len(posts) != len(demo.Posts) {
		t.Fatalf("%d posts after the bad forms, want %d", len(posts), len(demo.Posts))
	}

	// "Check the chosen pages" only re-renders.
	status, body, _ := post(t, c, e.srv.URL+"/posts", url.Values{"csrf": {csrf}, "location": {downtown}, "page": {e.pageID("gbp-downtown")}, "text": {"Hi"}, "action": {"check"}})
	if doc := parseHTML(t, body); status != http.StatusOK || doc.Maybe("section.blocked") == nil || doc.Maybe("div.problems") != nil {
		t.Errorf("check: %d", status)
	}

	form := url.Values{"csrf": {csrf}, "location": {downtown}, "page": {fb, ig}, "text": {"Fresh bread"}, "link": {"https://demo.test/bread"}, "at": {"2026-03-20T09:30"}}
	status, _, h := post(t, c, e.srv.URL+"/posts", form)
	if status != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/calendar?date=2026-03-20&location="+downtown+"&scheduled=") {
		t.Fatalf("schedule: %d to %q", status, h.Get("Location"))
	}
	_, body, _ = get(t, c, e.srv.URL+h.Get("Location"))
	doc := parseHTML(t, body)
	if notice := doc.Maybe(`main p.notice[role="status"]`); notice == nil || notice.Text() != "Your post is scheduled for Friday 20 March at 09:30." {
		t.Error("the calendar does not confirm the new post")
	}
	// Its Instagram page expires in 2 days: the post is marked amber.
	if hl := doc.All("li.post.highlight"); len(hl) != 1 || !slices.Contains(hl[0].Classes(), "expiring") ||
		hl[0].One("p.text").Text() != "Fresh bread https://demo.test/bread" ||
		!slices.Contains(attrs(doc.All(`li.day[data-date="2026-03-20"] li.post`), "data-post"), hl[0].Attr("data-post")) {
		t.Errorf("the calendar highlights %d posts, want the new one, expiring, on 20 March", len(hl))
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

// ticked says whether the form's checkbox of a page is ticked.
func ticked(doc *elem, pageID string) bool {
	box := doc.Maybe(`form[action="/posts"] input[type="checkbox"][name="page"][value="` + pageID + `"]`)
	return box != nil && box.Has("checked")
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
	// LinkedIn gives no link to a post.
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
	if !strings.Contains(liChip, "LinkedIn gives no link to the post") || strings.Contains(liChip, "post-link") {
		t.Errorf("the LinkedIn chip does not say it has no link: %s", liChip)
	}
	if !strings.Contains(fbChip, "held until the page is reconnected") || strings.Contains(fbChip, "post-link") || strings.Contains(fbChip, "no-link") {
		t.Errorf("the Facebook chip: %s", fbChip)
	}
	if !strings.Contains(item, "at-risk") {
		t.Errorf("the post is not marked while a page holds it: %s", item)
	}
	// Reconnected and published: no chip, no post marked; the Facebook
	// chip links to the post on Facebook, in a new tab.
	const link = "https://www.facebook.com/FacebookforDevelopers/posts/10153449196353553"
	if err := e.st.SetPublishResult(ctx, post.ID, fbRiver.ID, store.PublishResult{Status: tokenwatch.PostPublished, ProviderPostID: "1_2", URL: link}); err != nil {
		t.Fatal(err)
	}
	item, _, fbChip = chips()
	if !strings.Contains(fbChip, "published") || strings.Contains(item, "at-risk") || strings.Contains(item, `class="chip status-published needs`) {
		t.Errorf("after publishing on every page: %s", item)
	}
	want := `<a class="post-link" href="` + link + `" target="_blank" rel="noopener noreferrer">View on Facebook`
	if !strings.Contains(fbChip, want) {
		t.Errorf("the published Facebook chip has no link to the post: %s", fbChip)
	}
}

// A link that is not http(s) never reaches the page: the store refuses it,
// and the published page says it has no link rather than showing one.
func TestCalendarShowsOnlyWebLinks(t *testing.T) {
	t.Parallel()
	e := newDemo(t)
	ctx := t.Context()
	fb := e.pages["fb-downtown"]
	post := &tokenwatch.Post{LocationID: fb.LocationID, Text: "Rye on Friday", ScheduledAt: demoNow.Add(time.Hour), PageIDs: []int64{fb.ID}}
	if err := e.st.CreatePost(ctx, post); err != nil {
		t.Fatal(err)
	}
	if err := e.st.SetPublishResult(ctx, post.ID, fb.ID, store.PublishResult{Status: tokenwatch.PostPublished, ProviderPostID: "1_2",
		URL: "javascript:alert(document.cookie)"}); tokenwatch.ErrorCode(err) != tokenwatch.CodeInvalid {
		t.Fatalf("the store took a javascript: link: %v", err)
	}
	if err := e.st.SetPublishResult(ctx, post.ID, fb.ID, store.PublishResult{Status: tokenwatch.PostPublished, ProviderPostID: "1_2"}); err != nil {
		t.Fatal(err)
	}
	c, _ := e.signIn(t, "manager@demo.test")
	_, body, _ := get(t, c, e.srv.URL+"/calendar?location="+strconv.FormatInt(fb.LocationID, 10))
	item := section(body, `data-post="`+strconv.FormatInt(post.ID, 10)+`"`, `</ul>`)
	if strings.Contains(item, "javascript") || strings.Contains(item, "post-link") || !strings.Contains(item, "Facebook gave no link to the post") {
		t.Errorf("the post without a link: %s", item)
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
