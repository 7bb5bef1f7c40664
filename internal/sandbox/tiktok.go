package sandbox

import (
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/tokenwatch/tokenwatch"
)

// TikTok as documented at developers.tiktok.com:
//   - token endpoint: doc/oauth-user-access-token-management (client_key and
//     client_secret in the form body; errors {"error","error_description",
//     "log_id"}, doc/oauth-error-handling);
//   - API errors: {"data":{},"error":{"code","message","log_id"}}
//     (doc/tiktok-api-v2-error-handling);
//   - direct posts: doc/content-posting-api-reference-query-creator-info and
//     doc/content-posting-api-reference-direct-post, with the limits of
//     unaudited apps from doc/content-sharing-guidelines.

type tiktokDialect struct{}

// tiktokError answers an API error in TikTok's shape.
func tiktokError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"data": map[string]any{}, "error": tiktokStatus(code, msg)})
}

func tiktokStatus(code, msg string) map[string]string {
	return map[string]string{"code": code, "message": msg, "log_id": strings.ToUpper(randomToken()[:20])}
}

func tiktokOK(w http.ResponseWriter, data any) {
	writeJSON(w, http.StatusOK, map[string]any{"data": data, "error": tiktokStatus("ok", "")})
}

func (tiktokDialect) apiError(w http.ResponseWriter, e *apiError) {
	switch e.kind {
	case errInvalidToken, errExpired, errRevoked:
		tiktokError(w, 401, "access_token_invalid", "The access token is invalid or not found in the request.")
	case errScope, errRole:
		tiktokError(w, 401, "scope_not_authorized", "The user did not authorize the scope required for completing this request.")
	default:
		tiktokError(w, 400, "invalid_params", e.msg)
	}
}

// tokenError answers as doc/oauth-error-handling shows: RFC 6749 error
// names with a log_id. TikTok documents no status for them; the RFC's are
// used.
func (tiktokDialect) tokenError(w http.ResponseWriter, e *apiError) {
	code, status := "invalid_grant", http.StatusBadRequest
	switch e.kind {
	case errInvalidClient:
		code, status = "invalid_client", http.StatusUnauthorized
	case errInvalidRequest:
		code = "invalid_request"
	case errScope:
		code = "invalid_scope"
	}
	writeJSON(w, status, map[string]string{"error": code, "error_description": e.msg, "log_id": strings.ToUpper(randomToken()[:20])})
}

func (tiktokDialect) fault(w http.ResponseWriter, status int) {
	if status == http.StatusTooManyRequests {
		tiktokError(w, status, "rate_limit_exceeded", "Your request is blocked due to exceeding the API rate limit.")
		return
	}
	tiktokError(w, status, "internal_error", "Something went wrong. Please try again later.")
}

// TikTokApp is how TikTok sees tokenwatch's app for direct posts.
type TikTokApp struct {
	// Unaudited apps may post only to private accounts, only SELF_ONLY,
	// for at most UnauditedUserCap users in 24 hours.
	Unaudited bool
	// URLPrefixes are the URL prefixes the app verified for PULL_FROM_URL,
	// besides the sandbox's own media folder, which every app has.
	URLPrefixes []string
}

// UnauditedUserCap is how many users an unaudited app may post for in 24
// hours (doc/content-sharing-guidelines).
const UnauditedUserCap = 5

// TikTokCreator is how TikTok sees an account as a creator.
type TikTokCreator struct {
	// Private accounts are offered FOLLOWER_OF_CREATOR instead of
	// PUBLIC_TO_EVERYONE.
	Private bool
	// BannedFromPosting: spam_risk_user_banned_from_posting.
	BannedFromPosting bool
	// DailyCapReached: spam_risk_too_many_posts.
	DailyCapReached bool
}

type tiktokState struct {
	app      TikTokApp
	creators map[string]TikTokCreator
}

