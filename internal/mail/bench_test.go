package mail_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/mail"
	"github.com/tokenwatch/tokenwatch/internal/mail/mailtest"
)

func digest(i int) mail.Digest {
	at := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	return mail.Digest{MessageID: fmt.Sprintf("bench-%d@tw.example", i), To: fmt.Sprintf("user%d@bench.test", i), Name: "Ann", At: at,
		Items: []mail.Item{
			{PageID: 1, Provider: tokenwatch.Facebook, Page: "Demo Bakery Downtown", Location: "Downtown", TimeZone: "Europe/Paris",
				Step: "3d", State: tokenwatch.StateExpiring, Deadline: at.Add(3 * 24 * time.Hour), PostsAtRisk: 2, EarliestPost: at.Add(26 * time.Hour),
				ReconnectURL: "https://tw.example/pages/1/reconnect"},
			{PageID: 2, Provider: tokenwatch.LinkedIn, Page: "Demo Bakery", Location: "Harbor", TimeZone: "America/New_York",
				Step: "revoked", State: tokenwatch.StateRevoked, ReconnectURL: "https://tw.example/pages/2/reconnect"},
		}}
}

// BenchmarkSMTPThroughput renders digests and sends them to a real SMTP
// server on loopback over a pool of 8 connections, from 32 goroutines (as
// the e-mail queue's workers do), and reports e-mails per second.
//
//	go test -run '^$' -bench SMTPThroughput -benchtime 5000x ./internal/mail/
func BenchmarkSMTPThroughput(b *testing.B) {
	srv := mailtest.Start(b)
	s, err := mail.NewSMTP(tokenwatch.NewSecret(srv.URL()), "tokenwatch <alerts@tw.example>", mail.SMTPOptions{Connections: 8})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	work := make(chan int)
	var wg sync.WaitGroup
	start := time.Now()
	for range 32 {
		wg.Go(func() {
			for i := range work {
				m, err := mail.Render(digest(i))
				if err == nil {
					err = s.Send(ctx, m)
				}
				if err != nil {
					b.Error(err)
				}
			}
		})
	}
	for i := 0; b.Loop(); i++ {
		work <- i
	}
	close(work)
	wg.Wait()
	elapsed := time.Since(start)
	if got := len(srv.Wait(b.N, 10*time.Second)); got != b.N {
		b.Fatalf("%d of %d messages arrived", got, b.N)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "emails/s")
}

func TestRenderSaysWhatIsWrong(t *testing.T) {
	t.Parallel()
	m, err := mail.Render(digest(1))
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "2 pages need reconnecting" {
		t.Errorf("subject %q", m.Subject)
	}
	for _, s := range []string{"expires in 3 days, on 2 December", "Downtown", "2 scheduled posts at risk, the first on Mon 30 November 2026, 12:00 CET (Europe/Paris)",
		"Deadline: Wed 2 December 2026, 10:00 CET (Europe/Paris)", "https://tw.example/pages/1/reconnect", "https://tw.example/pages/2/reconnect"} {
		if !contains(m.Text, s) || !contains(m.HTML, s) {
			t.Errorf("the digest lacks %q:\n%s", s, m.Text)
		}
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
