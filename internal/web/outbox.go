package web

import "net/http"

// outbox shows the e-mails the demo would have sent (demo mode only).
func (s *Server) outbox(w http.ResponseWriter, r *http.Request) {
	mails, err := s.store.ListOutboxMail(r.Context(), 200)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "outbox", page{Title: "Mail outbox", Data: mails})
}
