package provider

import (
	"testing"
	"time"
)

func TestRefreshDue(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	meta := Info{AutoRefresh: true, RefreshBeforeExpiry: true, RefreshLead: 15 * day}
	lazy := Info{AutoRefresh: true}
	manual := Info{}
	for _, tc := range []struct {
		name    string
		info    Info
		expires time.Time
		want    bool
	}{
		{"Meta token 20 days out: not yet", meta, now.Add(20 * day), false},
		{"Meta token 14 days out: prolong now", meta, now.Add(14 * day), true},
		{"short-lived token still valid: on use only", lazy, now.Add(time.Hour), false},
		{"short-lived token expired: refresh", lazy, now.Add(-time.Minute), true},
		{"no expiry: never", meta, time.Time{}, false},
		{"no auto refresh: never", manual, now.Add(-time.Hour), false},
	} {
		if got := tc.info.RefreshDue(tc.expires, now); got != tc.want {
			t.Errorf("%s: RefreshDue = %v", tc.name, got)
		}
	}
}

func TestPostTextWithLink(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		post Post
		want string
	}{
		{Post{Text: "Hi"}, "Hi"},
		{Post{Link: "https://x.test"}, "https://x.test"},
		{Post{Text: "Hi", Link: "https://x.test"}, "Hi\n\nhttps://x.test"},
	} {
		if got := tc.post.TextWithLink(); got != tc.want {
			t.Errorf("%+v: %q", tc.post, got)
		}
	}
}

// A link read from a network's answer is shown only when it is an http(s)
// URL: anything else leaves the published post without a link.
func TestLinkKeepsOnlyWebLinks(t *testing.T) {
	for raw, want := range map[string]string{
		"https://www.threads.net/@threadsapitestuser/post/abcdefg": "https://www.threads.net/@threadsapitestuser/post/abcdefg",
		"javascript:alert(document.cookie)":                        "",
		"data:text/html;base64,PHNjcmlwdD4=":                       "",
		"/relative/post":                                           "",
		"":                                                         "",
	} {
		if got := Link(raw); got != want {
			t.Errorf("Link(%q) = %q, want %q", raw, got, want)
		}
	}
}
