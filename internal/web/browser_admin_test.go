package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tokenwatch/tokenwatch"
)

// TestBrowserAdministration walks the account's administration as the demo
// users do, in a browser: the owner adds a location and invites someone,
// who accepts from the e-mail's link in a browser of their own; the owner
// changes their role and removes them; a manager checks a page now and
// disconnects another, whose posts are held; a member sees a page's detail
// without its buttons; the owner reads it all in the audit log. Each new
// page is saved at desktop and phone width.
func TestBrowserAdministration(t *testing.T) {
	t.Parallel()
	e := newLive(t)
	// The owner adds a location and invites a manager to it.
	owner := e.newTab(t, false)
	owner.signInQuietly("owner@demo.test")
	owner.open("/locations")
	owner.screenshot("admin-locations")
	owner.set("new-name", "Harbour")
	owner.set("new-tz", "Europe/Lisbon")
	owner.submit(chromedp.Click(chromedp.CSS(`form[action="/locations"] button[type=submit]`)))
	if got := owner.text("h1"); got != "Harbour" {
		t.Fatalf("after adding a location: %q", got)
	}
	loc := owner.url()
	owner.set("invite-email", "nina@example.com")
	owner.set("invite-role", "manager")
	owner.submit(chromedp.Click(chromedp.CSS(`form[action="/people/invite"] button[type=submit]`)))
	if n := owner.text(`main p.notice`); !strings.Contains(n, "Invitation sent to nina@example.com") {
		t.Errorf("after inviting: %q", n)
	}
	owner.screenshot("admin-location")

	// Nina opens the link in a browser of her own and joins.
	link := strings.TrimPrefix(e.inviteLink(t, "nina@example.com"), e.srv.URL)
	phone := e.newTab(t, true)
	phone.open(link)
	phone.screenshot("admin-invitation")
	phone.done()
	nina := e.newTab(t, false)
	nina.open(link)
	nina.screenshot("admin-invitation")
	nina.set("name", "Nina New")
	nina.set("password", "a long password")
	nina.set("password2", "a long password")
	nina.submit(chromedp.Click(chromedp.CSS(`main form button[type=submit]`)))
	if who := nina.text("header .who"); who != "Nina New" {
		t.Fatalf("Nina is not signed in: %q", who)
	}
	nina.open(strings.TrimPrefix(loc, e.srv.URL))
	if nina.count(`form[action="/people/invite"]`) != 1 {
		t.Error("Nina does not manage Harbour's people")
	}

	// The owner makes her a member, then removes her from the account.
	owner.open("/people")
	owner.screenshot("admin-people")
	var href string
	owner.eval(`[...document.querySelectorAll("table.people tr")].find(r => r.textContent.includes("nina@example.com")).querySelector("a").getAttribute("href")`, &href)
	owner.open(href)
	if got := owner.text("h1"); got != "Nina New" {
		t.Fatalf("Nina's page: %q", got)
	}
	owner.screenshot("admin-person")
	var ok bool
	owner.eval(`(s => { s.value = "member"; return s.value === "member"; })(document.querySelector("table.roles select[name=role]"))`, &ok)
	owner.submit(chromedp.Click(chromedp.CSS(`table.roles button[type=submit]`)))
	if role := owner.text(`table.roles select[name=role] option:checked`); role != "member" {
		t.Errorf("Nina's role after the change: %q", role)
	}
	owner.submit(chromedp.Click(chromedp.CSS(`form[action$="/remove"] button.danger`)))
	if status := nina.open("/"); nina.count(`form[action="/login"]`) != 1 {
		t.Errorf("Nina is still signed in after her removal (%d)", status)
	}
	nina.done()

	// A manager checks a page now and reads the network's answer, then
	// disconnects another page: its posts are held.
	fb := e.w.Page(t, "fb-downtown")
	e.w.Sandbox.RevokeUser(tokenwatch.Facebook, fb.ProviderUserID)
	manager := e.newTab(t, false)
	manager.signInQuietly("manager@demo.test")
	manager.open("/pages/" + itoa(fb.ID))
	manager.submit(chromedp.Click(chromedp.CSS(`form[action$="/check"] button`)))
	if n := manager.text("main p.notice"); !strings.Contains(n, "the grant is dead") {
		t.Errorf("Check now on a revoked grant says %q", n)
	}
	if h := manager.text("ol.history li"); !strings.Contains(h, "Check failed") {
		t.Errorf("the history's newest entry: %q", h)
	}
	manager.screenshot("admin-page-detail")
	riverside := e.w.Page(t, "fb-riverside")
	manager.open("/pages/" + itoa(riverside.ID) + "/disconnect")
	manager.screenshot("admin-disconnect")
	manager.submit(chromedp.Click(chromedp.CSS(`main form button.danger`)))
	if got := manager.texts(`table.posts td[data-label="Status here"]`); len(got) != 2 || got[0] != "Held" || got[1] != "Held" {
		t.Errorf("the disconnected page's posts: %q", got)
	}
	manager.done()

	// A member sees a page's detail without its buttons.
	member := e.newTab(t, false)
	member.signInQuietly("member@demo.test")
	member.open("/pages/" + itoa(fb.ID))
	if member.count(`form[action$="/check"]`)+member.count(`a[href$="/disconnect"]`) != 0 || member.count("dl.facts") != 1 {
		t.Error("the member sees Check now or Disconnect")
	}
	member.done()

	// Every step is in the audit log.
	owner.open("/audit")
	owner.screenshot("admin-audit")
	got := strings.Join(owner.texts(`table.audit tbody tr`), "\n")
	for _, want := range []string{"location.created", "person.invited", "person.joined", "person.role_changed", "person.removed", "page.checked", "page.disconnected"} {
		if !strings.Contains(got, want) {
			t.Errorf("the audit log lacks %s:\n%s", want, got)
		}
	}
	owner.open("/me")
	owner.screenshot("admin-me")
	owner.open("/settings")
	owner.set("key-name", "Publisher")
	owner.submit(chromedp.Click(chromedp.CSS(`form[action="/settings/keys"] button`)))
	if owner.count("code.secret-value") != 1 {
		t.Error("the new API key is not shown")
	}
	owner.screenshot("admin-settings")

	// The same pages at phone width, one tab per person, side by side.
	type shot struct{ name, path string }
	phoneShots := map[string][]shot{
		"manager@demo.test": {
			{"admin-page-detail", "/pages/" + itoa(fb.ID)},
			{"admin-disconnect", "/pages/" + itoa(e.w.Page(t, "li-airport").ID) + "/disconnect"},
		},
		"owner@demo.test": {
			{"admin-location", strings.TrimPrefix(loc, e.srv.URL)},
			{"admin-locations", "/locations"},
			{"admin-people", "/people"},
			{"admin-person", "/people/" + itoa(e.w.Users["member@demo.test"].ID)},
			{"admin-audit", "/audit"},
			{"admin-settings", "/settings"},
		},
		"member@demo.test": {{"admin-me", "/me"}},
	}
	t.Run("phone", func(t *testing.T) {
		for email, shots := range phoneShots {
			t.Run(email, func(t *testing.T) {
				t.Parallel()
				b := e.newTab(t, true)
				b.signInQuietly(email)
				for _, s := range shots {
					if status := b.open(s.path); status != 200 {
						t.Errorf("%s on a phone: %d", s.path, status)
					}
					b.screenshot(s.name)
				}
			})
		}
	})
}
