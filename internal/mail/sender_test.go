package mail_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"net/url"
	"strings"
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
	if err := s.Send(ctx, m); err == nil || errors.Is(err, tokenwatch.ErrPermanent) {
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
	if err := s.Send(ctx, bad); !errors.Is(err, tokenwatch.ErrPermanent) {
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
	if err := s.Send(ctx, gone); !errors.Is(err, tokenwatch.ErrPermanent) {
		t.Errorf("refused mailbox: %v, want permanent", err)
	}
	if err := s.Send(ctx, m2); err != nil {
		t.Errorf("after a refusal: %v", err)
	}
	if _, err := mail.NewSMTP(tokenwatch.NewSecret("http://user:hunter2@x"), "a@b", mail.SMTPOptions{}); err == nil || contains(err.Error(), "hunter2") {
		t.Errorf("bad URL: %v", err)
	}
}

// selfSigned returns a server certificate for 127.0.0.1 and a client
// configuration that trusts it.
func selfSigned(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mailtest"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, &tls.Config{RootCAs: pool}
}

func TestSMTPStartTLSAndAuth(t *testing.T) {
	t.Parallel()
	serverTLS, clientTLS := selfSigned(t)
	srv := mailtest.StartWith(t, mailtest.Options{TLS: serverTLS, User: "tw", Password: "s3cret pass"})
	host, port, _ := net.SplitHostPort(srv.Addr)
	u := url.URL{Scheme: "smtp", User: url.UserPassword("tw", "s3cret pass"), Host: net.JoinHostPort(host, port)}
	good := tokenwatch.NewSecret(u.String())
	s, err := mail.NewSMTP(good, "tokenwatch <alerts@tw.example>", mail.SMTPOptions{Timeout: 2 * time.Second, TLS: clientTLS})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	m, _ := mail.Render(digest(1))
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("STARTTLS with PLAIN auth: %v", err)
	}
	if got := srv.Wait(1, 5*time.Second); len(got) != 1 {
		t.Fatalf("%d messages", len(got))
	}
	bad, _ := mail.NewSMTP(tokenwatch.NewSecret("smtp://tw:wrong@"+host+":"+port), "a@tw.example", mail.SMTPOptions{Timeout: 2 * time.Second, TLS: clientTLS})
	defer bad.Close()
	err = bad.Send(context.Background(), m)
	if err == nil || errors.Is(err, tokenwatch.ErrPermanent) || strings.Contains(err.Error(), "wrong") {
		t.Errorf("wrong password: %v, want a temporary error that does not show it", err)
	}
}

// TestSMTPCarriesUnsubscribeHeaders: the one-click headers of RFC 8058
// reach the mail server as they are.
func TestSMTPCarriesUnsubscribeHeaders(t *testing.T) {
	t.Parallel()
	srv := mailtest.Start(t)
	s, err := mail.NewSMTP(tokenwatch.NewSecret(srv.URL()), "tokenwatch <alerts@tw.example>", mail.SMTPOptions{Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	d := digest(3)
	d.UnsubscribeURL = "https://tw.example/unsubscribe/abcDEF123_-"
	m, _ := mail.Render(d)
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := srv.Wait(1, 5*time.Second)
	if len(got) != 1 {
		t.Fatal("nothing arrived")
	}
	h := got[0].Header
	if h.Get("List-Unsubscribe") != "<https://tw.example/unsubscribe/abcDEF123_->" || h.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Errorf("headers %v", h)
	}
}
