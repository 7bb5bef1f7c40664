package web

import "net/http"

// outbox shows the e-mails the demo would have sent (demo mode only) to
// the signed-in user, or to anyone of their account for its owners.
func (s *Server) outbox(w http.ResponseWriter, r *http.Request) {
	// Each person sees the e-mails sent to them; account owners, those of
	// their whole account.
	u := sessionFrom(r.Context()).User
	var account int64
	if u.AccountOwner {
		account = u.AccountID
	}
	mails, err := s.store.ListOutboxMail(r.Context(), u.Email, account, 200)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "outbox", page{Title: "Mail outbox", Data: mails})
}
