package alert

import "github.com/tokenwatch/tokenwatch"

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
