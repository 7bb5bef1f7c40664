package linkedin

import (
	"context"
	"fmt"
	"time"

	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/oauthx"
)

var _ provider.Diagnoser = (*Provider)(nil)

// Diagnose checks what LinkedIn can be asked without a member's token: the
// app's client id and secret (a made-up authorization code must be refused
// for the code, not the client), the LinkedIn-Version in use against the
// published ends of support, and the redirect URI's shape.
func (p *Provider) Diagnose(ctx context.Context, redirectURI string) []provider.Finding {
	return []provider.Finding{
		p.oauth.ProbeCredentials(ctx, redirectURI),
		versionFinding(provider.LookupAPI(provider.APILinkedIn), p.version(), time.Now()),
		oauthx.RedirectFinding(redirectURI, "the app's Authorized redirect URLs (LinkedIn Developer Portal → the app → Auth; LinkedIn checks them only at consent)"),
	}
}

// servedFor is how long LinkedIn serves a monthly version at least: "These
// API versions are supported and stable for a minimum of one year before
// sunset."
// https://learn.microsoft.com/en-us/linkedin/marketing/versioning
const servedFor = 1 // year

// versionFinding says whether LinkedIn still serves version at now. Only a
// member's token can show it for sure: LinkedIn's versioned /rest calls
// need one, and 2-legged (app) tokens "are not available for Marketing
// APIs", so the version is otherwise checked at the first call.
// https://learn.microsoft.com/en-us/linkedin/shared/authentication/client-credentials-flow
func versionFinding(api provider.API, version string, now time.Time) provider.Finding {
	const atFirstCall = " LinkedIn has no call without a member's token that shows whether it accepts a version, so it is checked at the first call."
	f := provider.Finding{Check: "API version " + version}
	if err := api.Validate(version); err != nil {
		f.Detail = err.Error() + "; set " + api.Setting + " to a version such as " + api.Default + "."
		return f
	}
	month, _ := time.Parse("200601", version)
	if end, ok := api.EndOfSupport(version); ok {
		days := int(end.Sub(now).Hours() / 24)
		switch {
		case !now.Before(end):
			f.Detail = fmt.Sprintf("LinkedIn stopped serving %s on %s (%s): every call answers 426 NONEXISTENT_VERSION; set %s to an active version.",
				version, end.Format("2 January 2006"), api.Source, api.Setting)
		case end.Sub(now) <= provider.VersionWarnWithin:
			f.OK = true
			f.Detail = fmt.Sprintf("in tokenwatch's table; LinkedIn serves it until %s, %d days from now: set %s to a newer version before then.",
				end.Format("2 January 2006"), days, api.Setting)
		default:
			f.OK = true
			f.Detail = fmt.Sprintf("in tokenwatch's table; LinkedIn serves it until %s, %d days from now.", end.Format("2 January 2006"), days)
		}
		f.Detail += atFirstCall
		return f
	}
	newest := ""
	for _, v := range api.Versions {
		newest = max(newest, v.Version)
	}
	end := month.AddDate(servedFor, 0, 0)
	switch {
	case now.Before(month):
		f.Detail = fmt.Sprintf("%s is a month to come: LinkedIn has not released it; set %s to a released version.", version, api.Setting)
	case !now.Before(end):
		f.Detail = fmt.Sprintf("not in tokenwatch's table; LinkedIn serves a version at least a year, and %s is older than that: set %s to an active version.",
			version, api.Setting)
	case version < newest:
		f.Detail = fmt.Sprintf("LinkedIn published no version %s (%s lists the versions it serves); set %s to one of them.",
			version, api.Source, api.Setting)
	default:
		f.OK = true
		f.Detail = fmt.Sprintf("newer than tokenwatch's table; LinkedIn serves each version at least a year, so until about %s.",
			end.Format("January 2006"))
	}
	f.Detail += atFirstCall
	return f
}
