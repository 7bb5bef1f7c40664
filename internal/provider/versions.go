package provider

import (
	"fmt"
	"regexp"
	"time"

	"github.com/tokenwatch/tokenwatch"
)

// API is one versioned network API that tokenwatch calls. The version in
// use is the Default unless the operator sets Setting; Versions lists the
// versions whose end of support the network has published.
type API struct {
	// ID names the API in Config.Versions.
	ID   string
	Name string
	// Providers are the integrations that call this API.
	Providers []tokenwatch.Provider
	// Default is the version this tokenwatch is written and tested against.
	Default string
	// Setting is the environment variable that overrides the version.
	Setting string
	// Pattern is what a version of this API looks like.
	Pattern *regexp.Regexp
	// Versions are the published ends of support, where the network
	// publishes them; a version not listed has no announced end.
	Versions []Version
	// Source is the page that publishes the versions and their ends.
	Source string
}

// Version is one version of an API and the day its network stops serving
// it (zero: not announced).
type Version struct {
	Version      string
	EndOfSupport time.Time
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// API ids.
const (
	APILinkedIn      = "linkedin"
	APIMetaGraph     = "meta_graph"
	APIThreads       = "threads"
	APIGoogleAccount = "google_account_management"
	APIGoogleInfo    = "google_business_information"
	APIGooglePosts   = "google_my_business"
	APIYouTube       = "youtube"
	APIX             = "x"
	APITikTok        = "tiktok"
	APIPinterest     = "pinterest"
)

var (
	pathVersion = regexp.MustCompile(`^v[0-9]+(\.[0-9]+)?$`)
	bareVersion = regexp.MustCompile(`^[0-9]+$`)
)

// APIs is every network API version tokenwatch calls, with the published
// end of support of each version where the network publishes one.
var APIs = []API{
	{
		ID: APILinkedIn, Name: "LinkedIn Marketing API (LinkedIn-Version header)", Providers: []tokenwatch.Provider{tokenwatch.LinkedIn},
		Default: "202603", Setting: "TOKENWATCH_LINKEDIN_API_VERSION", Pattern: regexp.MustCompile(`^20[0-9]{2}(0[1-9]|1[0-2])$`),
		// learn.microsoft.com/linkedin/marketing/integrations/migrations:
		// each monthly version is served at least a year.
		Versions: []Version{
			{"202510", day(2026, time.October, 15)},
			{"202511", day(2026, time.November, 16)},
			{"202601", day(2027, time.January, 15)},
			{"202602", day(2027, time.February, 15)},
			{"202603", day(2027, time.March, 16)},
		},
		Source: "https://learn.microsoft.com/en-us/linkedin/marketing/integrations/migrations",
	},
	{
		ID: APIMetaGraph, Name: "Meta Graph API (Facebook Login, Instagram)", Providers: []tokenwatch.Provider{tokenwatch.Facebook, tokenwatch.InstagramFacebook, tokenwatch.Instagram},
		Default: "v25.0", Setting: "TOKENWATCH_META_GRAPH_VERSION", Pattern: pathVersion,
		// developers.facebook.com/docs/graph-api/changelog/versions: a
		// version is served about two years.
		Versions: []Version{
			{"v20.0", day(2026, time.September, 24)},
			{"v21.0", day(2027, time.January, 21)},
			{"v22.0", day(2027, time.May, 20)},
			{"v23.0", day(2027, time.October, 8)},
			{"v24.0", day(2028, time.February, 18)},
			{"v25.0", day(2028, time.July, 29)},
			{"v26.0", time.Time{}},
			{"v27.0", time.Time{}},
		},
		Source: "https://developers.facebook.com/docs/graph-api/changelog/versions/",
	},
	{
		ID: APIThreads, Name: "Threads API", Providers: []tokenwatch.Provider{tokenwatch.Threads},
		Default: "v1.0", Setting: "TOKENWATCH_THREADS_API_VERSION", Pattern: pathVersion,
		Source: "https://developers.facebook.com/docs/threads/reference",
	},
	{
		ID: APIGoogleAccount, Name: "Google My Business Account Management API", Providers: []tokenwatch.Provider{tokenwatch.GoogleBusiness},
		Default: "v1", Setting: "TOKENWATCH_GOOGLE_ACCOUNT_MANAGEMENT_API_VERSION", Pattern: pathVersion,
		Source: "https://developers.google.com/my-business/reference/accountmanagement/rest",
	},
	{
		ID: APIGoogleInfo, Name: "Google My Business Business Information API", Providers: []tokenwatch.Provider{tokenwatch.GoogleBusiness},
		Default: "v1", Setting: "TOKENWATCH_GOOGLE_BUSINESS_INFORMATION_API_VERSION", Pattern: pathVersion,
		Source: "https://developers.google.com/my-business/reference/businessinformation/rest",
	},
	{
		ID: APIGooglePosts, Name: "Google My Business API (local posts)", Providers: []tokenwatch.Provider{tokenwatch.GoogleBusiness},
		Default: "v4", Setting: "TOKENWATCH_GOOGLE_MY_BUSINESS_API_VERSION", Pattern: pathVersion,
		Source: "https://developers.google.com/my-business/reference/rest/v4/accounts.locations.localPosts",
	},
	{
		ID: APIYouTube, Name: "YouTube Data API", Providers: []tokenwatch.Provider{tokenwatch.YouTube},
		Default: "v3", Setting: "TOKENWATCH_YOUTUBE_API_VERSION", Pattern: pathVersion,
		Source: "https://developers.google.com/youtube/v3/docs",
	},
	{
		ID: APIX, Name: "X API", Providers: []tokenwatch.Provider{tokenwatch.X},
		Default: "2", Setting: "TOKENWATCH_X_API_VERSION", Pattern: bareVersion,
		Source: "https://docs.x.com/x-api/introduction",
	},
	{
		ID: APITikTok, Name: "TikTok API", Providers: []tokenwatch.Provider{tokenwatch.TikTok},
		Default: "v2", Setting: "TOKENWATCH_TIKTOK_API_VERSION", Pattern: pathVersion,
		Source: "https://developers.tiktok.com/doc/overview",
	},
	{
		ID: APIPinterest, Name: "Pinterest API", Providers: []tokenwatch.Provider{tokenwatch.Pinterest},
		Default: "v5", Setting: "TOKENWATCH_PINTEREST_API_VERSION", Pattern: pathVersion,
		Source: "https://developers.pinterest.com/docs/api/v5/",
	},
}

// LookupAPI returns the API with id; it panics for an unknown id, which is
// a programming error.
func LookupAPI(id string) API {
	for _, a := range APIs {
		if a.ID == id {
			return a
		}
	}
	panic("provider: unknown API " + id)
}

// Version returns the version of API id that cfg asks for: the operator's
// override, else the API's default.
func (c Config) Version(id string) string {
	if v := c.Versions[id]; v != "" {
		return v
	}
	return LookupAPI(id).Default
}

// EndOfSupport returns the published end of support of version, if the
// network published one.
func (a API) EndOfSupport(version string) (time.Time, bool) {
	for _, v := range a.Versions {
		if v.Version == version {
			return v.EndOfSupport, !v.EndOfSupport.IsZero()
		}
	}
	return time.Time{}, false
}

// Validate checks that version looks like a version of the API.
func (a API) Validate(version string) error {
	if !a.Pattern.MatchString(version) {
		return fmt.Errorf("%q is not a %s version (such as %s)", version, a.Name, a.Default)
	}
	return nil
}

// VersionWarnWithin is how long before its end of support a version in use
// raises a service warning.
const VersionWarnWithin = 60 * 24 * time.Hour

// VersionStatus is where the version in use of one API stands.
type VersionStatus struct {
	API          API
	Version      string
	EndOfSupport time.Time // zero: none announced
	// Ending says the end of support is within VersionWarnWithin; Ended
	// says it has passed (the network refuses the version).
	Ending, Ended bool
}

// Message says what the operator should do, or "" when nothing.
func (s VersionStatus) Message() string {
	switch {
	case s.Ended:
		return fmt.Sprintf("%s version %s reached its end of support on %s; set %s to a supported version",
			s.API.Name, s.Version, s.EndOfSupport.Format("2 January 2006"), s.API.Setting)
	case s.Ending:
		return fmt.Sprintf("%s version %s reaches its end of support on %s; set %s to a newer version before then",
			s.API.Name, s.Version, s.EndOfSupport.Format("2 January 2006"), s.API.Setting)
	}
	return ""
}

// VersionStatuses says, for every API of a configured provider, which
// version is in use and whether its end of support is near or passed at
// now. versions holds the operator's overrides by API id.
func VersionStatuses(versions map[string]string, configured func(tokenwatch.Provider) bool, now time.Time) []VersionStatus {
	var out []VersionStatus
	for _, a := range APIs {
		used := false
		for _, p := range a.Providers {
			used = used || configured(p)
		}
		if !used {
			continue
		}
		v := versions[a.ID]
		if v == "" {
			v = a.Default
		}
		s := VersionStatus{API: a, Version: v}
		if end, ok := a.EndOfSupport(v); ok {
			s.EndOfSupport = end
			s.Ended = !now.Before(end)
			s.Ending = !s.Ended && end.Sub(now) <= VersionWarnWithin
		}
		out = append(out, s)
	}
	return out
}
