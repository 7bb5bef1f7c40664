package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/access"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// location loads a location the request's key may act on.
func (h *Server) location(r *http.Request, id int64, act access.Action) (*tokenwatch.Location, error) {
	l, err := h.store.GetLocation(r.Context(), id)
	if tokenwatch.IsNotFound(err) {
		return nil, tokenwatch.Errorf(tokenwatch.CodeNotFound, "location not found")
	}
	if err != nil {
		return nil, err
	}
	if err := allow(r, act, access.Target{AccountID: l.AccountID, LocationID: l.ID}, "location"); err != nil {
		return nil, err
	}
	return l, nil
}

// locationViews adds to locations their counts of pages and of issues,
// through the index of pages by location and state.
func (h *Server) locationViews(ctx context.Context, accountID int64, locs []*tokenwatch.Location) ([]Location, error) {
	out := make([]Location, 0, len(locs))
	for _, l := range locs {
		counts, err := h.store.CountByLocation(ctx, store.PageQuery{AccountID: accountID, LocationID: l.ID})
		if err != nil {
			return nil, err
		}
		v := Location{Id: l.ID, Name: l.Name, TimeZone: l.TimeZone}
		for _, c := range counts {
			v.Pages += c.N
			if c.State.IsIssue() {
				v.Issues += c.N
			}
		}
		out = append(out, v)
	}
	return out, nil
}

func (h *Server) ListLocations(w http.ResponseWriter, r *http.Request, params ListLocationsParams) {
	if err := allow(r, access.See, accountTarget(r), "account"); err != nil {
		writeProblem(w, err)
		return
	}
	limit, c, err := paging(params.Limit, params.Cursor, 1)
	if err != nil {
		writeProblem(w, err)
		return
	}
	acct := keyFrom(r.Context()).AccountID
	locs, err := h.store.QueryLocations(r.Context(), acct, c[0], limit+1)
	if err != nil {
		h.fail(w, err)
		return
	}
	locs, more := firstOf(locs, limit, func(l *tokenwatch.Location) []int64 { return []int64{l.ID} })
	views, err := h.locationViews(r.Context(), acct, locs)
	if err != nil {
		h.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, LocationList{Items: views, NextCursor: more})
}

func (h *Server) CreateLocation(w http.ResponseWriter, r *http.Request, _ CreateLocationParams) {
	if err := allow(r, access.Settings, accountTarget(r), "account"); err != nil {
		writeProblem(w, err)
		return
	}
	var in LocationInput
	if err := decode(r, &in); err != nil {
		writeProblem(w, err)
		return
	}
	if err := checkLocation(in.Name, in.TimeZone); err != nil {
		writeProblem(w, err)
		return
	}
	l, err := h.opts.Admin.CreateLocation(r.Context(), adminActor(r), strings.TrimSpace(in.Name), in.TimeZone)
	if err != nil {
		h.fail(w, withField(err, "name"))
		return
	}
	w.Header().Set("Location", "/api/v1/locations/"+itoa(l.ID))
	writeJSON(w, http.StatusCreated, Location{Id: l.ID, Name: l.Name, TimeZone: l.TimeZone})
}

// checkLocation checks a location's name and time zone.
func checkLocation(name, tz string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return invalid("name", "A location needs a name.")
	case len(name) > 200:
		return invalid("name", "A location's name has at most 200 characters.")
	case tz == "":
		return invalid("time_zone", "A location needs a time zone (an IANA name such as Europe/Paris).")
	}
	if _, err := loadZone(tz); err != nil {
		return invalid("time_zone", "\""+tz+"\" is not a time zone (use an IANA name such as Europe/Paris).")
	}
	return nil
}

// withField names the field of a tokenwatch error about bad input or a
// conflict.
func withField(err error, field string) error {
	switch tokenwatch.ErrorCode(err) {
	case tokenwatch.CodeInvalid:
		return invalid(field, tokenwatch.ErrorMessage(err))
	case tokenwatch.CodeConflict:
		return &problem{status: http.StatusConflict, code: "conflict", field: field, detail: tokenwatch.ErrorMessage(err)}
	}
	return err
}

func (h *Server) GetLocation(w http.ResponseWriter, r *http.Request, id LocationId) {
	l, err := h.location(r, id, access.See)
	if err != nil {
		h.fail(w, err)
		return
	}
	views, err := h.locationViews(r.Context(), l.AccountID, []*tokenwatch.Location{l})
	if err != nil {
		h.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, views[0])
}

func (h *Server) UpdateLocation(w http.ResponseWriter, r *http.Request, id LocationId) {
	l, err := h.location(r, id, access.Settings)
	if err != nil {
		h.fail(w, err)
		return
	}
	var in LocationPatch
	if err := decode(r, &in); err != nil {
		writeProblem(w, err)
		return
	}
	if in.Name != nil {
		l.Name = strings.TrimSpace(*in.Name)
	}
	if in.TimeZone != nil {
		l.TimeZone = *in.TimeZone
	}
	if err := checkLocation(l.Name, l.TimeZone); err != nil {
		writeProblem(w, err)
		return
	}
	if _, err := h.opts.Admin.UpdateLocation(r.Context(), adminActor(r), l.ID, l.Name, l.TimeZone); err != nil {
		h.fail(w, withField(err, "name"))
		return
	}
	h.GetLocation(w, r, id)
}

func (h *Server) DeleteLocation(w http.ResponseWriter, r *http.Request, id LocationId) {
	if _, err := h.location(r, id, access.Settings); err != nil {
		h.fail(w, err)
		return
	}
	if err := h.store.DeleteLocation(r.Context(), id); err != nil {
		h.fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
