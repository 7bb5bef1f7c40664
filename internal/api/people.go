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
	limit, c, err := paging(params.Limit, params.Cursor, 1)
	if err != nil {
		writeProblem(w, err)
		return
	}
	us, err := h.store.QueryUsers(r.Context(), keyFrom(r.Context()).AccountID, c[0], limit+1)
	if err != nil {
		h.fail(w, err)
		return
	}
	us, more := firstOf(us, limit, func(u *tokenwatch.User) []int64 { return []int64{u.ID} })
	writeJSON(w, http.StatusOK, UserList{Items: viewsOf(us, userView), NextCursor: more})
}

func (h *Server) ListParticipants(w http.ResponseWriter, r *http.Request, id LocationId, params ListParticipantsParams) {
	if _, err := h.location(r, id, access.See); err != nil {
		h.fail(w, err)
		return
	}
	limit, c, err := paging(params.Limit, params.Cursor, 1)
	if err != nil {
		writeProblem(w, err)
		return
	}
	ps, err := h.store.QueryParticipants(r.Context(), id, c[0], limit+1)
	if err != nil {
		h.fail(w, err)
		return
	}
	ps, more := firstOf(ps, limit, func(p tokenwatch.Participant) []int64 { return []int64{p.ID} })
	writeJSON(w, http.StatusOK, ParticipantList{NextCursor: more, Items: viewsOf(ps, func(p tokenwatch.Participant) Participant {
		return Participant{User: userView(&p.User), Role: Role(p.Role)}
	})})
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
	limit, c, err := paging(params.Limit, params.Cursor, 1)
	if err != nil {
		writeProblem(w, err)
		return
	}
	ns, err := h.store.QueryNotifications(r.Context(), u.ID, c[0], limit+1)
	if err != nil {
		h.fail(w, err)
		return
	}
	ns, more := firstOf(ns, limit, func(n *tokenwatch.Notification) []int64 { return []int64{n.ID} })
	writeJSON(w, http.StatusOK, NotificationList{Items: viewsOf(ns, notificationView), NextCursor: more})
}

func notificationView(n *tokenwatch.Notification) Notification {
	v := Notification{Id: n.ID, Kind: n.Kind, Title: n.Title, Body: n.Body, CreatedAt: n.CreatedAt.UTC(), Read: !n.ReadAt.IsZero()}
	if n.PageID != 0 {
		v.PageId = &n.PageID
	}
	return v
}
