package web

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/access"
	"github.com/tokenwatch/tokenwatch/internal/admin"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// locationPagesPerPage bounds the pages listed on a location's settings.
const locationPagesPerPage = 50

type locationSettings struct {
	Location store.LocationRole
	// Name and TimeZone are what the form shows (what was typed, after a
	// refused change).
	Name, TimeZone string
	Error          string
	CanEdit        bool
	CanManage      bool // invite, change roles, connect pages
	Pages          []pageView
	PageCount      int
	Next           string
	Participants   []participantRow
	Roles          []option
}

type participantRow struct {
	tokenwatch.Participant
	// Editable says the viewer may change this person's role here.
	Editable bool
	Roles    []option
}

func roleOptions(selected tokenwatch.Role) []option {
	var out []option
	for _, r := range []tokenwatch.Role{tokenwatch.RoleManager, tokenwatch.RoleMember} {
		out = append(out, option{Value: string(r), Label: string(r), Selected: r == selected})
	}
	return out
}

// locationSettingsPage shows a location: its name and time zone, its pages
// with their state and actions, its participants and their roles.
func (s *Server) locationSettingsPage(w http.ResponseWriter, r *http.Request) {
	s.renderLocation(w, r, http.StatusOK, "", "", "")
}

func (s *Server) renderLocation(w http.ResponseWriter, r *http.Request, status int, name, tz, msg string) {
	v, err := s.viewerOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	id, err := pathID(r, "location")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	l, err := v.location(id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	target := access.Target{AccountID: l.AccountID, LocationID: l.ID}
	d := locationSettings{Location: l, Name: l.Name, TimeZone: l.TimeZone, Error: msg,
		CanEdit:   access.Decide(v.Actor, access.Settings, target) == access.Allowed,
		CanManage: access.Decide(v.Actor, access.People, target) == access.Allowed, Roles: roleOptions(tokenwatch.RoleMember)}
	if name != "" || tz != "" {
		d.Name, d.TimeZone = name, tz
	}
	ctx := r.Context()
	q := store.PageQuery{UserID: v.User.ID, LocationID: l.ID, Order: store.ByName, Limit: locationPagesPerPage, After: r.URL.Query().Get("after")}
	pages, next, err := s.store.QueryPages(ctx, q)
	if err != nil {
		s.fail(w, r, tokenwatch.WrapError(tokenwatch.CodeInvalid, err, "This list's position is not valid: start again from the first page."))
		return
	}
	if d.Pages, err = s.pageViews(ctx, v, pages); err != nil {
		s.fail(w, r, err)
		return
	}
	if next != "" {
		d.Next = fmt.Sprintf("/locations/%d?after=%s", l.ID, next)
	}
	cq := store.PageQuery{UserID: v.User.ID, LocationID: l.ID}
	if d.PageCount, err = s.store.CountPages(ctx, cq); err != nil {
		s.fail(w, r, err)
		return
	}
	ps, err := s.store.Participants(ctx, l.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, p := range ps {
		row := participantRow{Participant: p, Roles: roleOptions(p.Role)}
		row.Editable = d.CanManage && !p.AccountOwner && p.ID != v.User.ID
		d.Participants = append(d.Participants, row)
	}
	s.render(w, r, status, "location", page{Title: l.Name, Data: d})
}

// updateLocation renames a location or changes its time zone.
func (s *Server) updateLocation(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "location")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := s.adminActor(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	name, tz := r.PostFormValue("name"), r.PostFormValue("time_zone")
	if _, err := s.opts.Admin.UpdateLocation(r.Context(), a, id, name, tz); err != nil {
		if code := tokenwatch.ErrorCode(err); code == tokenwatch.CodeInvalid || code == tokenwatch.CodeConflict {
			s.renderLocation(w, r, tokenwatch.HTTPStatus(err), name, tz, tokenwatch.ErrorMessage(err))
			return
		}
		s.fail(w, r, err)
		return
	}
	setFlash(w, "Saved.")
	http.Redirect(w, r, "/locations/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

// createLocation adds a location (owners), then shows it.
func (s *Server) createLocation(w http.ResponseWriter, r *http.Request) {
	a, err := s.adminActor(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	name, tz := r.PostFormValue("name"), r.PostFormValue("time_zone")
	l, err := s.opts.Admin.CreateLocation(r.Context(), a, name, tz)
	if err != nil {
		if code := tokenwatch.ErrorCode(err); code == tokenwatch.CodeInvalid || code == tokenwatch.CodeConflict {
			s.renderLocations(w, r, tokenwatch.HTTPStatus(err), newLocationForm{Name: name, TimeZone: tz, Error: tokenwatch.ErrorMessage(err)})
			return
		}
		s.fail(w, r, err)
		return
	}
	setFlash(w, l.Name+" is added. Invite its people and connect its pages here.")
	http.Redirect(w, r, "/locations/"+strconv.FormatInt(l.ID, 10), http.StatusSeeOther)
}

// setRole changes a participant's role at a location, or removes them
// from it (role "remove").
func (s *Server) setRole(r *http.Request, a admin.Actor, id int64) (string, string, error) {
	userID, err := strconv.ParseInt(r.PostFormValue("user"), 10, 64)
	if err != nil {
		return "", "", errNotFound("person")
	}
	back := localPath(r.PostFormValue("return_to"))
	if back == "" {
		back = "/locations/" + strconv.FormatInt(id, 10)
	}
	return "Saved.", back, s.opts.Admin.SetRole(r.Context(), a, userID, id, formRole(r))
}
