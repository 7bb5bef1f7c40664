package web

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// outboxLimit bounds the e-mails the outbox shows.
const outboxLimit = 200

// outboxScope is whose e-mails the signed-in person sees: their own, or,
// for account owners, those of their whole account.
func outboxScope(u *tokenwatch.User) (to string, account int64) {
	if u.AccountOwner {
		return u.Email, u.AccountID
	}
	return u.Email, 0
}

// unsubscribeSecret finds the secret of unsubscribe links.
var unsubscribeSecret = regexp.MustCompile(`/unsubscribe/[A-Za-z0-9_-]+`)

// hideSecrets hides the unsubscribe links of an e-mail to someone else: an
// owner reading the account's outbox must not be able to unsubscribe its
// people.
func hideSecrets(m *store.OutboxMail, viewer *tokenwatch.User) {
	if tokenwatch.NormalizeEmail(m.To) == viewer.Email {
		return
	}
	for _, s := range []*string{&m.Headers, &m.Text, &m.HTML} {
		*s = unsubscribeSecret.ReplaceAllString(*s, "/unsubscribe/[hidden]")
	}
}

type outboxMail struct {
	*store.OutboxMail
	HeaderLines []string
}

// outbox shows the e-mails the demo would have sent (demo mode only): the
// headers tokenwatch adds, the HTML part (in a sandboxed frame, under a
// policy of its own) and the text part.
func (s *Server) outbox(w http.ResponseWriter, r *http.Request) {
	u := sessionFrom(r.Context()).User
	to, account := outboxScope(u)
	mails, err := s.store.ListOutboxMail(r.Context(), to, account, outboxLimit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	views := make([]outboxMail, len(mails))
	for i, m := range mails {
		hideSecrets(m, u)
		views[i] = outboxMail{OutboxMail: m, HeaderLines: strings.FieldsFunc(m.Headers, func(r rune) bool { return r == '\n' })}
	}
	s.render(w, r, http.StatusOK, "outbox", page{Title: "Mail outbox", Data: views})
}

// outboxHTML serves an e-mail's HTML part for the outbox's frame. It runs
// nothing and loads nothing (a sandbox with no scripts, no requests but
// inline styles and data: images), and only this site may frame it.
func (s *Server) outboxHTML(w http.ResponseWriter, r *http.Request) {
	u := sessionFrom(r.Context()).User
	to, account := outboxScope(u)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, r, errNotFound("e-mail"))
		return
	}
	m, err := s.store.GetOutboxMail(r.Context(), id, to, account)
	if err != nil {
		s.fail(w, r, errNotFound("e-mail"))
		return
	}
	hideSecrets(m, u)
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox; frame-ancestors 'self'; base-uri 'none'; form-action 'none'")
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.Write([]byte(m.HTML))
}
