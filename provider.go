package tokenwatch

// Provider names a social network integration. Instagram has two: through
// Facebook Login (the account is linked to a Facebook Page) and through
// Instagram Login (the professional account itself).
type Provider string

// Providers.
const (
	Facebook          Provider = "facebook"
	InstagramFacebook Provider = "instagram_facebook"
	Instagram         Provider = "instagram"
	LinkedIn          Provider = "linkedin"
	GoogleBusiness    Provider = "google_business"
	YouTube           Provider = "youtube"
	X                 Provider = "x"
	TikTok            Provider = "tiktok"
	Pinterest         Provider = "pinterest"
	Threads           Provider = "threads"
)

// Providers lists every provider in the order the UI shows them.
var Providers = []Provider{Facebook, InstagramFacebook, Instagram, LinkedIn, GoogleBusiness, YouTube, X, TikTok, Pinterest, Threads}

var providerNames = map[Provider]string{
	Facebook:          "Facebook",
	InstagramFacebook: "Instagram (via Facebook)",
	Instagram:         "Instagram",
	LinkedIn:          "LinkedIn",
	GoogleBusiness:    "Google Business Profile",
	YouTube:           "YouTube",
	X:                 "X",
	TikTok:            "TikTok",
	Pinterest:         "Pinterest",
	Threads:           "Threads",
}

// Valid reports whether p is a known provider.
func (p Provider) Valid() bool { _, ok := providerNames[p]; return ok }

// DisplayName is the network's name as users know it.
func (p Provider) DisplayName() string {
	if n, ok := providerNames[p]; ok {
		return n
	}
	return string(p)
}
