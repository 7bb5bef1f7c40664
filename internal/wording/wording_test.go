package wording

import (
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
)

func TestDeadline(t *testing.T) {
	t.Parallel()
	paris, _ := time.LoadLocation("Europe/Paris")
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		deadline time.Time
		want     string
	}{
		{time.Time{}, "does not expire"},
		{time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC), "expires in 3 days, on 2 December"},
		{time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC), "expires tomorrow, on 30 November"},
		{time.Date(2026, 11, 29, 17, 30, 0, 0, time.UTC), "expires today, at 18:30"},
		{time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC), "expired today, at 10:00"},
		{time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC), "expired yesterday, on 28 November"},
		{time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC), "expired 9 days ago, on 20 November"},
		{time.Date(2027, 1, 8, 9, 0, 0, 0, time.UTC), "expires in 40 days, on 8 January 2027"},
		// 23:30 UTC is already the next day in Paris.
		{time.Date(2026, 12, 1, 23, 30, 0, 0, time.UTC), "expires in 3 days, on 2 December"},
	}
	for _, tt := range tests {
		if got := Deadline(tt.deadline, now, paris); got != tt.want {
			t.Errorf("Deadline(%v) = %q, want %q", tt.deadline, got, tt.want)
		}
	}
}

// A page the network refused says what is wrong and since when, not when
// its connection would have ended.
func TestStatus(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 28, 15, 0, 0, 0, time.UTC)
	far := now.Add(300 * 24 * time.Hour)
	tests := []struct {
		state    tokenwatch.State
		deadline time.Time
		since    time.Time
		want     string
	}{
		{tokenwatch.StateRevoked, far, now.Add(-3 * 24 * time.Hour), "access revoked since 25 November"},
		{tokenwatch.StateRevoked, time.Time{}, now.Add(-2 * time.Hour), "access revoked since today, 13:00"},
		{tokenwatch.StatePermissionMissing, far, now.Add(-24 * time.Hour), "a permission or role is missing since yesterday, 15:00"},
		{tokenwatch.StateAccountBlocked, far, time.Time{}, "the account needs attention"},
		{tokenwatch.StateExpiring, now.Add(3 * 24 * time.Hour), time.Time{}, "expires in 3 days, on 1 December"},
		{tokenwatch.StateHealthy, time.Time{}, time.Time{}, "does not expire"},
	}
	for _, tc := range tests {
		if got := Status(tc.state, tc.deadline, tc.since, now, time.UTC); got != tc.want {
			t.Errorf("Status(%s) = %q, want %q", tc.state, got, tc.want)
		}
	}
}
