package wording

import (
	"testing"
	"time"
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
