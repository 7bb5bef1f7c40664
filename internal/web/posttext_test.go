package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tokenwatch/tokenwatch/internal/demo"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// The post form says what is wrong with a text that is not valid UTF-8 or
// holds control characters, next to the text, and schedules nothing.
func TestPostFormRefusesControlCharactersAndBrokenText(t *testing.T) {
	t.Parallel()
	e := newDemo(t)
	c, csrf := e.signIn(t, "manager@demo.test")
	for text, want := range map[string]string{
		"Fresh bread\x00":          "The text holds control characters; only line breaks and tabs may be in it.",
		"Fresh \x1b[31mbread":      "The text holds control characters; only line breaks and tabs may be in it.",
		"Fresh bread \u0085 (NEL)": "The text holds control characters; only line breaks and tabs may be in it.",
		"Fresh \xff\xfe bread":     "The text is not valid UTF-8.",
	} {
		form := url.Values{"csrf": {csrf}, "location": {e.locID("Downtown")}, "page": {e.pageID("fb-downtown")}, "text": {text}, "at": {"2026-03-20T09:00"}}
		status, body, _ := post(t, c, e.srv.URL+"/posts", form)
		if status != http.StatusBadRequest || !strings.Contains(body, "The post was not scheduled") || !strings.Contains(body, want) {
			t.Errorf("text %q: %d, want 400 saying %q", text, status, want)
		}
	}
	if posts, _ := e.st.ListPosts(t.Context(), store.PostFilter{}); len(posts) != len(demo.Posts) {
		t.Errorf("%d posts after the refused forms, want %d", len(posts), len(demo.Posts))
	}
	// Line breaks and tabs are text.
	form := url.Values{"csrf": {csrf}, "location": {e.locID("Downtown")}, "page": {e.pageID("fb-downtown")}, "text": {"Fresh\r\n\tbread"}, "at": {"2026-03-20T09:00"}}
	if status, _, _ := post(t, c, e.srv.URL+"/posts", form); status != http.StatusSeeOther {
		t.Errorf("a text with a line break and a tab: %d, want it scheduled", status)
	}
}
