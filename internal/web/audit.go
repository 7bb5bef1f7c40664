package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/tokenwatch/tokenwatch/internal/store"
)

// auditPerPage bounds the entries shown at once.
const auditPerPage = 50

// auditActions are the kinds of entries to filter by, as the form offers
// them.
var auditActions = []option{
	{Value: "", Label: "Everything"},
	{Value: "person.", Label: "People: invitations, roles, removals"},
	{Value: "location.", Label: "Locations"},
	{Value: "page.", Label: "Pages: checks, disconnects"},
}

type auditData struct {
	Entries []auditRow
	Actions []option
	Next    string
}

type auditRow struct {
	*store.AuditEntry
	When string
}

// audit shows the account's audit log to its owners, newest first, by
// kind of action, a page at a time.
func (s *Server) audit(w http.ResponseWriter, r *http.Request) {
	v, err := s.viewerOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, _ := s.adminActor(r)
	q := store.AuditQuery{Limit: auditPerPage + 1}
	action := r.URL.Query().Get("action")
	d := auditData{}
	for _, o := range auditActions {
		o.Selected = o.Value == action
		if o.Selected {
			q.Action = action
		}
		d.Actions = append(d.Actions, o)
	}
	q.Before, _ = strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	entries, err := s.opts.Admin.AuditLog(r.Context(), a, q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(entries) > auditPerPage {
		entries = entries[:auditPerPage]
		d.Next = fmt.Sprintf("/audit?action=%s&before=%d", url.QueryEscape(q.Action), entries[len(entries)-1].ID)
	}
	tz := v.zone()
	for _, e := range entries {
		d.Entries = append(d.Entries, auditRow{AuditEntry: e, When: e.At.In(tz).Format("Mon 2 Jan 2006, 15:04:05 MST")})
	}
	s.render(w, r, http.StatusOK, "audit", page{Title: "Audit log", Data: d})
}
