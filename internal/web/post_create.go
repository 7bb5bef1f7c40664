package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/posts"
)

// createPost schedules a post. A form with mistakes comes back filled in,
// with what is wrong next to each field. The "check" action only re-renders
// the form (the way to check chosen pages without JavaScript).
func (s *Server) createPost(w http.ResponseWriter, r *http.Request) {
	v, err := s.viewerOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, tokenwatch.WrapError(tokenwatch.CodeInvalid, err, "The form could not be read."))
		return
	}
	f, err := s.readPostForm(r, v, r.PostForm)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if r.PostFormValue("action") == "check" {
		s.render(w, r, http.StatusOK, "post_form", page{Title: "New post", Data: f})
		return
	}
	d := f.draft(s.now())
	if d == nil {
		s.render(w, r, http.StatusBadRequest, "post_form", page{Title: "New post", Data: f})
		return
	}
	u := sessionFrom(r.Context()).User
	d.AuthorID = u.ID
	post, err := posts.Schedule(r.Context(), s.store, v.Actor, *d, s.now())
	if err != nil {
		var invalid *posts.Invalid
		if !errors.As(err, &invalid) {
			s.fail(w, r, err)
			return
		}
		for _, p := range invalid.Problems {
			f.fail(p.Field, p.Message)
		}
		s.render(w, r, http.StatusBadRequest, "post_form", page{Title: "New post", Data: f})
		return
	}
	q := url.Values{
		"location":  {strconv.FormatInt(post.LocationID, 10)},
		"date":      {post.ScheduledAt.In(f.Location.Loc()).Format(dayFormat)},
		"scheduled": {strconv.FormatInt(post.ID, 10)},
	}
	http.Redirect(w, r, "/calendar?"+q.Encode(), http.StatusSeeOther)
}
