package api

import (
	"net/http"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/access"
)

func loadZone(tz string) (*time.Location, error) { return time.LoadLocation(tz) }

func userView(u *tokenwatch.User) User {
	return User{Id: u.ID, Email: u.Email, Name: u.Name, AccountOwner: u.AccountOwner}
}

func (h *Server) ListUsers(w http.ResponseWriter, r *http.Request, params ListUsersParams) {
	if err := allow(r, access.See, accountTarget(r), "account"); err != nil {
		writeProblem(w, err)
		return
	}
	limit, err := limitOf(params.Limit)
	if err != nil {
		writeProblem(w, err)
		return
	}
	c, err := decodeCursor(params.Cursor, 1)
	if err != nil {
		writeProblem(w, err)
		return
	}
	us, err := h.store.QueryUsers(r.Context(), keyFrom(r.Context()).AccountID, c[0], limit+1)
	if err != nil {
		h.fail(w, err)
		return
	}
	list := UserList{Items: []User{}}
	for i, u := range us {
		if i == limit {
			list.NextCursor = next(true, us[i-1].ID)
			break
		}
		list.Items = append(list.Items, userView(u))
	}
	writeJSON(w, http.StatusOK, list)
}

func (h *Server) ListParticipants(w http.ResponseWriter, r *http.Request, id LocationId, params ListParticipantsParams) {
	if _, err := h.location(r, id, access.See); err != nil {
		h.fail(w, err)
		return
	}
	limit, err := limitOf(params.Limit)
	if err != nil {
		writeProblem(w, err)
		return
	}
	c, err := decodeCursor(params.Cursor, 1)
	if err != nil {
		writeProblem(w, err)
		return
	}
	ps, err := h.store.QueryParticipants(r.Context(), id, c[0], limit+1)
	if err != nil {
		h.fail(w, err)
		return
	}
	list := ParticipantList{Items: []Participant{}}
	for i, p := range ps {
		if i == limit {
			list.NextCursor = next(true, ps[i-1].ID)
			break
		}
		list.Items = append(list.Items, Participant{User: userView(&p.User), Role: Role(p.Role)})
	}
	writeJSON(w, http.StatusOK, list)
}

// user loads a user of the request's key's account.
func (h *Server) user(r *http.Request, id int64) (*tokenwatch.User, error) {
	u, err := h.store.GetUser(r.Context(), id)
	if tokenwatch.IsNotFound(err) || (err == nil && u.AccountID != keyFrom(r.Context()).AccountID) {
		return nil, tokenwatch.Errorf(tokenwatch.CodeNotFound, "user not found")
	}
	return u, err
}

// participant reads a location and a user of the key's account that the
// key may manage the roles of there.
func (h *Server) participant(r *http.Request, locationID, userID int64) (*tokenwatch.Location, *tokenwatch.User, error) {
	l, err := h.location(r, locationID, access.People)
	if err != nil {
		return nil, nil, err
	}
	u, err := h.user(r, userID)
	if err != nil {
		return nil, nil, err
	}
	if err := allow(r, access.People, access.Target{AccountID: l.AccountID, LocationID: l.ID, OwnerRole: u.AccountOwner}, "location"); err != nil {
		return nil, nil, err
	}
	return l, u, nil
}

func (h *Server) SetParticipant(w http.ResponseWriter, r *http.Request, locationID LocationId, userID UserId) {
	l, u, err := h.participant(r, locationID, userID)
	if err != nil {
		h.fail(w, err)
		return
	}
	var in RoleInput
	if err := decode(r, &in); err != nil {
		writeProblem(w, err)
		return
	}
	role := tokenwatch.Role(in.Role)
	if !role.Valid() {
		writeProblem(w, invalid("role", "role must be owner, manager or member."))
		return
	}
	if err := h.opts.Admin.SetRole(r.Context(), adminActor(r), u.ID, l.ID, role); err != nil {
		h.fail(w, withField(err, "role"))
		return
	}
	writeJSON(w, http.StatusOK, Participant{User: userView(u), Role: in.Role})
}

func (h *Server) RemoveParticipant(w http.ResponseWriter, r *http.Request, locationID LocationId, userID UserId) {
	l, u, err := h.participant(r, locationID, userID)
	if err != nil {
		h.fail(w, err)
		return
	}
	if err := h.opts.Admin.SetRole(r.Context(), adminActor(r), u.ID, l.ID, ""); err != nil {
		h.fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Server) ListNotifications(w http.ResponseWriter, r *http.Request, userID UserId, params ListNotificationsParams) {
	if err := allow(r, access.See, accountTarget(r), "account"); err != nil {
		writeProblem(w, err)
		return
	}
	u, err := h.user(r, userID)
	if err != nil {
		h.fail(w, err)
		return
	}
	limit, err := limitOf(params.Limit)
	if err != nil {
		writeProblem(w, err)
		return
	}
	c, err := decodeCursor(params.Cursor, 1)
	if err != nil {
		writeProblem(w, err)
		return
	}
	ns, err := h.store.QueryNotifications(r.Context(), u.ID, c[0], limit+1)
	if err != nil {
		h.fail(w, err)
		return
	}
	list := NotificationList{Items: []Notification{}}
	for i, n := range ns {
		if i == limit {
			list.NextCursor = next(true, ns[i-1].ID)
			break
		}
		v := Notification{Id: n.ID, Kind: n.Kind, Title: n.Title, Body: n.Body, CreatedAt: n.CreatedAt.UTC(), Read: !n.ReadAt.IsZero()}
		if n.PageID != 0 {
			v.PageId = &n.PageID
		}
		list.Items = append(list.Items, v)
	}
	writeJSON(w, http.StatusOK, list)
}
