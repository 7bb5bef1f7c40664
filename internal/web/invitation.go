package web

import (
	"net/http"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// maxSecret bounds a link's secret read from a path.
const maxSecret = 100

type invitationData struct {
	Invitation *store.Invitation
	Account    string
	What       string
	Name       string
	Error      string
}

// invitationPage shows an invitation and the form to accept it: no
// session is needed, the link's secret is the proof.
func (s *Server) invitationPage(w http.ResponseWriter, r *http.Request) {
	s.renderInvitation(w, r, http.StatusOK, "", "")
}

func (s *Server) renderInvitation(w http.ResponseWriter, r *http.Request, status int, name, msg string) {
	secret := r.PathValue("token")
	if len(secret) > maxSecret {
		s.fail(w, r, errNotFound("invitation"))
		return
	}
	w.Header().Set("Referrer-Policy", "no-referrer")
	inv, err := s.opts.Admin.Invitation(r.Context(), secret)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	account, err := s.store.GetAccount(r.Context(), inv.AccountID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := invitationData{Invitation: inv, Account: account.Name, Name: name, Error: msg, What: "an owner of the account"}
	if !inv.AccountOwner {
		l, err := s.store.GetLocation(r.Context(), inv.LocationID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.What = string(inv.Role) + " at " + l.Name
	}
	s.render(w, r, status, "invitation", page{Title: "Join " + account.Name, Data: d})
}

// acceptInvitation creates the invited person's sign-in and signs them in.
func (s *Server) acceptInvitation(w http.ResponseWriter, r *http.Request) {
	secret := r.PathValue("token")
	if len(secret) > maxSecret {
		s.fail(w, r, errNotFound("invitation"))
		return
	}
	name, _ := field(r, "name", 200)
	pw, pwOK := field(r, "password", maxPassword)
	if !pwOK {
		s.renderInvitation(w, r, http.StatusBadRequest, name, "The password is too long.")
		return
	}
	if pw != r.PostFormValue("password2") {
		s.renderInvitation(w, r, http.StatusBadRequest, name, "The two passwords differ.")
		return
	}
	u, err := s.opts.Admin.Accept(r.Context(), secret, name, pw)
	if err != nil {
		if tokenwatch.ErrorCode(err) == tokenwatch.CodeInvalid {
			s.renderInvitation(w, r, http.StatusBadRequest, name, tokenwatch.ErrorMessage(err))
			return
		}
		s.fail(w, r, err)
		return
	}
	token, err := s.store.CreateSession(r.Context(), u.ID, s.opts.SessionTTL)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token.Reveal(), Path: "/", HttpOnly: true,
		Secure: s.opts.CookieSecure, SameSite: http.SameSiteLaxMode, MaxAge: int(s.opts.SessionTTL / time.Second)})
	s.log.Info("invitation accepted", "user", u.ID)
	setFlash(w, "Welcome, "+u.Name+". You take part in your account as invited.")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
