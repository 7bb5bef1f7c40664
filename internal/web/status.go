package web

import (
	"net/http"

	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// statusView is the /status page: service problems, those of tokenwatch's
// own app or configuration at a network, apart from any page's.
type statusView struct {
	Open     []store.ServiceProblem
	Recent   []*store.ServiceProblem
	Versions []provider.VersionStatus
}

// status shows the service problems open now, those of the last 30 days,
// and the network API versions in use.
func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	var v statusView
	if st := s.opts.Status; st != nil {
		v.Open, v.Versions = st.Open(), st.Versions()
		recent, err := st.Recent(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v.Recent = recent
	}
	s.render(w, r, http.StatusOK, "status", page{Title: "Service status", Data: v})
}