func (n *network) tiktokState() *tiktokState {
	if n.tiktok == nil {
		n.tiktok = &tiktokState{creators: map[string]TikTokCreator{}}
	}
	return n.tiktok
}

// SetTikTokApp sets how TikTok sees tokenwatch's app (default: audited).
func (s *Sandbox) SetTikTokApp(a TikTokApp) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a.URLPrefixes = slices.Clone(a.URLPrefixes)
	s.net(tokenwatch.TikTok).tiktokState().app = a
}

// SetTikTokCreator sets how TikTok sees account userID as a creator
// (default: a public account that may post).
func (s *Sandbox) SetTikTokCreator(userID string, c TikTokCreator) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.net(tokenwatch.TikTok).tiktokState().creators[userID] = c
}

// privacyOptions are the privacy levels creator_info offers an account.
func privacyOptions(c TikTokCreator) []string {
	if c.Private {
		return []string{"FOLLOWER_OF_CREATOR", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"}
	}
	return []string{"PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"}
}

// capReached says an unaudited app has posted for UnauditedUserCap other
// users in the last 24 hours.
func (c *call) capReached(userID string) bool {
	users := map[string]bool{}
	for _, p := range c.s.posts {
		if p.Provider == c.n.name && c.s.now().Sub(p.At) < 24*time.Hour {
			users[p.UserID] = true
		}
	}
	return !users[userID] && len(users) >= UnauditedUserCap
}

// cannotPost is what stops a creator from posting now, as creator_info
// and video/init word it, or "".
func (c *call) cannotPost(userID string) (code, msg string) {
	st := c.n.tiktokState()
	cr := st.creators[userID]
	switch {
	case cr.BannedFromPosting:
		return "spam_risk_user_banned_from_posting", "The user is banned from making new posts."
	case cr.DailyCapReached:
		return "spam_risk_too_many_posts", "The daily post cap from the API is reached for the current user."
	case st.app.Unaudited && c.capReached(userID):
		return "reached_active_user_cap", "The daily quota for active publishing users from your client is reached."
	}
	return "", ""
}

func tiktokRoutes(rt *router) {
	rt.d = tiktokDialect{}
	rt.consent("/v2/auth/authorize/", "client_key")
	rt.handle("POST /v2/oauth/token/", "", func(c *call) {
		// The app authenticates with client_key and client_secret in the
		// form; client_id or HTTP Basic is no authentication to TikTok.
		if _, _, basic := c.r.BasicAuth(); basic || c.r.PostForm.Get("client_key") == "" {
			c.d.tokenError(c.w, errf(errInvalidClient, "Client key or secret is incorrect."))
			return
		}
		c.tokenEndpoint("client_key", func(access, refresh *token) {
			m := c.oauthToken(access, refresh, ",", "refresh_expires_in")
			m["open_id"], m["token_type"] = access.grant.userID, "Bearer"
			writeJSON(c.w, http.StatusOK, m)
		})
	})
	rt.handle("GET /v2/user/info/", OpIdentity, func(c *call) {
		t, ok := c.auth("user.info.basic")
		if !ok {
			return
		}
		fields := splitScopes(c.r.URL.Query().Get("fields"))
		if len(fields) == 0 {
			c.d.apiError(c.w, errf(errInvalidRequest, "fields is required"))
			return
		}
		all := map[string]string{"open_id": t.grant.userID, "union_id": "u-" + t.grant.userID, "display_name": c.userName(t),
			"avatar_url": "https://p16-sign.tiktokcdn-us.com/sandbox/" + t.grant.userID + ".jpeg"}
		user := map[string]string{}
		for _, f := range fields {
			if v, ok := all[f]; ok {
				user[f] = v
			}
		}
		tiktokOK(c.w, map[string]any{"user": user})
	})
	rt.handle("POST /v2/post/publish/creator_info/query/", "", func(c *call) {
		t, ok := c.auth("video.publish")
		if !ok {
			return
		}
		if code, msg := c.cannotPost(t.grant.userID); code != "" {
			// "200 (intentional)": creator_info answers these with 200.
			writeJSON(c.w, http.StatusOK, map[string]any{"data": map[string]any{}, "error": tiktokStatus(code, msg)})
			return
		}
		cr := c.n.tiktokState().creators[t.grant.userID]
		tiktokOK(c.w, map[string]any{
			"creator_avatar_url": "https://p16-sign.tiktokcdn-us.com/sandbox/" + t.grant.userID + ".jpeg",
			"creator_username":   strings.ToLower(strings.ReplaceAll(c.userName(t), " ", "")),
			"creator_nickname":   c.userName(t), "privacy_level_options": privacyOptions(cr),
			"comment_disabled": false, "duet_disabled": cr.Private, "stitch_disabled": cr.Private,
			"max_video_post_duration_sec": 600,
		})
	})
	rt.handle("POST /v2/post/publish/video/init/", OpPublish, func(c *call) {
		t, ok := c.auth("video.publish")
		if !ok {
			return
		}
		var body struct {
			PostInfo struct {
				Title              string `json:"title"`
				PrivacyLevel       string `json:"privacy_level"`
				BrandContentToggle *bool  `json:"brand_content_toggle"`
			} `json:"post_info"`
			SourceInfo struct {
				Source   string `json:"source"`
				VideoURL string `json:"video_url"`
			} `json:"source_info"`
		}
		if !c.readJSON(&body) {
			return
		}
		st, user := c.n.tiktokState(), t.grant.userID
		cr := st.creators[user]
		pi, si := body.PostInfo, body.SourceInfo
		switch {
		case si.Source != "PULL_FROM_URL" || si.VideoURL == "":
			// The sandbox takes videos by URL only: FILE_UPLOAD would need
			// the chunked upload.
			tiktokError(c.w, 400, "invalid_param", "source_info must pull the video from video_url")
		case pi.BrandContentToggle == nil:
			tiktokError(c.w, 400, "invalid_param", "post_info.brand_content_toggle is required")
		case len(utf16.Encode([]rune(pi.Title))) > 2200:
			tiktokError(c.w, 400, "invalid_param", "post_info.title is longer than 2200 UTF-16 runes")
		case !c.verified(st.app, si.VideoURL):
			tiktokError(c.w, 403, "url_ownership_unverified",
				"To use PULL_FROM_URL as the video transfer method, the developer must verify the ownership of the URL prefix or domain.")
		case !slices.Contains(privacyOptions(cr), pi.PrivacyLevel):
			tiktokError(c.w, 403, "privacy_level_option_mismatch",
				"privacy_level is not specified or not among the options from the privacy_level_options returned in /publish/creator_info/query/ API.")
		case st.app.Unaudited && !cr.Private:
			// A private account's post from an unaudited app goes through,
			// "restricted to private viewing mode" (SELF_ONLY) whatever
			// privacy_level said (doc/content-posting-api-reference-direct-post).
			tiktokError(c.w, 403, "unaudited_client_can_only_post_to_private_accounts", "Unaudited clients can only post to a private account.")
		default:
			if code, msg := c.cannotPost(user); code != "" {
				tiktokError(c.w, 403, code, msg)
				return
			}
			id := c.publish(t, user, pi.Title, "", si.VideoURL)
			tiktokOK(c.w, map[string]string{"publish_id": "v_pub_url~v2." + id})
		}
	})
}

// verified says the app verified a prefix of videoURL; every app has the
// sandbox's own media folder.
func (c *call) verified(app TikTokApp, videoURL string) bool {
	own := []string{"http://" + c.r.Host + "/_sandbox/media/", "https://" + c.r.Host + "/_sandbox/media/"}
	for _, p := range append(own, app.URLPrefixes...) {
		if strings.HasPrefix(videoURL, p) {
			return true
		}
	}
	return false
}
