package tokenwatch_test

import (
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
)

// TestNextDigest: a daily digest comes at the hour a person chose, their
// time, wherever they are.
func TestNextDigest(t *testing.T) {
	t.Parallel()
	utc := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name  string
		prefs tokenwatch.NotificationPrefs
		after string
		want  string
	}{
		{"Paris at 9, from 06:00 there: today at 9", tokenwatch.NotificationPrefs{DigestHour: 9, Zone: "Europe/Paris"},
			"2026-11-25T05:00:00Z", "2026-11-25T08:00:00Z"},
		{"Paris at 9, exactly at 9: tomorrow", tokenwatch.NotificationPrefs{DigestHour: 9, Zone: "Europe/Paris"},
			"2026-11-25T08:00:00Z", "2026-11-26T08:00:00Z"},
		{"New York at 9, the same moment: 9 in New York", tokenwatch.NotificationPrefs{DigestHour: 9, Zone: "America/New_York"},
			"2026-11-25T08:00:00Z", "2026-11-25T14:00:00Z"},
		{"Tokyo at 7, late in the UTC day: the next Tokyo morning", tokenwatch.NotificationPrefs{DigestHour: 7, Zone: "Asia/Tokyo"},
			"2026-11-25T23:30:00Z", "2026-11-26T22:00:00Z"},
		{"Paris at 9 across the change to summer time: 9 local, 07:00 UTC", tokenwatch.NotificationPrefs{DigestHour: 9, Zone: "Europe/Paris"},
			"2026-03-28T09:00:00Z", "2026-03-29T07:00:00Z"},
		{"New York at 2 on the night the clocks skip 2 to 3: at the jump", tokenwatch.NotificationPrefs{DigestHour: 2, Zone: "America/New_York"},
			"2026-03-08T05:00:00Z", "2026-03-08T07:00:00Z"},
		{"an unknown zone is UTC", tokenwatch.NotificationPrefs{DigestHour: 6, Zone: ""},
			"2026-11-25T05:00:00Z", "2026-11-25T06:00:00Z"},
	}
	for _, tt := range tests {
		if got := tt.prefs.NextDigest(utc(tt.after)); !got.Equal(utc(tt.want)) {
			t.Errorf("%s: %v, want %v", tt.name, got.UTC(), tt.want)
		}
	}
}

func TestNotificationPrefsValidate(t *testing.T) {
	t.Parallel()
	good := []tokenwatch.NotificationPrefs{
		{Mode: tokenwatch.NotifyEvery},
		{Mode: tokenwatch.NotifyDigest, DigestHour: 23, TimeZone: "America/Los_Angeles"},
		{Mode: tokenwatch.NotifyInApp, TimeZone: "UTC"},
	}
	for _, p := range good {
		if err := p.Validate(); err != nil {
			t.Errorf("%+v: %v", p, err)
		}
	}
	bad := []tokenwatch.NotificationPrefs{
		{Mode: "sometimes"},
		{Mode: tokenwatch.NotifyDigest, DigestHour: -1},
		{Mode: tokenwatch.NotifyDigest, DigestHour: 24},
		{Mode: tokenwatch.NotifyEvery, TimeZone: "Mars/Olympus"},
		{Mode: tokenwatch.NotifyEvery, TimeZone: "Local"},
		{Mode: tokenwatch.NotifyEvery, TimeZone: "/etc/localtime"},
		{Mode: tokenwatch.NotifyEvery, TimeZone: "../../etc/passwd"},
	}
	for _, p := range bad {
		if err := p.Validate(); tokenwatch.ErrorCode(err) != tokenwatch.CodeInvalid {
			t.Errorf("%+v: %v, want invalid", p, err)
		}
	}
}
