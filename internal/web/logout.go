package web

import "net/http"

// logout ends the session and forgets its cookie.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if sess := s.currentSession(r); sess != nil {
		if !sess.validForm(r) {
			s.fail(w, r, errFormExpired)
			return
		}
		if err := s.store.DeleteSession(r.Context(), sess.token); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: s.opts.CookieSecure,
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
