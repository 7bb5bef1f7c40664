package tokenwatch

import (
	"strings"
	"time"
)

// NotifyMode is how a person hears about alerts by e-mail. Whatever the
// mode, every alert is also an in-app notification.
type NotifyMode string

// Notification modes.
const (
	// NotifyEvery e-mails every alert as it comes (the default).
	NotifyEvery NotifyMode = "every"
	// NotifyDigest gathers the day's alerts in one e-mail at an hour of the
	// person's choosing, in their time zone.
	NotifyDigest NotifyMode = "digest"
	// NotifyInApp sends no alert e-mail. The expiry alert of a page still
	// goes out by e-mail to its page admin or the account's owners when
	// everyone who would receive it chose this (someone must receive it).
	NotifyInApp NotifyMode = "inapp"
)

// NotifyModes lists the modes in the order they are offered.
var NotifyModes = []NotifyMode{NotifyEvery, NotifyDigest, NotifyInApp}

// Valid reports whether m is a known mode.
func (m NotifyMode) Valid() bool { return m == NotifyEvery || m == NotifyDigest || m == NotifyInApp }

// Label is the mode in words for people.
func (m NotifyMode) Label() string {
	switch m {
	case NotifyEvery:
		return "Every alert by e-mail"
	case NotifyDigest:
		return "A daily digest by e-mail"
	case NotifyInApp:
		return "In the app only"
	}
	return string(m)
}

// Emails reports whether a person in this mode receives alert e-mails at
// all (at once or in a digest).
func (m NotifyMode) Emails() bool { return m == NotifyEvery || m == NotifyDigest }

// NotificationPrefs is how a person wants to be told, and where their day
// is.
type NotificationPrefs struct {
	Mode NotifyMode
	// DigestHour is the hour (0–23, their time) of the daily digest.
	DigestHour int
	// TimeZone is the IANA zone the person chose; empty: the default.
	TimeZone string
	// Zone is the zone in effect: TimeZone, or else the time zone of their
	// first location, or else UTC.
	Zone string
}

// DefaultDigestHour is the digest hour of people who have not chosen one.
const DefaultDigestHour = 8

// Loc returns the zone in effect, UTC if it is unknown.
func (p NotificationPrefs) Loc() *time.Location { return Location{TimeZone: p.Zone}.Loc() }

// NextDigest returns the first moment after t at which the person's clock
// shows DigestHour o'clock. On a day when that hour does not exist (the
// clocks go forward through it) it is the moment the clocks jump to.
func (p NotificationPrefs) NextDigest(t time.Time) time.Time {
	loc := p.Loc()
	l := t.In(loc)
	for day := 0; ; day++ {
		at := time.Date(l.Year(), l.Month(), l.Day()+day, p.DigestHour, 0, 0, 0, loc)
		if at.In(loc).Hour() != p.DigestHour {
			// The hour does not exist that day: the hour after it is when
			// the clocks land (time.Date may have gone back instead).
			at = time.Date(l.Year(), l.Month(), l.Day()+day, p.DigestHour+1, 0, 0, 0, loc)
		}
		if at.After(t) {
			return at
		}
	}
}

// Validate checks a person's choice and says what is wrong in words.
func (p NotificationPrefs) Validate() error {
	switch {
	case !p.Mode.Valid():
		return Errorf(CodeInvalid, "Choose how you want to be told: every alert, a daily digest or in the app only.")
	case p.DigestHour < 0 || p.DigestHour > 23:
		return Errorf(CodeInvalid, "The digest hour must be between 0 and 23.")
	}
	return CheckTimeZone(p.TimeZone)
}

// CheckTimeZone checks an IANA time zone name ("Europe/Paris"); empty is
// fine (the default applies).
func CheckTimeZone(name string) error {
	if name == "" {
		return nil
	}
	// time.LoadLocation accepts "Local" and file paths; people mean zones.
	if name == "Local" || strings.HasPrefix(name, "/") || strings.Contains(name, "..") {
		return Errorf(CodeInvalid, "%q is not a time zone. Use a name such as Europe/Paris or America/New_York.", name)
	}
	if _, err := time.LoadLocation(name); err != nil {
		return Errorf(CodeInvalid, "%q is not a time zone. Use a name such as Europe/Paris or America/New_York.", name)
	}
	return nil
}
