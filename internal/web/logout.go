package web

import "net/http"

// logout ends the session and forgets its cookie; "Sign out everywhere"
// (everywhere=1) ends every session of the user, on every browser.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if sess := s.currentSession(r); sess != nil {
		if !sess.validForm(r) {
			s.fail(w, r, errFormExpired)
			return
		}
		var err error
		if r.PostFormValue("everywhere") != "" {
			var n int64
			n, err = s.store.DeleteUserSessions(r.Context(), sess.User.ID)
			s.log.Info("signed out everywhere", "user", sess.User.ID, "sessions", n)
		} else {
			err = s.store.DeleteSession(r.Context(), sess.token)
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: s.opts.CookieSecure,
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
