// Package mailtest runs a real SMTP server on loopback for tests: it
// accepts every message, keeps it decoded for assertions, and can be
// stopped and started again on the same address to play an outage.
package mailtest

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is an e-mail the server received.
type Message struct {
	MessageID string // without angle brackets
	From, To  string // envelope
	Subject   string
	Text      string // the text/plain part, decoded
	HTML      string // the text/html part, decoded
	// Header is the message's header, as received.
	Header mail.Header
}

// Server is an SMTP server on 127.0.0.1.
type Server struct {
	Addr string

	mu       sync.Mutex
	msgs     []Message
	srv      *smtp.Server
	received chan struct{}
	reject   func(to string) error
	delay    time.Duration
	// TLS, when set before Start's server accepts, is offered with
	// STARTTLS; User and Password, when set, are required with AUTH PLAIN.
	tls            *tls.Config
	user, password string
}

// Options configures a server.
type Options struct {
	// TLS is offered with STARTTLS when set.
	TLS *tls.Config
	// User and Password, when set, must be given with AUTH PLAIN.
	User, Password string
}

// StartWith starts a server with options.
func StartWith(t testing.TB, o Options) *Server {
	t.Helper()
	s := &Server{received: make(chan struct{}, 1), tls: o.TLS, user: o.User, password: o.Password}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	s.serve(ln)
	t.Cleanup(s.Stop)
	return s
}

// SetReject makes the server call reject with each recipient; an error
// refuses the recipient for good (550).
func (s *Server) SetReject(reject func(to string) error) {
	s.mu.Lock()
	s.reject = reject
	s.mu.Unlock()
}

// SetDelay slows down the acceptance of each message.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	s.delay = d
	s.mu.Unlock()
}

// Start starts a plain server that stops when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	return StartWith(t, Options{})
}

func (s *Server) serve(ln net.Listener) {
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	srv.Domain = "mailtest.local"
	srv.ErrorLog = log.New(io.Discard, "", 0) // clients killed mid-way are expected
	srv.AllowInsecureAuth = s.tls == nil
	srv.TLSConfig = s.tls
	srv.ReadTimeout = 30 * time.Second
	srv.WriteTimeout = 30 * time.Second
	s.mu.Lock()
	s.srv = srv
	s.mu.Unlock()
	go srv.Serve(ln)
}

// URL is the server's smtp:// URL.
func (s *Server) URL() string { return "smtp://" + s.Addr }

// Stop closes the server and its connections: connecting is refused.
func (s *Server) Stop() {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

// Drain stops the server gracefully: it refuses new connections and waits
// until every open session has ended (its client quit or died), or
// timeout. Once it returns, Messages holds everything the server will ever
// have received.
func (s *Server) Drain(t testing.TB, timeout time.Duration) {
	t.Helper()
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	if srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
		srv.Close()
		t.Fatalf("mailtest: sessions still open after %v: %v", timeout, err)
	}
}

// Restart listens again on the same address after Stop.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	var (
		ln  net.Listener
		err error
	)
	for range 50 {
		if ln, err = net.Listen("tcp", s.Addr); err == nil {
			s.serve(ln)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("mailtest: listening again on %s: %v", s.Addr, err)
}

// Messages returns the messages received so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Wait waits until at least n messages arrived, or timeout, and returns
// what arrived.
func (s *Server) Wait(n int, timeout time.Duration) []Message {
	deadline := time.After(timeout)
	for {
		if ms := s.Messages(); len(ms) >= n {
			return ms
		}
		select {
		case <-s.received:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			return s.Messages()
		}
	}
}

type session struct {
	s      *Server
	from   string
	to     []string
	authed bool
}

func (ss *session) AuthMechanisms() []string {
	if ss.s.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, password string) error {
		if user != ss.s.user || password != ss.s.password {
			return errors.New("invalid credentials")
		}
		ss.authed = true
		return nil
	}), nil
}

func (ss *session) Reset()        { ss.from, ss.to = "", nil }
func (ss *session) Logout() error { return nil }

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.user != "" && !ss.authed {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.mu.Lock()
	r := ss.s.reject
	ss.s.mu.Unlock()
	if r != nil {
		if err := r(to); err != nil {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: err.Error()}
		}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.s.mu.Lock()
	delay := ss.s.delay
	ss.s.mu.Unlock()
	time.Sleep(delay)
	m, err := parse(raw)
	if err != nil {
		return err
	}
	m.From = ss.from
	m.To = strings.Join(ss.to, ",")
	ss.s.mu.Lock()
	ss.s.msgs = append(ss.s.msgs, m)
	ss.s.mu.Unlock()
	select {
	case ss.s.received <- struct{}{}:
	default:
	}
	return nil
}

func parse(raw []byte) (Message, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Message{}, err
	}
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		subject = msg.Header.Get("Subject")
	}
	m := Message{MessageID: strings.Trim(msg.Header.Get("Message-Id"), "<>"), Subject: subject, Header: msg.Header}
	err = walk(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body, &m)
	return m, err
}

func walk(contentType, encoding string, body io.Reader, m *Message) error {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = "text/plain"
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if err := walk(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, m); err != nil {
				return err
			}
		}
	}
	if strings.EqualFold(encoding, "quoted-printable") {
		body = quotedprintable.NewReader(body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	switch mt {
	case "text/plain":
		m.Text = string(b)
	case "text/html":
		m.HTML = string(b)
	}
	return nil
}
