package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/connect"
)

// pageFromPath returns the page named by the {id} path value as the
// signed-in user sees it; pages of other locations do not exist.
func (s *Server) pageFromPath(r *http.Request) (*pageView, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return nil, errNotFound("page")
	}
	sc, err := s.scopeOf(r)
	if err != nil {
		return nil, err
	}
	v, err := sc.page(id)
	return &v, err
}

// reconnectPage shows one page and its Reconnect button: the page alert
// e-mails link to.
func (s *Server) reconnectPage(w http.ResponseWriter, r *http.Request) {
	v, err := s.pageFromPath(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "reconnect", page{Title: "Reconnect " + v.Name, Data: v})
}

// reconnect sends the browser to the network's consent screen.
func (s *Server) reconnect(w http.ResponseWriter, r *http.Request) {
	if s.opts.Flow == nil {
		s.fail(w, r, tokenwatch.Errorf(tokenwatch.CodeUnavailable, "Reconnecting is not set up on this tokenwatch."))
		return
	}
	v, err := s.pageFromPath(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sess := sessionFrom(r.Context())
	u, err := s.opts.Flow.BeginReconnect(r.Context(), sess.User, sess.token, v.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, u, http.StatusSeeOther)
}

// oauthCallback takes a network's answer to a connect or reconnect.
func (s *Server) oauthCallback(w http.ResponseWriter, r *http.Request) {
	if s.opts.Flow == nil {
		s.fail(w, r, tokenwatch.Errorf(tokenwatch.CodeUnavailable, "Connecting is not set up on this tokenwatch."))
		return
	}
	sess := sessionFrom(r.Context())
	p := tokenwatch.Provider(r.PathValue("provider"))
	res, err := s.opts.Flow.Callback(r.Context(), sess.User, sess.token, p, r.URL.Query())
	var fl *connect.Failure
	switch {
	case errors.As(err, &fl):
		s.log.Info("connect flow failed", "provider", p, "user", sess.User.ID, "err", err)
		s.render(w, r, http.StatusOK, "connect_failed", page{Title: "Not connected", Data: fl})
		return
	case err != nil:
		s.fail(w, r, err)
		return
	case res.Reconnected != nil:
		s.render(w, r, http.StatusOK, "connected", page{Title: "Reconnected", Data: connectedData{Pages: []*tokenwatch.Page{res.Reconnected}, Reconnect: true}})
		return
	}
	http.Redirect(w, r, "/connect/choose?pending="+res.PendingID, http.StatusSeeOther)
}

type connectedData struct {
	Pages     []*tokenwatch.Page
	Reconnect bool
}
