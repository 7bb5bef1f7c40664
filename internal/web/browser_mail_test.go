package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tokenwatch/tokenwatch/internal/alert"
	"github.com/tokenwatch/tokenwatch/internal/jobs"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/mail"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/store/storetest"
	"github.com/tokenwatch/tokenwatch/internal/web"
)

// sweepDemo runs the alert sweep over the demo data and delivers its
// e-mails into the demo's outbox.
func sweepDemo(t *testing.T, e *demoEnv) {
	t.Helper()
	ctx := context.Background()
	if _, err := jobs.Migrate(ctx, e.st); err != nil {
		t.Fatal(err)
	}
	j, err := jobs.New(e.st, jobs.Config{Store: e.st, Mail: mail.Outbox{Store: e.st}, Work: true, Workers: 4, BaseURL: "https://tw.example"})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		j.Stop(ctx)
	})
	sw := alert.New(e.st, alert.Options{Policy: lifecycle.Default(), BaseURL: "https://tw.example", MailFrom: "tokenwatch <alerts@tw.example>",
		Queue: j, Now: func() time.Time { return demoNow }})
	if _, err := sw.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	for end := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if len(storetest.Deliveries(t, e.st, storetest.DeliveryFilter{Status: store.DeliveryPending})) == 0 {
			return
		}
		if time.Now().After(end) {
			t.Fatal("the demo's e-mails are still pending")
		}
	}
}

// TestBrowserNotificationsAndOutbox: after a sweep over the demo, the
// member's notifications come by page, the worst first, in their time;
// their e-mail in the outbox shows its headers, its HTML part (in a
// sandboxed frame) and its text.
func TestBrowserNotificationsAndOutbox(t *testing.T) {
	t.Parallel()
	e := newDemoWith(t, func(o *web.Options) { o.Outbox = true })
	sweepDemo(t, e)
	e.onScreens(t, "member@demo.test", func(t *testing.T, b *tab) {
		b.submit(chromedp.Click(chromedp.ID("nav-notifications")))
		groups := b.texts("li.notification-group h2")
		if len(groups) < 5 || !strings.Contains(groups[0], "Demo Bakery – Downtown") {
			t.Errorf("the notification groups: %q", groups)
		}
		if !strings.Contains(b.text("main .lead"), "Times are America/New_York time.") || !strings.Contains(b.text("li.notification time"), "EDT") {
			t.Errorf("times: %q, %q", b.text("main .lead"), b.text("li.notification time"))
		}
		b.screenshot("notifications")

		b.submit(chromedp.Click(chromedp.ID("nav-outbox")))
		if got := b.text("article.mail h2"); !strings.HasPrefix(got, "7 pages need reconnecting – Demo Brand") {
			t.Errorf("the member's e-mail: %q", got)
		}
		headers := b.text("article.mail pre.headers")
		if !strings.Contains(headers, "List-Unsubscribe: <https://tw.example/unsubscribe/") || !strings.Contains(headers, "List-Unsubscribe-Post: List-Unsubscribe=One-Click") {
			t.Errorf("headers %q", headers)
		}
		// The HTML part is framed (its page is checked in TestOutboxShowsHeadersAndBothParts).
		if n := b.count(`iframe.mail-html[sandbox=""]`); n != 1 {
			t.Errorf("%d sandboxed frames", n)
		}
		b.screenshot("outbox")
	})
}
