package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/access"
	"github.com/tokenwatch/tokenwatch/internal/posts"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

func postView(p *tokenwatch.Post) Post {
	v := Post{Id: p.ID, LocationId: p.LocationID, Text: p.Text, ScheduledAt: p.ScheduledAt.UTC(), Status: PostStatus(p.Status),
		Targets: make([]PostTarget, 0, len(p.Targets))}
	if p.Link != "" {
		v.Link = &p.Link
	}
	if p.MediaURL != "" {
		v.MediaUrl = &p.MediaURL
	}
	for _, t := range p.Targets {
		pt := PostTarget{PageId: t.PageID, Status: PostStatus(t.Status), PublishedAt: timePtr(t.PublishedAt)}
		if t.ProviderPostID != "" {
			pt.ProviderPostId = &t.ProviderPostID
		}
		if t.URL != "" && tokenwatch.PostURLOK(t.URL) {
			pt.Url = &t.URL
		}
		if t.Note != "" {
			pt.Error = &t.Note
		}
		v.Targets = append(v.Targets, pt)
	}
	return v
}

func (h *Server) ListPosts(w http.ResponseWriter, r *http.Request, params ListPostsParams) {
	if err := allow(r, access.See, accountTarget(r), "account"); err != nil {
		writeProblem(w, err)
		return
	}
	limit, c, err := paging(params.Limit, params.Cursor, 2)
	if err != nil {
		writeProblem(w, err)
		return
	}
	q := store.PostQuery{AccountID: keyFrom(r.Context()).AccountID, AfterAt: time.UnixMilli(c[0]), AfterID: c[1], Limit: limit + 1}
	if params.Location != nil {
		q.LocationID = *params.Location
	}
	if params.Status != nil {
		for _, s := range *params.Status {
			switch st := tokenwatch.PostStatus(s); st {
			case tokenwatch.PostScheduled, tokenwatch.PostHeld, tokenwatch.PostPublished, tokenwatch.PostFailed, tokenwatch.PostMissed:
				q.Statuses = append(q.Statuses, st)
			default:
				writeProblem(w, invalid("status", "\""+string(s)+"\" is not a post status."))
				return
			}
		}
	}
	ps, err := h.store.QueryPosts(r.Context(), q)
	if err != nil {
		h.fail(w, err)
		return
	}
	ps, more := firstOf(ps, limit, func(p *tokenwatch.Post) []int64 { return []int64{millis(p.ScheduledAt), p.ID} })
	writeJSON(w, http.StatusOK, PostList{Items: viewsOf(ps, postView), NextCursor: more})
}

func (h *Server) CreatePost(w http.ResponseWriter, r *http.Request, _ CreatePostParams) {
	if err := allow(r, access.Post, accountTarget(r), "account"); err != nil {
		writeProblem(w, err)
		return
	}
	var in PostInput
	if err := decode(r, &in); err != nil {
		writeProblem(w, err)
		return
	}
	d := posts.Draft{LocationID: in.LocationId, PageIDs: in.PageIds, At: in.ScheduledAt}
	if in.Text != nil {
		d.Text = *in.Text
	}
	if in.Link != nil {
		d.Link = *in.Link
	}
	if in.MediaUrl != nil {
		d.MediaURL = *in.MediaUrl
	}
	if d.LocationID != 0 {
		if _, err := h.location(r, d.LocationID, access.See); err != nil {
			h.fail(w, withField(err, "location_id"))
			return
		}
	}
	p, err := posts.Schedule(r.Context(), h.store, actor(r), d, h.opts.Now())
	if err != nil {
		var bad *posts.Invalid
		if errors.As(err, &bad) {
			prob := &problem{status: http.StatusBadRequest, code: "invalid", detail: bad.Error()}
			for _, pr := range bad.Problems {
				prob.errs = append(prob.errs, fieldError{Field: postField(pr.Field), Message: pr.Message})
			}
			prob.field = prob.errs[0].Field
			writeProblem(w, prob)
			return
		}
		h.fail(w, withField(err, "page_ids"))
		return
	}
	p, err = h.store.GetPost(r.Context(), p.ID)
	if err != nil {
		h.fail(w, err)
		return
	}
	w.Header().Set("Location", "/api/v1/posts/"+itoa(p.ID))
	writeJSON(w, http.StatusCreated, postView(p))
}

// postField names a draft's field as the API's body does.
func postField(f string) string {
	switch f {
	case "location":
		return "location_id"
	case "pages":
		return "page_ids"
	case "at":
		return "scheduled_at"
	}
	return f
}

// post loads a post of the request's key's account.
func (h *Server) post(r *http.Request, id int64, act access.Action) (*tokenwatch.Post, error) {
	p, err := h.store.GetPost(r.Context(), id)
	if tokenwatch.IsNotFound(err) {
		return nil, tokenwatch.Errorf(tokenwatch.CodeNotFound, "post not found")
	}
	if err != nil {
		return nil, err
	}
	if _, err := h.location(r, p.LocationID, act); err != nil {
		if tokenwatch.IsNotFound(err) {
			return nil, tokenwatch.Errorf(tokenwatch.CodeNotFound, "post not found")
		}
		return nil, err
	}
	return p, nil
}

func (h *Server) GetPost(w http.ResponseWriter, r *http.Request, id int64) {
	p, err := h.post(r, id, access.See)
	if err != nil {
		h.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, postView(p))
}

func (h *Server) CancelPost(w http.ResponseWriter, r *http.Request, id int64) {
	if _, err := h.post(r, id, access.Post); err != nil {
		h.fail(w, err)
		return
	}
	if err := h.store.CancelPost(r.Context(), id); err != nil {
		h.fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
