package web

import "net/http"

// closePopup closes the login pop-up for the rest of the session; it comes
// back at the next sign-in while pages still need reconnecting. It leads
// back to the page it was closed on, or to the Issues list.
func (s *Server) closePopup(w http.ResponseWriter, r *http.Request) {
	sess := sessionFrom(r.Context())
	if err := s.store.ClosePopup(r.Context(), sess.token); err != nil {
		s.fail(w, r, err)
		return
	}
	next := safeNext(r.PostFormValue("next"))
	if r.PostFormValue("show") == "issues" {
		next = "/issues"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}
