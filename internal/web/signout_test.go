package web_test

import (
	"net/http"
	"net/url"
	"testing"
)

// "Sign out everywhere" ends the person's sessions on every browser, and
// nobody else's; it is on every page, beside "Sign out".
func TestSignOutEverywhere(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	laptop, phone, other := e.signIn(t, "manager@demo.test"), e.signIn(t, "manager@demo.test"), e.signIn(t, "owner@demo.test")
	_, body, _ := get(t, laptop, e.srv.URL+"/")
	if parseHTML(t, body).Maybe(`header form.signout button[type="submit"][name="everywhere"][value="1"]`) == nil {
		t.Fatal("no Sign out everywhere button on the home page")
	}
	csrf := csrfOf(t, body)
	if status, _, h := post(t, laptop, e.srv.URL+"/logout", url.Values{"csrf": {csrf}, "everywhere": {"1"}}); status != http.StatusSeeOther || h.Get("Location") != "/login" {
		t.Fatalf("sign out everywhere: %d to %q", status, h.Get("Location"))
	}
	for name, c := range map[string]*http.Client{"the laptop": laptop, "the phone": phone} {
		if status, _, _ := get(t, c, e.srv.URL+"/"); status != http.StatusSeeOther {
			t.Errorf("%s is still signed in after signing out everywhere", name)
		}
	}
	if status, _, _ := get(t, other, e.srv.URL+"/"); status != http.StatusOK {
		t.Error("another person was signed out too")
	}
}
