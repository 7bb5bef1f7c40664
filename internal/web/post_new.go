package web

import (
	"net/http"
	"time"
)

// newPost shows the post form. Its values may come in the query, so that
// choosing a page re-renders the form with what the server knows about it:
// a page that cannot publish gets a red Reconnect button at the top.
func (s *Server) newPost(w http.ResponseWriter, r *http.Request) {
	v, err := s.viewerOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f, err := s.readPostForm(r, v, r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if f.At == "" && f.Location.Location != nil {
		// Tomorrow at nine, the location's time: a time people often pick.
		t := s.now().In(f.Location.Loc())
		f.At = time.Date(t.Year(), t.Month(), t.Day()+1, 9, 0, 0, 0, t.Location()).Format(datetimeLocal)
	}
	s.render(w, r, http.StatusOK, "post_form", page{Title: "New post", Data: f})
}
