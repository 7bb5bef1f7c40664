package mail_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/mail"
	"github.com/tokenwatch/tokenwatch/internal/mail/mailtest"
)

func TestSMTPSender(t *testing.T) {
	t.Parallel()
	srv := mailtest.Start(t)
	s, err := mail.NewSMTP(tokenwatch.NewSecret(srv.URL()), "tokenwatch <alerts@tw.example>", mail.SMTPOptions{Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	m, _ := mail.Render(digest(1))
	if err := s.Send(ctx, m); err != nil {
		t.Fatal(err)
	}
	// The server restarts: the idle connection is dead; the next message
	// goes out on a fresh one.
	srv.Stop()
	if err := s.Send(ctx, m); err == nil || mail.Permanent(err) {
		t.Errorf("sending while the server is down: %v, want a temporary error", err)
	}
	srv.Restart(t)
	m2, _ := mail.Render(digest(2))
	if err := s.Send(ctx, m2); err != nil {
		t.Fatalf("after the restart: %v", err)
	}
	got := srv.Wait(2, 5*time.Second)
	if len(got) != 2 || got[0].MessageID != "bench-1@tw.example" || got[1].MessageID != "bench-2@tw.example" {
		t.Errorf("received %+v", got)
	}
	// A malformed address, or one the server refuses for good, is permanent.
	bad := m
	bad.To = "not an address"
	if err := s.Send(ctx, bad); !mail.Permanent(err) {
		t.Errorf("malformed address: %v, want permanent", err)
	}
	srv.SetReject(func(to string) error {
		if to == "gone@bench.test" {
			return errors.New("no such user")
		}
		return nil
	})
	gone := m
	gone.To = "gone@bench.test"
	if err := s.Send(ctx, gone); !mail.Permanent(err) {
		t.Errorf("refused mailbox: %v, want permanent", err)
	}
	if err := s.Send(ctx, m2); err != nil {
		t.Errorf("after a refusal: %v", err)
	}
	if _, err := mail.NewSMTP(tokenwatch.NewSecret("http://user:hunter2@x"), "a@b", mail.SMTPOptions{}); err == nil || contains(err.Error(), "hunter2") {
		t.Errorf("bad URL: %v", err)
	}
}
