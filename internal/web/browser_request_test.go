package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tokenwatch/tokenwatch"
)

// requestLink reads the reconnect link of the latest e-mail to an address.
func (e *liveEnv) requestLink(t *testing.T, to string) string {
	t.Helper()
	mails, err := e.st.ListOutboxMail(t.Context(), to, 0, 1)
	if err != nil || len(mails) != 1 {
		t.Fatalf("no e-mail to %s: %v", to, err)
	}
	i := strings.Index(mails[0].Text, e.srv.URL+"/r/")
	if i < 0 {
		t.Fatalf("no reconnect link in:\n%s", mails[0].Text)
	}
	return strings.TrimPrefix(strings.Fields(mails[0].Text[i:])[0], e.srv.URL)
}

// TestBrowserReconnectRequest: a member, who cannot reconnect, asks someone
// outside tokenwatch by e-mail to reconnect an expired page; the e-mail's
// link, opened in a browser with no session, runs the network's consent as
// the page's network account and fixes the page (and the other page that
// account connected); the member is told; the link opened again is
// refused. A consent by a network account without the page's role is
// refused, naming the role.
func TestBrowserReconnectRequest(t *testing.T) {
	t.Parallel()
	e := newLive(t)
	fb := e.w.Page(t, "fb-riverside") // expired, connected by the manager's Facebook account
	member := e.newTab(t, false)
	member.signInQuietly("member@demo.test")
	member.open("/pages/" + itoa(fb.ID))
	if member.count(`form[action$="/reconnect"]`) != 0 || member.count(`#ask form, form[action$="/ask"]`) != 1 {
		t.Fatal("the member has a Reconnect button or no way to ask")
	}
	member.set("ask-recipient", "franchisee@example.com")
	member.set("ask-message", "Could you reconnect our Facebook page? Thanks!")
	member.submit(chromedp.Click(chromedp.CSS(`form[action$="/ask"] button`)))
	if n := member.text("main p.notice"); !strings.Contains(n, "Asked franchisee@example.com") {
		t.Errorf("after asking: %q", n)
	}
	if got := member.text("ul.requests li"); !strings.Contains(got, "franchisee@example.com") {
		t.Errorf("the open request is not listed: %q", got)
	}
	member.screenshot("request-asked")
	member.open("/issues")
	if got := member.text(`tr.issue[data-page="` + itoa(fb.ID) + `"] .asked`); got != "Asked to reconnect: franchisee@example.com" {
		t.Errorf("the Issues list says %q of the open request", got)
	}

	link := e.requestLink(t, "franchisee@example.com")
	outside := e.newTab(t, false)
	outside.open(link)
	if got := outside.text("main"); !strings.Contains(got, fb.Name) || !strings.Contains(got, "full control of the Page") ||
		!strings.Contains(got, "Could you reconnect our Facebook page?") {
		t.Fatalf("the landing page:\n%s", got)
	}
	outside.screenshot("request-landing")
	outside.submit(chromedp.Click(chromedp.CSS(`main form button`)))
	outside.submit(chromedp.Click(chromedp.CSS(`button[value="` + fb.ProviderUserID + `"]`)))
	if got := outside.text("main"); !strings.Contains(got, fb.Name) {
		t.Fatalf("after the consent:\n%s", got)
	}
	outside.screenshot("request-done")
	outside.done()
	if after := e.w.Page(t, "fb-riverside"); after.State != tokenwatch.StateHealthy || after.Generation != fb.Generation+1 {
		t.Errorf("the page after the consent: %s, generation %d", after.State, after.Generation)
	}
	member.open("/notifications")
	if got := member.text("main"); !strings.Contains(got, "was reconnected by franchisee@example.com") {
		t.Errorf("the member was not told:\n%s", got)
	}
	again := e.newTab(t, false)
	if status := again.open(link); status != 404 || !strings.Contains(again.text("main"), "does not work") {
		t.Errorf("the link opened again: %d", status)
	}
	again.done()

	// Any LinkedIn account may answer this one, but only with the role.
	li := e.w.Page(t, "li-airport")
	member.open("/pages/" + itoa(li.ID))
	member.set("ask-recipient", "it@example.com")
	member.eval(`document.querySelector("input[name=any_account]").checked = true`, new(bool))
	member.submit(chromedp.Click(chromedp.CSS(`form[action$="/ask"] button`)))
	it := e.newTab(t, false)
	it.open(e.requestLink(t, "it@example.com"))
	it.submit(chromedp.Click(chromedp.CSS(`main form button`)))
	it.submit(chromedp.Click(chromedp.CSS(`button[value="demo-member"]`)))
	if got := it.text("main"); !strings.Contains(got, "Super Admin") {
		t.Errorf("a consent without the role:\n%s", got)
	}
	it.screenshot("request-refused")
	if after := e.w.Page(t, "li-airport"); after.Generation != li.Generation {
		t.Error("a consent without the role renewed the page")
	}
}
