package web

import (
	"context"
	"net/http"
)

// notFound answers an address tokenwatch does not serve with an HTML page
// that says so, inside the menu for someone signed in.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	if sess := s.currentSession(r); sess != nil {
		r = r.WithContext(context.WithValue(r.Context(), sessionKey{}, sess))
	}
	s.render(w, r, http.StatusNotFound, "error", page{Title: "Not found", Data: "There is no page at this address."})
}

// favicon serves the icon where browsers look for it without a link.
func (s *Server) favicon(w http.ResponseWriter, r *http.Request) {
	b, err := staticFS.ReadFile("static/favicon.svg")
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Write(b)
}
