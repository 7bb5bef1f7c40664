package web

import (
	"net/http"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/password"
)

type meData struct {
	Name      string
	Email     string
	Sessions  int
	NameError string
	PwError   string
}

// me shows the signed-in person's own settings: name, password, sessions.
func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	s.renderMe(w, r, http.StatusOK, meData{})
}

func (s *Server) renderMe(w http.ResponseWriter, r *http.Request, status int, d meData) {
	sess := sessionFrom(r.Context())
	u, err := s.store.GetUser(r.Context(), sess.User.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Name == "" {
		d.Name = u.Name
	}
	d.Email = u.Email
	if d.Sessions, err = s.store.CountSessions(r.Context(), u.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, "me", page{Title: "Your settings", Data: d})
}

// meName changes the signed-in person's name.
func (s *Server) meName(w http.ResponseWriter, r *http.Request) {
	sess := sessionFrom(r.Context())
	name, _ := field(r, "name", 200)
	if err := s.store.SetUserName(r.Context(), sess.User.ID, name); err != nil {
		if tokenwatch.ErrorCode(err) == tokenwatch.CodeInvalid {
			s.renderMe(w, r, http.StatusBadRequest, meData{Name: name, NameError: tokenwatch.ErrorMessage(err)})
			return
		}
		s.fail(w, r, err)
		return
	}
	setFlash(w, "Your name is saved.")
	http.Redirect(w, r, "/me", http.StatusSeeOther)
}

// mePassword changes the signed-in person's password, given the current
// one, and ends their other sessions.
func (s *Server) mePassword(w http.ResponseWriter, r *http.Request) {
	sess := sessionFrom(r.Context())
	current, ok1 := field(r, "current", maxPassword)
	pw, ok2 := field(r, "password", maxPassword)
	_, hash, err := s.store.UserLogin(r.Context(), sess.User.Email)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	fail := func(msg string) { s.renderMe(w, r, http.StatusBadRequest, meData{PwError: msg}) }
	switch {
	case !ok1 || !ok2:
		fail("A password may have at most 72 bytes.")
		return
	case !password.Verify(hash, current):
		fail("Your current password is not that.")
		return
	case pw != r.PostFormValue("password2"):
		fail("The two new passwords differ.")
		return
	}
	if err := password.Check(pw); err != nil {
		fail(tokenwatch.ErrorMessage(err))
		return
	}
	newHash, err := password.Hash(pw, s.opts.PasswordCost)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.store.SetPassword(r.Context(), sess.User.ID, newHash); err != nil {
		s.fail(w, r, err)
		return
	}
	n, err := s.store.DeleteOtherSessions(r.Context(), sess.User.ID, sess.token)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("password changed", "user", sess.User.ID, "other_sessions_ended", n)
	setFlash(w, "Your password is changed; your other sessions have ended.")
	http.Redirect(w, r, "/me", http.StatusSeeOther)
}

// meSessions ends the signed-in person's other sessions.
func (s *Server) meSessions(w http.ResponseWriter, r *http.Request) {
	sess := sessionFrom(r.Context())
	if _, err := s.store.DeleteOtherSessions(r.Context(), sess.User.ID, sess.token); err != nil {
		s.fail(w, r, err)
		return
	}
	setFlash(w, "Your other sessions have ended.")
	http.Redirect(w, r, "/me", http.StatusSeeOther)
}
