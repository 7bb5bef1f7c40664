package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/tokenwatch/tokenwatch/internal/mail"
	"github.com/tokenwatch/tokenwatch/internal/web"
)

// TestOutboxShowsHeadersAndBothParts: the demo's outbox shows each
// message's headers, its HTML part in a sandboxed frame served under a
// policy of its own, and its text part; an unsubscribe secret shows only
// to its own recipient.
func TestOutboxShowsHeadersAndBothParts(t *testing.T) {
	t.Parallel()
	e := newDemoWith(t, func(o *web.Options) { o.Outbox = true })
	m := mail.Message{MessageID: "m1@tw.example", To: "member@demo.test", Subject: "Facebook page expires in 3 days – Downtown",
		Text: "Stop alert e-mails: https://tw.example/unsubscribe/member-secret-token", HTML: `<p style="color: #b00">Hello <script>alert(1)</script><a href="https://tw.example/unsubscribe/member-secret-token">Stop</a></p>`,
		Unsubscribe: "https://tw.example/unsubscribe/member-secret-token"}
	if err := (mail.Outbox{Store: e.st}).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	saved, _ := e.st.ListOutboxMail(context.Background(), "member@demo.test", 0, 1)
	id := saved[0].ID

	member, _ := e.signIn(t, "member@demo.test")
	_, body, _ := get(t, member, e.srv.URL+"/outbox")
	for _, want := range []string{"List-Unsubscribe: &lt;https://tw.example/unsubscribe/member-secret-token&gt;", "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
		fmt.Sprintf(`<iframe class="mail-html" src="/outbox/%d/html" sandbox=""`, id), "Stop alert e-mails: https://tw.example/unsubscribe/member-secret-token"} {
		if !strings.Contains(body, want) {
			t.Errorf("the member's outbox lacks %q", want)
		}
	}
	status, html, h := get(t, member, fmt.Sprintf("%s/outbox/%d/html", e.srv.URL, id))
	csp := h.Get("Content-Security-Policy")
	if status != 200 || html != m.HTML || !strings.Contains(csp, "sandbox") || !strings.Contains(csp, "default-src 'none'") ||
		!strings.Contains(csp, "frame-ancestors 'self'") || h.Get("X-Frame-Options") != "SAMEORIGIN" {
		t.Errorf("the HTML part: %d, CSP %q, X-Frame-Options %q", status, csp, h.Get("X-Frame-Options"))
	}
	// The owner sees the account's e-mails, without the member's secret.
	owner, _ := e.signIn(t, "owner@demo.test")
	_, body, _ = get(t, owner, e.srv.URL+"/outbox")
	if !strings.Contains(body, "Facebook page expires in 3 days") || strings.Contains(body, "member-secret-token") || !strings.Contains(body, "/unsubscribe/[hidden]") {
		t.Errorf("the owner's outbox shows the member's secret, or not the e-mail")
	}
	if _, html, _ := get(t, owner, fmt.Sprintf("%s/outbox/%d/html", e.srv.URL, id)); strings.Contains(html, "member-secret-token") {
		t.Error("the owner's frame shows the member's secret")
	}
	// Someone else's e-mail is not found.
	other, _ := e.signIn(t, "downtown@demo.test")
	if status, _, _ := get(t, other, fmt.Sprintf("%s/outbox/%d/html", e.srv.URL, id)); status != 404 {
		t.Errorf("another member opens the e-mail: %d", status)
	}
}
