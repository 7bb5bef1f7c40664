package web

import (
	"net/http"
	"strconv"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/access"
	"github.com/tokenwatch/tokenwatch/internal/connect"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

type connectData struct {
	Providers []tokenwatch.Provider
	Locations []store.LocationRole
	// Chosen is the location picked in advance (?location=).
	Chosen int64
}

// connectForm asks which network to connect, to which location.
func (s *Server) connectForm(w http.ResponseWriter, r *http.Request) {
	if s.opts.Flow == nil {
		s.fail(w, r, tokenwatch.Errorf(tokenwatch.CodeUnavailable, "Connecting is not set up on this tokenwatch."))
		return
	}
	u := sessionFrom(r.Context()).User
	locs, err := s.store.UserLocations(r.Context(), u.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	actor := userActor(u, locs)
	var mine []store.LocationRole
	for _, l := range locs {
		if access.Decide(actor, access.Connect, access.Target{AccountID: l.AccountID, LocationID: l.ID}) == access.Allowed {
			mine = append(mine, l)
		}
	}
	chosen, _ := strconv.ParseInt(r.URL.Query().Get("location"), 10, 64)
	s.render(w, r, http.StatusOK, "connect", page{Title: "Connect a page",
		Data: connectData{Providers: s.opts.Flow.Providers(), Locations: mine, Chosen: chosen}})
}

// connectStart sends the browser to the chosen network's consent screen.
func (s *Server) connectStart(w http.ResponseWriter, r *http.Request) {
	if s.opts.Flow == nil {
		s.fail(w, r, tokenwatch.Errorf(tokenwatch.CodeUnavailable, "Connecting is not set up on this tokenwatch."))
		return
	}
	sess := sessionFrom(r.Context())
	loc, err := strconv.ParseInt(r.PostFormValue("location"), 10, 64)
	if err != nil {
		s.fail(w, r, tokenwatch.Errorf(tokenwatch.CodeInvalid, "Choose a location."))
		return
	}
	u, err := s.opts.Flow.BeginConnect(r.Context(), connect.User(sess.User), sess.token, tokenwatch.Provider(r.PostFormValue("provider")), loc, "")
	if err != nil {
		if tokenwatch.IsNotFound(err) {
			err = tokenwatch.Errorf(tokenwatch.CodeNotFound, "location not found")
		}
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, u, http.StatusSeeOther)
}

type chooseData struct {
	PendingID string
	*connect.Choices
	Location *store.LocationRole
}

// connectChoose lists the pages the consenting account may connect.
func (s *Server) connectChoose(w http.ResponseWriter, r *http.Request) {
	s.renderChoices(w, r, r.URL.Query().Get("pending"), http.StatusOK, "")
}

func (s *Server) renderChoices(w http.ResponseWriter, r *http.Request, pendingID string, status int, flash string) {
	if s.opts.Flow == nil {
		s.fail(w, r, tokenwatch.Errorf(tokenwatch.CodeUnavailable, "Connecting is not set up on this tokenwatch."))
		return
	}
	sess := sessionFrom(r.Context())
	ch, err := s.opts.Flow.Choices(r.Context(), connect.User(sess.User), sess.token, pendingID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data := chooseData{PendingID: pendingID, Choices: ch}
	locs, err := s.store.UserLocations(r.Context(), sess.User.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for i := range locs {
		if locs[i].ID == ch.LocationID {
			data.Location = &locs[i]
		}
	}
	s.render(w, r, status, "choose", page{Title: "Choose pages", Flash: flash, Data: data})
}

// connectFinish connects the chosen pages.
func (s *Server) connectFinish(w http.ResponseWriter, r *http.Request) {
	sess := sessionFrom(r.Context())
	pendingID := r.PostFormValue("pending")
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, tokenwatch.Errorf(tokenwatch.CodeInvalid, "The form could not be read."))
		return
	}
	pages, err := s.opts.Flow.Finish(r.Context(), connect.User(sess.User), sess.token, pendingID, r.PostForm["page"])
	if err != nil {
		if c := tokenwatch.ErrorCode(err); (c == tokenwatch.CodeInvalid || c == tokenwatch.CodeForbidden || c == tokenwatch.CodeConflict) && len(pages) == 0 {
			s.renderChoices(w, r, pendingID, tokenwatch.HTTPStatus(err), tokenwatch.ErrorMessage(err))
			return
		}
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "connected", page{Title: "Connected", Data: connectedData{Pages: pages}})
}
