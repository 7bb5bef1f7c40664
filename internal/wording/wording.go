// Package wording turns deadlines and states into the plain words people
// read in the Issues list, the pop-up and e-mails: "expires in 3 days, on
// 2 December".
package wording

import (
	"fmt"
	"time"

	"github.com/tokenwatch/tokenwatch"
)

// Deadline says when a page's connection ends, relative to now, with the
// date in the location's time zone. A zero deadline has no expiry.
func Deadline(deadline, now time.Time, tz *time.Location) string {
	if deadline.IsZero() {
		return "does not expire"
	}
	if tz == nil {
		tz = time.UTC
	}
	d, n := deadline.In(tz), now.In(tz)
	days := calendarDays(n, d)
	switch {
	case !deadline.After(now) && days == 0:
		return "expired today, at " + d.Format("15:04")
	case !deadline.After(now) && days == -1:
		return "expired yesterday, on " + date(d, n)
	case !deadline.After(now):
		return fmt.Sprintf("expired %d days ago, on %s", -days, date(d, n))
	case days == 0:
		return "expires today, at " + d.Format("15:04")
	case days == 1:
		return "expires tomorrow, on " + date(d, n)
	}
	return fmt.Sprintf("expires in %d days, on %s", days, date(d, n))
}

// Status says where a page's connection stands in words: for a page the
// network refused (revoked, a permission or role gone, an account to fix),
// what is wrong and since when; otherwise when its connection ends
// (Deadline).
func Status(state tokenwatch.State, deadline, since, now time.Time, tz *time.Location) string {
	if tz == nil {
		tz = time.UTC
	}
	what := ""
	switch state {
	case tokenwatch.StateRevoked:
		what = "access revoked"
	case tokenwatch.StatePermissionMissing:
		what = "a permission or role is missing"
	case tokenwatch.StateAccountBlocked:
		what = "the account needs attention"
	case tokenwatch.StateDisconnected:
		what = "disconnected"
	default:
		return Deadline(deadline, now, tz)
	}
	if since.IsZero() {
		return what
	}
	s, n := since.In(tz), now.In(tz)
	switch calendarDays(s, n) {
	case 0:
		return what + " since today, " + s.Format("15:04")
	case 1:
		return what + " since yesterday, " + s.Format("15:04")
	}
	return what + " since " + date(s, n)
}

// calendarDays counts the midnights between a and b in their zone.
func calendarDays(a, b time.Time) int {
	ya, ma, da := a.Date()
	yb, mb, db := b.Date()
	ua := time.Date(ya, ma, da, 0, 0, 0, 0, time.UTC)
	ub := time.Date(yb, mb, db, 0, 0, 0, 0, time.UTC)
	return int(ub.Sub(ua).Hours() / 24)
}

// date writes "2 December", adding the year when it is not now's.
func date(t, now time.Time) string {
	if t.Year() != now.Year() {
		return t.Format("2 January 2006")
	}
	return t.Format("2 January")
}

// Problem says in a sentence what a state means for the page and what to do.
func Problem(s tokenwatch.State, p tokenwatch.Provider) string {
	switch s {
	case tokenwatch.StateExpiring:
		return fmt.Sprintf("The connection to %s is about to end. Reconnect it to keep publishing.", p.DisplayName())
	case tokenwatch.StateExpired:
		return fmt.Sprintf("The connection to %s has ended. Posts are held until someone reconnects it.", p.DisplayName())
	case tokenwatch.StateRevoked:
		return fmt.Sprintf("%s no longer accepts tokenwatch's access. Posts are held until someone reconnects it.", p.DisplayName())
	case tokenwatch.StatePermissionMissing:
		return fmt.Sprintf("A permission tokenwatch needs on %s was removed. Reconnect and grant every permission asked for.", p.DisplayName())
	case tokenwatch.StateAccountBlocked:
		return fmt.Sprintf("The %s account that connected this page must be fixed on %s first (sign in there and follow its instructions), then reconnected.", p.DisplayName(), p.DisplayName())
	case tokenwatch.StateDisconnected:
		return fmt.Sprintf("Someone disconnected this page: tokenwatch holds no access to %s for it. Posts are held until someone reconnects it.", p.DisplayName())
	}
	return "Connected."
}
