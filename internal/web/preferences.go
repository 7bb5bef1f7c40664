package web

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tokenwatch/tokenwatch"
)

// prefsData is what the notification settings page shows.
type prefsData struct {
	Mode     string
	Hour     string
	TimeZone string
	// Zone is the zone in effect now; DefaultZone the one an empty
	// TimeZone means (the first location's, else UTC).
	Zone        string
	DefaultZone string
	Modes       []modeOption
	Hours       []option
	Zones       []string
	Error       string
	// NextDigest says when the next digest comes, for a digest reader.
	NextDigest string
}

type modeOption struct {
	Value, Label, Help string
	Checked            bool
}

// viewerZone is the signed-in person's time zone.
func (s *Server) viewerZone(ctx context.Context, userID int64) (*time.Location, error) {
	p, err := s.store.NotificationPrefs(ctx, userID)
	if err != nil {
		return nil, err
	}
	return p.Loc(), nil
}

// zoned writes a moment in a zone, naming it: "Wed 2 Dec 2026, 10:00 CET".
func zoned(t time.Time, tz *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(tz).Format("Mon 2 Jan 2006, 15:04 MST")
}

// preferences shows how the signed-in person is told, and their zone.
func (s *Server) preferences(w http.ResponseWriter, r *http.Request) {
	p, err := s.store.NotificationPrefs(r.Context(), sessionFrom(r.Context()).User.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderPreferences(w, r, http.StatusOK, string(p.Mode), strconv.Itoa(p.DigestHour), p.TimeZone, "")
}

func (s *Server) renderPreferences(w http.ResponseWriter, r *http.Request, status int, mode, hour, zone, problem string) {
	v, err := s.viewerOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cur, err := s.store.NotificationPrefs(r.Context(), v.User.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := prefsData{Mode: mode, Hour: hour, TimeZone: zone, Zone: cur.Zone, DefaultZone: "UTC", Error: problem}
	// The default is the zone of their first location (the oldest).
	first := int64(0)
	for _, l := range v.Locations {
		if first == 0 || l.ID < first {
			first, d.DefaultZone = l.ID, l.TimeZone
		}
		if !slices.Contains(d.Zones, l.TimeZone) {
			d.Zones = append(d.Zones, l.TimeZone)
		}
	}
	if !slices.Contains(d.Zones, "UTC") {
		d.Zones = append(d.Zones, "UTC")
	}
	help := map[tokenwatch.NotifyMode]string{
		tokenwatch.NotifyEvery:  "An e-mail as soon as a page of yours needs reconnecting, and at each step after (10 and 3 days before, at expiry).",
		tokenwatch.NotifyDigest: "One e-mail a day, at the hour you choose below (your time), with every alert since the last one.",
		tokenwatch.NotifyInApp:  "No alert e-mails: the alerts wait for you under Notifications.",
	}
	for _, m := range tokenwatch.NotifyModes {
		d.Modes = append(d.Modes, modeOption{Value: string(m), Label: m.Label(), Help: help[m], Checked: string(m) == mode})
	}
	for h := range 24 {
		d.Hours = append(d.Hours, option{Value: strconv.Itoa(h), Label: fmt.Sprintf("%02d:00", h), Selected: strconv.Itoa(h) == hour})
	}
	if cur.Mode == tokenwatch.NotifyDigest {
		d.NextDigest = zoned(cur.NextDigest(s.now()), cur.Loc())
	}
	s.render(w, r, status, "preferences", page{Title: "Notification settings", Data: d})
}

// preferencesSave saves how the signed-in person wants to be told. A
// choice that cannot be saved comes back as it was typed, saying why.
func (s *Server) preferencesSave(w http.ResponseWriter, r *http.Request) {
	mode, hour, zone := r.PostFormValue("mode"), r.PostFormValue("hour"), strings.TrimSpace(r.PostFormValue("time_zone"))
	h, err := strconv.Atoi(cmp.Or(hour, strconv.Itoa(tokenwatch.DefaultDigestHour)))
	p := tokenwatch.NotificationPrefs{Mode: tokenwatch.NotifyMode(mode), DigestHour: h, TimeZone: zone}
	if err != nil {
		p.DigestHour = -1
	}
	if err := s.store.SetNotificationPrefs(r.Context(), sessionFrom(r.Context()).User.ID, p); err != nil {
		if tokenwatch.ErrorCode(err) != tokenwatch.CodeInvalid {
			s.fail(w, r, err)
			return
		}
		s.renderPreferences(w, r, http.StatusBadRequest, mode, hour, zone, tokenwatch.ErrorMessage(err))
		return
	}
	setFlash(w, "Saved: "+p.Mode.Label()+".")
	http.Redirect(w, r, "/me/notifications", http.StatusSeeOther)
}
