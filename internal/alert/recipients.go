package alert

import (
	"slices"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
)

// Recipients returns who receives a page's alerts: every participant of
// the page's location and, when none of them may reconnect the page, the
// account's owners too, so that nobody is left with an alert they cannot
// act on. Each user appears once, participants first.
func Recipients(participants []tokenwatch.Participant, owners []*tokenwatch.User) []tokenwatch.User {
	var (
		out  []tokenwatch.User
		seen = map[int64]bool{}
		can  bool
	)
	for _, p := range participants {
		can = can || p.Role.CanReconnect()
		if !seen[p.ID] {
			seen[p.ID] = true
			out = append(out, p.User)
		}
	}
	if can {
		return out
	}
	for _, o := range owners {
		if !seen[o.ID] {
			seen[o.ID] = true
			out = append(out, *o)
		}
	}
	return out
}

// Mailing decides who receives an alert by e-mail with this sweep: the
// recipients who chose every alert (those who chose the daily digest get
// it there; those who chose in-app only get no e-mail). A terminal alert
// (the page is disconnected now) and an escalation cannot be switched off
// by everyone: when no recipient would get it by e-mail at all, it is
// e-mailed to fallback (the page admin, or else the account's owners)
// whatever they chose, and those of fallback who were not recipients
// become recipients (they get the in-app notification too). It returns
// the recipients and who is e-mailed now.
func Mailing(step lifecycle.Step, recipients []tokenwatch.User, prefs map[int64]tokenwatch.NotificationPrefs, fallback []tokenwatch.User) ([]tokenwatch.User, map[int64]bool) {
	now := map[int64]bool{}
	anyEmail := false
	for _, r := range recipients {
		mode := modeOf(prefs, r.ID)
		anyEmail = anyEmail || mode.Emails()
		if mode == tokenwatch.NotifyEvery {
			now[r.ID] = true
		}
	}
	if anyEmail || !(step.Terminal() || step == lifecycle.StepEscalated) {
		return recipients, now
	}
	out := slices.Clone(recipients)
	for _, f := range fallback {
		now[f.ID] = true
		if !slices.ContainsFunc(out, func(u tokenwatch.User) bool { return u.ID == f.ID }) {
			out = append(out, f)
		}
	}
	return out, now
}

// modeOf is a person's notification mode; every alert if unknown.
func modeOf(prefs map[int64]tokenwatch.NotificationPrefs, userID int64) tokenwatch.NotifyMode {
	if p, ok := prefs[userID]; ok && p.Mode.Valid() {
		return p.Mode
	}
	return tokenwatch.NotifyEvery
}
