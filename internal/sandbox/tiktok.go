package sandbox

import (
	"net/http"
	"strings"
)

type tiktokDialect struct{ oauthDialect }

func tiktokError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"data": map[string]any{}, "error": map[string]string{"code": code, "message": msg, "log_id": randomToken()[:12]}})
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

func (tiktokDialect) fault(w http.ResponseWriter, status int) {
	if status == http.StatusTooManyRequests {
		tiktokError(w, status, "rate_limit_exceeded", "Your request is blocked due to exceeding the API rate limit.")
		return
	}
	tiktokError(w, status, "internal_error", "Something went wrong. Please try again later.")
}

func tiktokRoutes(rt *router) {
	rt.d = tiktokDialect{}
	rt.consent("/v2/auth/authorize/", "client_key")
	rt.handle("POST /v2/oauth/token/", "", func(c *call) {
		c.tokenEndpoint("client_key", func(access, refresh *token) {
			m := c.oauthToken(access, refresh, ",", "refresh_expires_in")
			m["open_id"], m["token_type"] = access.grant.userID, "Bearer"
			writeJSON(c.w, http.StatusOK, m)
		})
	})
	rt.handle("GET /v2/user/info/", OpIdentity, func(c *call) {
		if t, ok := c.auth("user.info.basic"); ok {
			writeJSON(c.w, http.StatusOK, map[string]any{
				"data":  map[string]any{"user": map[string]string{"open_id": t.grant.userID, "display_name": c.userName(t)}},
				"error": map[string]string{"code": "ok", "message": ""},
			})
		}
	})
	rt.handle("POST /v2/post/publish/video/init/", OpPublish, func(c *call) {
		t, ok := c.auth("video.publish")
		if !ok {
			return
		}
		var body struct {
			PostInfo struct {
				Title string `json:"title"`
			} `json:"post_info"`
			SourceInfo struct {
				Source   string `json:"source"`
				VideoURL string `json:"video_url"`
			} `json:"source_info"`
		}
		if !c.readJSON(&body) {
			return
		}
		if !strings.EqualFold(body.SourceInfo.Source, "PULL_FROM_URL") || body.SourceInfo.VideoURL == "" {
			c.d.apiError(c.w, errf(errInvalidRequest, "source_info must pull a video from a URL"))
			return
		}
		id := c.publish(t, t.grant.userID, body.PostInfo.Title, "", body.SourceInfo.VideoURL)
		writeJSON(c.w, http.StatusOK, map[string]any{"data": map[string]string{"publish_id": "v_pub_url~" + id}, "error": map[string]string{"code": "ok"}})
	})
}
