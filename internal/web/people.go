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

// peoplePerPage bounds the list of people.
const peoplePerPage = 50

type peopleData struct {
	Owner  bool
	People []personRow
	Next   string
	// Invite is the invitation form: the locations the viewer may invite
	// to, and what was typed after a refusal.
	Locations []option
	Roles     []option
	Email     string
	AsOwner   bool
	Error     string
	Pending   []pendingInvite
}

type personRow struct {
	*tokenwatch.User
	Roles []store.LocationRole
}

type pendingInvite struct {
	*store.Invitation
	What, Expires string
}

// people lists the account's people (owners) or those of the locations
// the viewer manages, with the invitation form and open invitations.
func (s *Server) people(w http.ResponseWriter, r *http.Request) {
	s.renderPeople(w, r, http.StatusOK, "", false, "")
}

func (s *Server) renderPeople(w http.ResponseWriter, r *http.Request, status int, email string, asOwner bool, msg string) {
	v, err := s.viewerOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !v.managesPeople() {
		s.fail(w, r, tokenwatch.Errorf(tokenwatch.CodeForbidden, "Only owners and managers manage people."))
		return
	}
	ctx := r.Context()
	d := peopleData{Owner: v.User.AccountOwner, Roles: roleOptions(tokenwatch.RoleMember), Email: email, AsOwner: asOwner, Error: msg}
	managed := map[int64]bool{}
	for _, l := range v.Locations {
		if access.Decide(v.Actor, access.People, access.Target{AccountID: l.AccountID, LocationID: l.ID}) == access.Allowed {
			managed[l.ID] = true
			d.Locations = append(d.Locations, option{Value: strconv.FormatInt(l.ID, 10), Label: l.Name})
		}
	}
	var users []*tokenwatch.User
	if v.User.AccountOwner {
		after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
		if users, err = s.store.QueryUsers(ctx, v.User.AccountID, after, peoplePerPage+1); err != nil {
			s.fail(w, r, err)
			return
		}
		if len(users) > peoplePerPage {
			users = users[:peoplePerPage]
			d.Next = fmt.Sprintf("/people?after=%d", users[len(users)-1].ID)
		}
	} else {
		// A manager: the people of the locations they manage.
		seen := map[int64]bool{}
		for id := range managed {
			ps, err := s.store.Participants(ctx, id)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			for _, p := range ps {
				if !seen[p.ID] {
					seen[p.ID] = true
					u := p.User
					users = append(users, &u)
				}
			}
		}
	}
	ids := make([]int64, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	roles, err := s.store.RolesOf(ctx, ids)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, u := range users {
		row := personRow{User: u}
		for _, lr := range roles[u.ID] {
			if v.User.AccountOwner || managed[lr.ID] {
				row.Roles = append(row.Roles, lr)
			}
		}
		d.People = append(d.People, row)
	}
	invs, err := s.store.PendingInvitations(ctx, v.User.AccountID, s.now(), 100)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, inv := range invs {
		if !inv.AccountOwner && !managed[inv.LocationID] && !v.User.AccountOwner {
			continue
		}
		what := "an owner of the account"
		if !inv.AccountOwner {
			what = string(inv.Role)
			if l, ok := v.byID[inv.LocationID]; ok {
				what += " at " + l.Name
			}
		}
		d.Pending = append(d.Pending, pendingInvite{Invitation: inv, What: what, Expires: inv.ExpiresAt.In(v.zone()).Format("Mon 2 Jan 15:04 MST")})
	}
	s.render(w, r, status, "people", page{Title: "People", Data: d})
}

// invite sends an invitation by e-mail.
func (s *Server) invite(w http.ResponseWriter, r *http.Request) {
	a, err := s.adminActor(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	email := r.PostFormValue("email")
	asOwner := r.PostFormValue("owner") == "1"
	locID, _ := strconv.ParseInt(r.PostFormValue("location"), 10, 64)
	_, err = s.opts.Admin.Invite(r.Context(), a, admin.Invite{Email: email, Owner: asOwner, LocationID: locID, Role: tokenwatch.Role(r.PostFormValue("role"))})
	back := localPath(r.PostFormValue("return_to"))
	if err != nil {
		switch tokenwatch.ErrorCode(err) {
		case tokenwatch.CodeInvalid, tokenwatch.CodeConflict, tokenwatch.CodeUnavailable:
			if back == "" {
				s.renderPeople(w, r, tokenwatch.HTTPStatus(err), email, asOwner, tokenwatch.ErrorMessage(err))
				return
			}
		}
		s.fail(w, r, err)
		return
	}
	setFlash(w, "Invitation sent to "+email+". The link in it works once, for 7 days.")
	if back == "" {
		back = "/people"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

type personData struct {
	Person      *tokenwatch.User
	Roles       []roleRow
	Self        bool
	Owner       bool // the viewer owns the account
	PagesAdmin  int
	Others      []option
	AddTo       []option
	RoleOptions []option
}

type roleRow struct {
	store.LocationRole
	Editable bool
	Options  []option
}

// person shows one person: their roles (changeable where the viewer may),
// and for owners: ownership, handing their pages on, removing them.
func (s *Server) person(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "person")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.viewerOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a := admin.Actor{Actor: v.Actor, Name: v.User.Email}
	ctx := r.Context()
	u, locs, err := s.opts.Admin.Person(ctx, a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := personData{Person: u, Self: u.ID == v.User.ID, Owner: v.User.AccountOwner, RoleOptions: roleOptions(tokenwatch.RoleMember)}
	has := map[int64]bool{}
	for _, l := range locs {
		has[l.ID] = true
		may := access.Decide(v.Actor, access.People, access.Target{AccountID: l.AccountID, LocationID: l.ID, OwnerRole: u.AccountOwner}) == access.Allowed
		if !may && !v.User.AccountOwner {
			continue
		}
		d.Roles = append(d.Roles, roleRow{LocationRole: l, Editable: may && !u.AccountOwner && !d.Self, Options: roleOptions(l.Role)})
	}
	for _, l := range v.Locations {
		if !has[l.ID] && access.Decide(v.Actor, access.People, access.Target{AccountID: l.AccountID, LocationID: l.ID}) == access.Allowed {
			d.AddTo = append(d.AddTo, option{Value: strconv.FormatInt(l.ID, 10), Label: l.Name})
		}
	}
	if v.User.AccountOwner {
		if d.PagesAdmin, err = s.store.CountPagesAdministered(ctx, u.ID); err != nil {
			s.fail(w, r, err)
			return
		}
		others, err := s.store.QueryUsers(ctx, v.User.AccountID, 0, 200)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.Others = append(d.Others, option{Value: "", Label: "nobody (until someone reconnects them)"})
		for _, o := range others {
			if o.ID != u.ID {
				d.Others = append(d.Others, option{Value: strconv.FormatInt(o.ID, 10), Label: o.Name + " <" + o.Email + ">"})
			}
		}
	}
	s.render(w, r, http.StatusOK, "person", page{Title: u.Name, Data: d})
}

// withdrawInvitation makes a pending invitation's link unusable.
func (s *Server) withdrawInvitation(r *http.Request, a admin.Actor, id int64) (string, string, error) {
	return "Invitation withdrawn: its link no longer works.", "/people", s.opts.Admin.WithdrawInvitation(r.Context(), a, id)
}

// personRole changes a person's role at a location from their page ("remove"
// takes them off it).
func (s *Server) personRole(r *http.Request, a admin.Actor, id int64) (string, string, error) {
	locID, err := strconv.ParseInt(r.PostFormValue("location"), 10, 64)
	if err != nil {
		return "", "", errNotFound("location")
	}
	return "Saved.", fmt.Sprintf("/people/%d", id), s.opts.Admin.SetRole(r.Context(), a, id, locID, formRole(r))
}

// formRole is the role a form chose; "remove" is none.
func formRole(r *http.Request) tokenwatch.Role {
	if role := tokenwatch.Role(r.PostFormValue("role")); role != "remove" {
		return role
	}
	return ""
}

// personOwner makes a person an owner of the account, or no longer one.
func (s *Server) personOwner(r *http.Request, a admin.Actor, id int64) (string, string, error) {
	return "Saved.", fmt.Sprintf("/people/%d", id), s.opts.Admin.SetOwner(r.Context(), a, id, r.PostFormValue("owner") == "1")
}

// personTransfer hands a person's pages to another page admin.
func (s *Server) personTransfer(r *http.Request, a admin.Actor, id int64) (string, string, error) {
	to, err := strconv.ParseInt(r.PostFormValue("to"), 10, 64)
	if err != nil {
		return "", "", tokenwatch.Errorf(tokenwatch.CodeInvalid, "Choose whom to hand the pages to.")
	}
	n, err := s.opts.Admin.TransferPages(r.Context(), a, id, to)
	return plural(int(n), "page handed on.", "pages handed on."), fmt.Sprintf("/people/%d", id), err
}

// personRemove removes a person from the account; their sessions end.
func (s *Server) personRemove(r *http.Request, a admin.Actor, id int64) (string, string, error) {
	to, _ := strconv.ParseInt(r.PostFormValue("to"), 10, 64)
	return "Removed. Their sessions have ended.", "/people", s.opts.Admin.RemovePerson(r.Context(), a, id, to)
}
