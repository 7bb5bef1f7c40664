package web

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// scheme is how a browser recognises an absolute URL.
var scheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.\-]*:`)

// onSite reports whether a browser on this site, following loc (a
// Location header or a link's href), stays on it. It reads loc as a
// browser does (the WHATWG URL parser): surrounding spaces and C0 controls
// dropped, tabs and line breaks removed wherever they are, a backslash
// read as a slash; then only a path of this site ("/x", not "//host")
// stays. loc itself must hold no control character at all: a header
// cannot carry one, and a link should not.
func onSite(loc string) bool {
	if strings.ContainsFunc(loc, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return false
	}
	v := strings.TrimFunc(loc, func(r rune) bool { return r <= 0x20 })
	v = strings.ReplaceAll(v, `\`, "/")
	if scheme.MatchString(v) {
		return false
	}
	return strings.HasPrefix(v, "/") && !strings.HasPrefix(v, "//")
}

// FuzzReturnPath: whatever a person or an attacker puts in the sign-in
// form's next or a reconnect's return_to, the redirect after sign-in (as
// http.Redirect writes it) and the link back after reconnecting stay on
// this site.
func FuzzReturnPath(f *testing.F) {
	for _, s := range []string{"/", "/calendar", "/issues?location=2&network=x#top", "//evil.example", "///evil.example",
		`/\evil.example`, `\/evil.example`, `\\evil.example`, "https:evil.example", "https://evil.example", "HTTPS://evil.example",
		"javascript:alert(1)", "/\t/evil.example", "/\n/evil.example", "/\r/evil.example", " //evil.example", "\x00//evil.example",
		"/%09/evil.example", "/%2F/evil.example", "/..//evil.example", "/.//evil.example", "/a/../../evil", "//", "/\x7f/evil",
		"/ /evil", "/?next=//evil", "/#//evil", "mailto:x@evil.example", "data:text/html,x", "/\u3000/evil", "/\u2028/evil"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		next := safeNext(v)
		if !onSite(next) {
			t.Fatalf("safeNext(%q) = %q leaves the site", v, next)
		}
		rec := httptest.NewRecorder()
		http.Redirect(rec, httptest.NewRequest("POST", "/login", nil), next, http.StatusSeeOther)
		if loc := rec.Header().Get("Location"); !onSite(loc) {
			t.Fatalf("next=%q: redirected to %q, off the site", v, loc)
		}
		if p := localPath(v); p != "" && !onSite(p) {
			t.Fatalf("localPath(%q) = %q leaves the site", v, p)
		}
	})
}
