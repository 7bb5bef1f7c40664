package alert_test

import (
	"slices"
	"testing"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/alert"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
)

func TestRecipients(t *testing.T) {
	t.Parallel()
	u := func(id int64) tokenwatch.User { return tokenwatch.User{ID: id, Email: "u@x"} }
	p := func(id int64, r tokenwatch.Role) tokenwatch.Participant {
		return tokenwatch.Participant{User: u(id), Role: r}
	}
	owner := func(id int64) *tokenwatch.User { x := u(id); x.AccountOwner = true; return &x }
	tests := []struct {
		name         string
		participants []tokenwatch.Participant
		owners       []*tokenwatch.User
		want         []int64
	}{
		{"every participant, a manager among them: owners are not added",
			[]tokenwatch.Participant{p(1, tokenwatch.RoleMember), p(2, tokenwatch.RoleManager)}, []*tokenwatch.User{owner(9)}, []int64{1, 2}},
		{"a location owner may reconnect too",
			[]tokenwatch.Participant{p(1, tokenwatch.RoleOwner), p(3, tokenwatch.RoleMember)}, []*tokenwatch.User{owner(9)}, []int64{1, 3}},
		{"only members: the account owners are added",
			[]tokenwatch.Participant{p(1, tokenwatch.RoleMember), p(3, tokenwatch.RoleMember)}, []*tokenwatch.User{owner(9), owner(8)}, []int64{1, 3, 9, 8}},
		{"nobody at the location: the account owners",
			nil, []*tokenwatch.User{owner(9)}, []int64{9}},
		{"an account owner who is also a member is listed once",
			[]tokenwatch.Participant{p(9, tokenwatch.RoleMember)}, []*tokenwatch.User{owner(9)}, []int64{9}},
		{"nobody at all", nil, nil, nil},
	}
	for _, tt := range tests {
		var got []int64
		for _, r := range alert.Recipients(tt.participants, tt.owners) {
			got = append(got, r.ID)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestMailing follows the preferences of issue 12: every alert by e-mail,
// a daily digest, or in-app only; the expiry alert cannot be switched off
// by everyone at a location.
func TestMailing(t *testing.T) {
	t.Parallel()
	u := func(id int64) tokenwatch.User { return tokenwatch.User{ID: id, Email: "u@x"} }
	prefs := func(modes ...tokenwatch.NotifyMode) map[int64]tokenwatch.NotificationPrefs {
		out := map[int64]tokenwatch.NotificationPrefs{}
		for i, m := range modes {
			out[int64(i+1)] = tokenwatch.NotificationPrefs{Mode: m}
		}
		return out
	}
	every, digest, inapp := tokenwatch.NotifyEvery, tokenwatch.NotifyDigest, tokenwatch.NotifyInApp
	admin, owner := u(7), u(9)
	tests := []struct {
		name       string
		step       lifecycle.Step
		recipients []tokenwatch.User
		prefs      map[int64]tokenwatch.NotificationPrefs
		fallback   []tokenwatch.User
		wantTo     []int64 // recipients
		wantNow    []int64 // e-mailed with this sweep
	}{
		{"by default everyone is e-mailed", "3d", []tokenwatch.User{u(1), u(2)}, nil, nil, []int64{1, 2}, []int64{1, 2}},
		{"a digest reader and an in-app reader are not e-mailed now", "3d", []tokenwatch.User{u(1), u(2), u(3)}, prefs(every, digest, inapp), nil,
			[]int64{1, 2, 3}, []int64{1}},
		{"a warning everyone chose in-app only for: nobody is e-mailed", "10d", []tokenwatch.User{u(1), u(2)}, prefs(inapp, inapp), []tokenwatch.User{admin},
			[]int64{1, 2}, nil},
		{"the expiry alert everyone chose in-app only for: the page admin is e-mailed", lifecycle.StepExpired, []tokenwatch.User{u(1), u(2)},
			prefs(inapp, inapp), []tokenwatch.User{admin}, []int64{1, 2, 7}, []int64{7}},
		{"a revocation likewise, to the owners when there is no page admin", lifecycle.StepRevoked, []tokenwatch.User{u(1)},
			prefs(inapp), []tokenwatch.User{owner}, []int64{1, 9}, []int64{9}},
		{"a page admin among the recipients is e-mailed, not added twice", lifecycle.StepExpired, []tokenwatch.User{u(1), admin},
			map[int64]tokenwatch.NotificationPrefs{1: {Mode: inapp}, 7: {Mode: inapp}}, []tokenwatch.User{admin}, []int64{1, 7}, []int64{7}},
		{"someone reads the daily digest: the expiry alert waits for it, nobody is forced", lifecycle.StepExpired, []tokenwatch.User{u(1), u(2)},
			prefs(inapp, digest), []tokenwatch.User{admin}, []int64{1, 2}, nil},
		{"an escalation to owners who all chose in-app only: they are e-mailed", lifecycle.StepEscalated, []tokenwatch.User{owner},
			map[int64]tokenwatch.NotificationPrefs{9: {Mode: inapp}}, []tokenwatch.User{owner}, []int64{9}, []int64{9}},
	}
	for _, tt := range tests {
		to, now := alert.Mailing(tt.step, tt.recipients, tt.prefs, tt.fallback)
		var gotTo, gotNow []int64
		for _, r := range to {
			gotTo = append(gotTo, r.ID)
			if now[r.ID] {
				gotNow = append(gotNow, r.ID)
			}
		}
		if !slices.Equal(gotTo, tt.wantTo) || !slices.Equal(gotNow, tt.wantNow) {
			t.Errorf("%s: recipients %v, e-mailed %v; want %v, %v", tt.name, gotTo, gotNow, tt.wantTo, tt.wantNow)
		}
	}
}
