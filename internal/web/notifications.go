package web

import (
	"net/http"
	"strconv"

	"github.com/tokenwatch/tokenwatch"
)

// notificationsLimit is how many notifications the list shows.
const notificationsLimit = 100

// notifications lists the signed-in user's notifications, newest first.
// Dismissed ones stay listed, marked; their pages stay on the Issues list.
func (s *Server) notifications(w http.ResponseWriter, r *http.Request) {
	sess := sessionFrom(r.Context())
	list, err := s.store.ListNotifications(r.Context(), sess.User.ID, notificationsLimit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	unread, err := s.store.UnreadNotifications(r.Context(), sess.User.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "notifications", page{Title: "Notifications", Data: struct {
		Notifications []*tokenwatch.Notification
		Unread        int
	}{list, unread}})
}

// notificationsRead marks every notification of the user read.
func (s *Server) notificationsRead(w http.ResponseWriter, r *http.Request) {
	sess := sessionFrom(r.Context())
	if err := s.store.MarkNotificationsRead(r.Context(), sess.User.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/notifications", http.StatusSeeOther)
}

// notificationDismiss dismisses one of the user's notifications.
func (s *Server) notificationDismiss(w http.ResponseWriter, r *http.Request) {
	sess := sessionFrom(r.Context())
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, r, tokenwatch.Errorf(tokenwatch.CodeNotFound, "notification not found"))
		return
	}
	if err := s.store.DismissNotification(r.Context(), sess.User.ID, id); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/notifications", http.StatusSeeOther)
}
