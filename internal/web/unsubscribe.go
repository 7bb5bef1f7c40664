package web

import (
	"net/http"

	"github.com/tokenwatch/tokenwatch"
)

// unsubscribeData is what the unsubscribe pages show.
type unsubscribeData struct {
	Email string
	Done  bool
}

// unsubscribeForm is where an alert e-mail's unsubscribe link leads: a
// page with a button, and nothing changed yet. Mail scanners open links
// to check them; a GET must not unsubscribe anyone.
func (s *Server) unsubscribeForm(w http.ResponseWriter, r *http.Request) {
	u, err := s.store.UnsubscribeUser(r.Context(), r.PathValue("token"))
	if err != nil {
		s.fail(w, r, unsubscribeLinkError(err))
		return
	}
	s.render(w, r, http.StatusOK, "unsubscribe", page{Title: "Stop alert e-mails", Data: unsubscribeData{Email: u.Email}})
}

// unsubscribe is the one-click unsubscribe of RFC 8058: a POST to the
// link, by the mail client (with the body List-Unsubscribe=One-Click) or
// the page's button, with no session and no form token (the link's secret
// is the authorization). It switches the person's alert e-mails to in-app
// only and answers 200 (never a redirect, which mail clients do not
// follow). The expiry alert still reaches the page admin or the owners if
// nobody at a location gets it by e-mail.
func (s *Server) unsubscribe(w http.ResponseWriter, r *http.Request) {
	u, err := s.store.Unsubscribe(r.Context(), r.PathValue("token"))
	if err != nil {
		s.fail(w, r, unsubscribeLinkError(err))
		return
	}
	s.render(w, r, http.StatusOK, "unsubscribe", page{Title: "Alert e-mails stopped", Data: unsubscribeData{Email: u.Email, Done: true}})
}

func unsubscribeLinkError(err error) error {
	if tokenwatch.IsNotFound(err) {
		return tokenwatch.Errorf(tokenwatch.CodeNotFound, "This unsubscribe link is not valid. Sign in and choose how you are told under Notifications.")
	}
	return err
}
