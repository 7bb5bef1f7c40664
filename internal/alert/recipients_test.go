package alert_test

import (
	"slices"
	"testing"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/alert"
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
