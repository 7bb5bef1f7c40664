package provider_test

import (
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// Every API in the table has a default that passes its own validation, a
// setting named TOKENWATCH_…, a public source, and a default that is not
// past its published end.
func TestAPITable(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, a := range provider.APIs {
		if seen[a.ID] || seen[a.Setting] {
			t.Errorf("%s: id or setting given twice", a.ID)
		}
		seen[a.ID], seen[a.Setting] = true, true
		if err := a.Validate(a.Default); err != nil {
			t.Errorf("%s: default %v", a.ID, err)
		}
		if len(a.Setting) < 12 || a.Setting[:11] != "TOKENWATCH_" || len(a.Source) < 9 || a.Source[:8] != "https://" || len(a.Providers) == 0 {
			t.Errorf("%s: incomplete: %+v", a.ID, a)
		}
	}
	for _, p := range tokenwatch.Providers {
		found := false
		for _, a := range provider.APIs {
			for _, q := range a.Providers {
				found = found || q == p
			}
		}
		if !found {
			t.Errorf("no API of %s in the table", p)
		}
	}
}

func TestVersionStatuses(t *testing.T) {
	t.Parallel()
	all := func(tokenwatch.Provider) bool { return true }
	onlyLinkedIn := func(p tokenwatch.Provider) bool { return p == tokenwatch.LinkedIn }
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, time.UTC) }
	find := func(ss []provider.VersionStatus, id string) (provider.VersionStatus, bool) {
		for _, s := range ss {
			if s.API.ID == id {
				return s, true
			}
		}
		return provider.VersionStatus{}, false
	}
	tests := []struct {
		name       string
		versions   map[string]string
		configured func(tokenwatch.Provider) bool
		now        time.Time
		api        string
		want       string // "", "ending", "ended", "absent"
	}{
		{"LinkedIn 202511 after its end on 16 November 2026", map[string]string{"linkedin": "202511"}, all, day(2026, time.November, 28), "linkedin", "ended"},
		{"LinkedIn 202601 within 60 days of 15 January 2027", map[string]string{"linkedin": "202601"}, all, day(2026, time.November, 28), "linkedin", "ending"},
		{"LinkedIn default, months away from its end", nil, all, day(2026, time.November, 28), "linkedin", ""},
		{"LinkedIn default, 59 days before its end", nil, all, day(2027, time.January, 16), "linkedin", "ending"},
		{"Meta v21.0 ends 21 January 2027", map[string]string{"meta_graph": "v21.0"}, all, day(2026, time.November, 28), "meta_graph", "ending"},
		{"Meta v20.0 ended 24 September 2026", map[string]string{"meta_graph": "v20.0"}, all, day(2026, time.November, 28), "meta_graph", "ended"},
		{"a version with no announced end", map[string]string{"meta_graph": "v26.0"}, all, day(2026, time.November, 28), "meta_graph", ""},
		{"an API no configured network calls is left out", nil, onlyLinkedIn, day(2026, time.November, 28), "meta_graph", "absent"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, ok := find(provider.VersionStatuses(tc.versions, tc.configured, tc.now), tc.api)
			got := ""
			switch {
			case !ok:
				got = "absent"
			case s.Ended:
				got = "ended"
			case s.Ending:
				got = "ending"
			}
			if got != tc.want {
				t.Errorf("got %q, want %q (%+v)", got, tc.want, s)
			}
			if (got == "ended" || got == "ending") && s.Message() == "" {
				t.Error("no message for the operator")
			}
		})
	}
}

func TestConfigVersion(t *testing.T) {
	t.Parallel()
	if v := (provider.Config{}).Version(provider.APILinkedIn); v != provider.LookupAPI(provider.APILinkedIn).Default {
		t.Errorf("default = %q", v)
	}
	if v := (provider.Config{Versions: map[string]string{"linkedin": "202602"}}).Version(provider.APILinkedIn); v != "202602" {
		t.Errorf("override = %q", v)
	}
}
