package web_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tokenwatch/tokenwatch/internal/web"
)

// TestBrowserChannels: a manager adds a location's Slack channel from the
// locations list, after a refused address that keeps what was typed, and
// sends it a test message; the page shows the receiver's answer and never
// the address.
func TestBrowserChannels(t *testing.T) {
	t.Parallel()
	h := newHook(t, 200, "ok")
	e := newDemoWith(t, func(o *web.Options) { o.AllowPrivateChannels, o.BaseURL = true, "https://tw.example" })
	e.onScreens(t, "manager@demo.test", func(t *testing.T, b *tab) {
		// Each screen its own location: they run at once on one database.
		loc := map[bool]string{false: "Downtown", true: "Riverside"}[b.phone]
		b.open("/locations")
		b.submit(chromedp.Click(chromedp.CSS(`a[href="/locations/` + e.locID(loc) + `/channels"]`)))
		if got := b.text("h1"); got != "Channels of "+loc {
			t.Fatalf("the channels page says %q", got)
		}
		b.set("name", "#downtown-social")
		b.set("url", "https://chat.example.com/hooks/1")
		if status := b.submit(chromedp.Click(chromedp.CSS(`form[action$="/channels"] button[type=submit]`))); status != 400 {
			t.Errorf("a foreign address got %d", status)
		}
		var kept struct{ Name, URL string }
		b.eval(`({Name: document.getElementById('name').value, URL: document.getElementById('url').value})`, &kept)
		if !strings.Contains(b.text("#channel-error"), "hooks.slack.com/services/") || kept.Name != "#downtown-social" || kept.URL != "https://chat.example.com/hooks/1" {
			t.Errorf("after the refusal: %q, kept %+v", b.text("#channel-error"), kept)
		}
		b.screenshot("channels-refused")

		b.set("url", h.srv.URL+"/services/T0/B0/browser-secret-"+b.size())
		b.submit(chromedp.Click(chromedp.CSS(`form[action$="/channels"] button[type=submit]`)))
		if !strings.Contains(b.text(".notice"), "added") || b.count("li.channel") != 1 {
			t.Fatalf("after adding: %q, %d channels", b.text(".notice"), b.count("li.channel"))
		}
		b.submit(chromedp.Click(chromedp.CSS(`li.channel form[action$="/test"] button`)))
		if got := b.text("li.channel .test-result"); got != "Slack took the message (HTTP 200: ok). Look for it in the channel." {
			t.Errorf("the test's result: %q", got)
		}
		if got := h.got(); len(got) == 0 || !slices.ContainsFunc(got, func(m string) bool { return strings.Contains(m, "Test message – "+loc) }) {
			t.Errorf("the receiver got %q", got)
		}
		var html string
		b.eval(`document.documentElement.outerHTML`, &html)
		if strings.Contains(html, "browser-secret") {
			t.Error("the page shows the webhook address")
		}
		b.screenshot("channels")
		b.submit(chromedp.Click(chromedp.CSS(`li.channel form[action$="/delete"] button`)))
		if b.count("li.channel") != 0 {
			t.Error("the channel is still listed after removing it")
		}
	})
}

// TestBrowserNotificationSettings: a member chooses a daily digest at 7 in
// Chicago; a misspelt zone is refused with what was chosen kept; the page
// says the expiry alert always reaches someone.
func TestBrowserNotificationSettings(t *testing.T) {
	t.Parallel()
	e := newDemo(t)
	// Each screen its own person: they run at once on one database.
	for _, phone := range []bool{false, true} {
		t.Run(map[bool]string{false: "desktop", true: "phone"}[phone], func(t *testing.T) {
			t.Parallel()
			b := e.newTab(t, phone)
			b.signInQuietly(map[bool]string{false: "member@demo.test", true: "downtown@demo.test"}[phone])
			notificationSettings(t, b)
		})
	}
}

// notificationSettings is the settings test on one screen.
func notificationSettings(t *testing.T, b *tab) {
	b.open("/notifications")
	b.submit(chromedp.Click(chromedp.CSS(`a[href="/me/notifications"]`)))
	if got := b.text("h1"); got != "Notification settings" || !strings.Contains(b.text("#expiry-rule"), "The expiry alert always reaches someone.") {
		t.Fatalf("the settings page: %q", got)
	}
	b.do(chromedp.Click(chromedp.CSS(`input[name=mode][value=digest]`)))
	b.set("hour", "7")
	b.set("time_zone", "America/Chicag")
	if status := b.submit(chromedp.Click(chromedp.CSS(`form.prefs button[type=submit]`))); status != 400 {
		t.Errorf("a misspelt zone got %d", status)
	}
	var kept struct {
		Mode, Hour, Zone string
	}
	b.eval(`({Mode: document.querySelector('input[name=mode]:checked').value, Hour: document.getElementById('hour').value,
		Zone: document.getElementById('time_zone').value})`, &kept)
	if kept.Mode != "digest" || kept.Hour != "7" || kept.Zone != "America/Chicag" || !strings.Contains(b.text("#prefs-error"), "is not a time zone") {
		t.Errorf("after the refusal: kept %+v, %q", kept, b.text("#prefs-error"))
	}
	b.screenshot("notification-settings-refused")
	b.set("time_zone", "America/Chicago")
	b.submit(chromedp.Click(chromedp.CSS(`form.prefs button[type=submit]`)))
	if got := b.text(".notice"); got != "Saved: A daily digest by e-mail." {
		t.Errorf("after saving: %q", got)
	}
	if got := b.text("#zone-in-effect"); got != "America/Chicago" || !strings.Contains(b.text("#next-digest"), "07:00 C") {
		t.Errorf("the zone in effect %q, next digest %q", got, b.text("#next-digest"))
	}
	b.screenshot("notification-settings")
}
