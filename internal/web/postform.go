package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/access"
	"github.com/tokenwatch/tokenwatch/internal/posts"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// postForm is the post form as the user filled it in, with what the
// server makes of it: the pages of the chosen location, those of the
// chosen ones that cannot publish now, and what is wrong.
type postForm struct {
	Location store.LocationRole
	PageIDs  []int64
	Text     string
	Link     string
	At       string // as a datetime-local input gives it: 2006-01-02T15:04

	// Locations is the location choice; empty when the user has only one.
	Locations []option
	Pages     []postFormPage
	// Blocked are the chosen pages that cannot publish now: the form
	// offers to reconnect them first.
	Blocked      []pageView
	BlockedTitle string
	// Elsewhere says pages of another location were chosen.
	Elsewhere bool
	// More says the location has more pages than the form lists.
	More   bool
	Errors map[string]string
	// Problems are the errors in the order of the fields, for the summary.
	Problems []fieldError
}

type postFormPage struct {
	pageView
	Checked bool
}

type fieldError struct {
	Field, Message string
}

const datetimeLocal = "2006-01-02T15:04"

// postFormPages bounds the pages the form lists and accepts.
const postFormPages = 200

// readPostForm reads the form's values (from the query of GET /posts/new
// or the body of POST /posts). A location or a page the user may not see is
// not found, like one that does not exist.
func (s *Server) readPostForm(r *http.Request, v *viewer, vals url.Values) (*postForm, error) {
	f := &postForm{Text: vals.Get("text"), Link: strings.TrimSpace(vals.Get("link")), At: vals.Get("at"), Errors: map[string]string{}}
	locID, err := v.locationParam(vals.Get("location"))
	if err != nil {
		return nil, err
	}
	if len(vals["page"]) > postFormPages {
		return nil, tokenwatch.Errorf(tokenwatch.CodeInvalid, "A post goes to at most %d pages.", postFormPages)
	}
	var ids []int64
	for _, raw := range vals["page"] {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return nil, errNotFound("page")
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	byID, err := s.store.PagesByID(r.Context(), ids)
	if err != nil {
		return nil, err
	}
	var chosenPages []*tokenwatch.Page
	for _, id := range ids {
		p, ok := byID[id]
		if !ok || !v.may(access.See, p) {
			return nil, errNotFound("page")
		}
		chosenPages = append(chosenPages, p)
	}
	chosen, err := s.pageViews(r.Context(), v, chosenPages)
	if err != nil {
		return nil, err
	}
	switch {
	case locID != 0:
	case len(chosen) > 0:
		locID = chosen[0].LocationID
	case len(v.Locations) > 0:
		locID = v.Locations[0].ID
	default:
		return f, nil // no location: nothing to post to
	}
	f.Location, _ = v.location(locID)
	if len(v.Locations) > 1 {
		f.Locations = locationOptions(v.Locations, locID, "")
	}
	for _, p := range chosen {
		if p.LocationID != locID {
			f.Elsewhere = true
			continue
		}
		f.PageIDs = append(f.PageIDs, p.ID)
		if !p.Publishable {
			f.Blocked = append(f.Blocked, p)
		}
	}
	if len(f.Blocked) > 0 {
		f.BlockedTitle = "Reconnect first: " + plural(len(f.Blocked), "chosen page cannot publish now", "chosen pages cannot publish now")
	}
	// The location's pages by name, as many as the form lists, and the
	// chosen ones beyond those.
	pages, next, err := s.store.QueryPages(r.Context(), store.PageQuery{UserID: v.User.ID, LocationID: locID, Order: store.ByName, Limit: postFormPages})
	if err != nil {
		return nil, err
	}
	views, err := s.pageViews(r.Context(), v, pages)
	if err != nil {
		return nil, err
	}
	f.More = next != ""
	for _, p := range views {
		f.Pages = append(f.Pages, postFormPage{pageView: p, Checked: slices.Contains(f.PageIDs, p.ID)})
	}
	for _, p := range chosen {
		if p.LocationID == locID && !slices.ContainsFunc(views, func(x pageView) bool { return x.ID == p.ID }) {
			f.Pages = append(f.Pages, postFormPage{pageView: p, Checked: true})
		}
	}
	return f, nil
}

// draft reads the submitted form into a post draft, or returns nil with
// f.Errors filled in; posts.Validate judges the rest.
func (f *postForm) draft(now time.Time) *posts.Draft {
	if f.Location.Location == nil {
		f.fail("location", "You are not a participant of any location, so there is nowhere to post.")
		return nil
	}
	if f.Elsewhere {
		f.fail("pages", fmt.Sprintf("A post goes to pages of one location: choose pages of %s only.", f.Location.Name))
	}
	d := &posts.Draft{LocationID: f.Location.ID, PageIDs: f.PageIDs, Text: f.Text, Link: f.Link}
	if f.At != "" {
		t, err := time.ParseInLocation(datetimeLocal, f.At, f.Location.Loc())
		if err != nil {
			f.fail("at", fmt.Sprintf("%q is not a date and time.", f.At))
		}
		d.At = t
	}
	for _, p := range posts.Validate(*d, now) {
		f.fail(p.Field, p.Message)
	}
	if len(f.Problems) > 0 {
		return nil
	}
	return d
}

// fail records what is wrong with a field, the first problem of each.
func (f *postForm) fail(field, message string) {
	if _, ok := f.Errors[field]; !ok {
		f.Errors[field] = message
		f.Problems = append(f.Problems, fieldError{field, message})
	}
}
