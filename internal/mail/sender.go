package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// Sender sends rendered e-mails. An error that holds
// tokenwatch.ErrPermanent (a malformed address, a mailbox the server
// refuses for good) would fail the same way again; any other error is
// worth a retry.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// SMTP sends through an SMTP server named by a URL:
// smtp://user:pass@host:587 (STARTTLS when the server offers it) or
// smtps://user:pass@host:465 (TLS). It keeps a few connections open and
// sends many messages over each.
type SMTP struct {
	client *gomail.Client
	from   string
	idle   chan *smtp.Client
	slots  chan struct{} // one per open connection
	mu     sync.Mutex
	closed bool
}

// SMTPOptions tunes the SMTP sender.
type SMTPOptions struct {
	// Connections is the most connections open at once (default 4).
	Connections int
	// Timeout bounds each dial and command (default 15 s).
	Timeout time.Duration
	// TLS replaces the TLS settings (a private CA, say); the server name
	// is the URL's host.
	TLS *tls.Config
}

// NewSMTP returns a sender for the server at rawURL (a secret: it may hold
// a password), with from as the sender address.
func NewSMTP(rawURL tokenwatch.Secret, from string, opts SMTPOptions) (*SMTP, error) {
	u, err := url.Parse(rawURL.Reveal())
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		// Never echo the URL: it may hold the password.
		return nil, errors.New("TOKENWATCH_SMTP_URL: not an smtp:// or smtps:// URL with a host")
	}
	if _, err := mail.ParseAddress(from); err != nil {
		return nil, fmt.Errorf("TOKENWATCH_MAIL_FROM: %q is not an e-mail address", from)
	}
	if opts.Connections <= 0 {
		opts.Connections = 4
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 15 * time.Second
	}
	port := 587
	if u.Scheme == "smtps" {
		port = 465
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, errors.New("TOKENWATCH_SMTP_URL: the port is not a number")
		}
	}
	// No NOOP before and no RSET after each message: a finished DATA
	// resets the transaction anyway, and a connection that died while
	// idle is noticed at MAIL, dropped, and the message sent on a fresh
	// one. Two round trips fewer per message.
	o := []gomail.Option{gomail.WithPort(port), gomail.WithTimeout(opts.Timeout), gomail.WithHELO(helo(from)),
		gomail.WithoutNoop(), gomail.WithoutRset()}
	if u.Scheme == "smtps" {
		o = append(o, gomail.WithSSL())
	} else {
		o = append(o, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if opts.TLS != nil {
		c := opts.TLS.Clone()
		if c.ServerName == "" {
			c.ServerName = u.Hostname()
		}
		o = append(o, gomail.WithTLSConfig(c))
	}
	if u.User != nil && u.User.Username() != "" {
		pw, _ := u.User.Password()
		o = append(o, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(u.User.Username()), gomail.WithPassword(pw))
	}
	c, err := gomail.NewClient(u.Hostname(), o...)
	if err != nil {
		return nil, fmt.Errorf("TOKENWATCH_SMTP_URL: %v", err)
	}
	return &SMTP{client: c, from: from, idle: make(chan *smtp.Client, opts.Connections), slots: make(chan struct{}, opts.Connections)}, nil
}

func helo(from string) string {
	if d := Domain(from); d != "" {
		return d
	}
	return "localhost"
}

// Send sends one message, over an open connection if one is idle.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	msg, err := s.build(m)
	if err != nil {
		return err
	}
	for try := 0; ; try++ {
		conn, fresh, err := s.conn(ctx)
		if err != nil {
			return tokenwatch.WrapError(tokenwatch.CodeUnavailable, err, "The mail server cannot be reached")
		}
		err = s.client.SendWithSMTPClient(conn, msg)
		if err == nil {
			s.release(conn)
			return nil
		}
		// The connection may have died while idle: drop it, and try once
		// more on a fresh one.
		s.drop(conn)
		var se *gomail.SendError
		if errors.As(err, &se) && !se.IsTemp() && se.Reason == gomail.ErrSMTPRcptTo {
			return tokenwatch.WrapError(tokenwatch.CodeInvalid, tokenwatch.Permanent(err), "The mail server refuses the recipient %s", m.To)
		}
		if fresh || try > 0 {
			return tokenwatch.WrapError(tokenwatch.CodeUnavailable, err, "The mail server did not take the message")
		}
	}
}

func (s *SMTP) build(m Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	if err := msg.From(s.from); err != nil {
		return nil, tokenwatch.WrapError(tokenwatch.CodeInvalid, tokenwatch.Permanent(err), "The sender address %q is malformed", s.from)
	}
	if _, err := mail.ParseAddress(m.To); err != nil {
		return nil, tokenwatch.WrapError(tokenwatch.CodeInvalid, tokenwatch.Permanent(err), "The recipient address %q is malformed", m.To)
	}
	if err := msg.To(m.To); err != nil {
		return nil, tokenwatch.WrapError(tokenwatch.CodeInvalid, tokenwatch.Permanent(err), "The recipient address %q is malformed", m.To)
	}
	msg.Subject(m.Subject)
	for _, h := range m.Headers() {
		msg.SetGenHeaderPreformatted(gomail.Header(h[0]), h[1])
	}
	msg.SetMessageIDWithValue(m.MessageID)
	msg.SetDate()
	msg.SetBulk()
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	return msg, nil
}

// conn returns an idle connection, or dials one if fewer than the limit
// are open, or waits for one to come back.
func (s *SMTP) conn(ctx context.Context) (c *smtp.Client, fresh bool, err error) {
	select {
	case c := <-s.idle:
		return c, false, nil
	default:
	}
	select {
	case c := <-s.idle:
		return c, false, nil
	case s.slots <- struct{}{}:
		c, err := s.client.DialToSMTPClientWithContext(ctx)
		if err != nil {
			<-s.slots
			return nil, true, err
		}
		return c, true, nil
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
}

func (s *SMTP) release(c *smtp.Client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		_ = s.client.CloseWithSMTPClient(c)
		<-s.slots
		return
	}
	s.idle <- c // never blocks: at most one idle per slot
}

func (s *SMTP) drop(c *smtp.Client) {
	_ = c.Close()
	<-s.slots
}

// Close closes the idle connections; connections in use close when their
// message is sent.
func (s *SMTP) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	for {
		select {
		case c := <-s.idle:
			_ = s.client.CloseWithSMTPClient(c)
			<-s.slots
		default:
			return nil
		}
	}
}

// Outbox keeps the e-mails in the store's outbox instead of sending them:
// the demo shows them at /outbox.
type Outbox struct{ Store *store.Store }

// Send stores the message; a malformed address fails as SMTP would.
func (o Outbox) Send(ctx context.Context, m Message) error {
	if _, err := mail.ParseAddress(m.To); err != nil {
		return tokenwatch.WrapError(tokenwatch.CodeInvalid, tokenwatch.Permanent(err), "The recipient address %q is malformed", m.To)
	}
	var headers strings.Builder
	for _, h := range m.Headers() {
		headers.WriteString(h[0] + ": " + h[1] + "\n")
	}
	return o.Store.SaveOutboxMail(ctx, &store.OutboxMail{MessageID: m.MessageID, To: m.To, Subject: m.Subject, Headers: headers.String(),
		Text: m.Text, HTML: m.HTML})
}
