package web

import "net/http"

type loginData struct {
	Email      string
	Next       string
	DemoLogins []DemoLogin
}

// loginForm shows the sign-in form; a signed-in user goes on at once.
func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	if s.currentSession(r) != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	next := r.URL.Query().Get("next")
	if len(next) > maxNext {
		next = ""
	}
	s.render(w, r, http.StatusOK, "login", page{Title: "Sign in",
		Data: loginData{Next: next, DemoLogins: s.opts.DemoLogins}})
}
