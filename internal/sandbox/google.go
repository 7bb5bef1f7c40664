package sandbox

import (
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
)

type googleDialect struct{ oauthDialect }

func googleError(w http.ResponseWriter, status int, grpc, msg, reason string) {
	e := map[string]any{"code": status, "message": msg, "status": grpc}
	if reason != "" {
		e["details"] = []map[string]string{{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason}}
	}
	writeJSON(w, status, map[string]any{"error": e})
}

func (googleDialect) apiError(w http.ResponseWriter, e *apiError) {
	switch e.kind {
	case errInvalidToken, errExpired, errRevoked:
		googleError(w, 401, "UNAUTHENTICATED", "Request had invalid authentication credentials. "+e.msg, "ACCESS_TOKEN_EXPIRED")
	case errScope:
		googleError(w, 403, "PERMISSION_DENIED", "Request had insufficient authentication scopes.", "ACCESS_TOKEN_SCOPE_INSUFFICIENT")
	case errRole, errBlocked:
		googleError(w, 403, "PERMISSION_DENIED", "The caller does not have permission", "")
	case errNotFound:
		googleError(w, 404, "NOT_FOUND", e.msg, "")
	case errDuplicate:
		googleError(w, 409, "ALREADY_EXISTS", e.msg, "")
	default:
		googleError(w, 400, "INVALID_ARGUMENT", e.msg, "")
	}
}

func (googleDialect) fault(w http.ResponseWriter, status int) {
	if status == http.StatusTooManyRequests {
		googleError(w, status, "RESOURCE_EXHAUSTED", "Quota exceeded.", "RATE_LIMIT_EXCEEDED")
		return
	}
	googleError(w, status, "UNAVAILABLE", "The service is currently unavailable.", "")
}

// googleOAuth serves Google's consent, token and tokeninfo endpoints.
func googleOAuth(rt *router) {
	rt.d = googleDialect{}
	rt.consent("/o/oauth2/v2/auth", "client_id")
	rt.handle("POST /token", "", func(c *call) {
		c.tokenEndpoint("client_id", func(access, refresh *token) {
			writeJSON(c.w, http.StatusOK, c.oauthToken(access, refresh, " ", "refresh_token_expires_in"))
		})
	})
	tokeninfo := func(c *call) {
		t, e := c.n.check(c.r.Form.Get("access_token"), c.s.now())
		if e != nil {
			writeJSON(c.w, http.StatusBadRequest, map[string]string{"error": "invalid_token", "error_description": "Invalid Value"})
			return
		}
		in := t.expiresIn(c.s.now())
		writeJSON(c.w, http.StatusOK, map[string]string{
			"azp": t.grant.clientID, "aud": t.grant.clientID, "sub": t.grant.userID, "email": c.userName(t),
			"scope": strings.Join(t.grant.scopes, " "), "expires_in": strconv.FormatInt(in, 10),
			"exp": strconv.FormatInt(unixOrZero(t.expiresAt), 10), "email_verified": "true",
		})
	}
	rt.handle("GET /tokeninfo", OpInspect, tokeninfo)
	rt.handle("POST /tokeninfo", OpInspect, tokeninfo)
}

const businessScope = "https://www.googleapis.com/auth/business.manage"

// businessManagers may post on a location.
var businessPosters = map[string]bool{"PRIMARY_OWNER": true, "OWNER": true, "MANAGER": true, "SITE_MANAGER": true}

func googleBusinessRoutes(rt *router) {
	googleOAuth(rt)
	rt.handle("GET /v1/accounts", OpPages, func(c *call) {
		if t, ok := c.auth(businessScope); ok {
			writeJSON(c.w, http.StatusOK, map[string]any{"accounts": []map[string]string{{
				"name": "accounts/" + t.grant.userID, "accountName": c.userName(t), "type": "PERSONAL"}}})
		}
	})
	rt.handle("GET /v1/accounts/{account}/locations", OpPages, func(c *call) {
		t, ok := c.auth(businessScope)
		if !ok {
			return
		}
		if c.r.PathValue("account") != t.grant.userID {
			c.d.apiError(c.w, errf(errRole, "not your account"))
			return
		}
		locations := []map[string]string{}
		for _, p := range c.n.pages {
			if c.n.role(p.ID, t.grant.userID) != "" {
				locations = append(locations, map[string]string{"name": "locations/" + p.ID, "title": p.Name})
			}
		}
		writeJSON(c.w, http.StatusOK, map[string]any{"locations": locations})
	})
	rt.handle("GET /v1/locations/{location}/admins", OpPages, func(c *call) {
		t, ok := c.auth(businessScope)
		if !ok {
			return
		}
		id := c.r.PathValue("location")
		if c.n.role(id, t.grant.userID) == "" {
			c.d.apiError(c.w, errf(errRole, "not an admin of this location"))
			return
		}
		admins := []map[string]string{}
		for _, a := range c.n.accounts {
			if role := c.n.role(id, a.ID); role != "" {
				admins = append(admins, map[string]string{"name": "locations/" + id + "/admins/" + a.ID,
					"admin": a.Name, "account": "accounts/" + a.ID, "role": role})
			}
		}
		writeJSON(c.w, http.StatusOK, map[string]any{"admins": admins})
	})
	rt.handle("POST /v4/accounts/{account}/locations/{location}/localPosts", OpPublish, func(c *call) {
		t, ok := c.auth(businessScope)
		if !ok {
			return
		}
		var body struct {
			Summary      string `json:"summary"`
			CallToAction struct {
				URL string `json:"url"`
			} `json:"callToAction"`
			Media []struct {
				SourceURL string `json:"sourceUrl"`
			} `json:"media"`
		}
		if !c.readJSON(&body) {
			return
		}
		id := c.r.PathValue("location")
		if !businessPosters[c.n.role(id, t.grant.userID)] {
			c.d.apiError(c.w, errf(errRole, "not an admin of this location"))
			return
		}
		media := ""
		if len(body.Media) > 0 {
			media = body.Media[0].SourceURL
		}
		postID := c.publish(t, id, body.Summary, body.CallToAction.URL, media)
		writeJSON(c.w, http.StatusOK, map[string]string{"name": "accounts/" + c.r.PathValue("account") + "/locations/" + id + "/localPosts/" + postID, "state": "LIVE"})
	})
}

const (
	youtubeRead   = "https://www.googleapis.com/auth/youtube.readonly"
	youtubeUpload = "https://www.googleapis.com/auth/youtube.upload"
)

func youtubeRoutes(rt *router) {
	googleOAuth(rt)
	rt.handle("GET /youtube/v3/channels", OpPages, func(c *call) {
		t, ok := c.auth(youtubeRead)
		if !ok {
			return
		}
		items := []map[string]any{}
		for _, p := range c.n.pages {
			if c.n.role(p.ID, t.grant.userID) != "" {
				items = append(items, map[string]any{"id": p.ID, "snippet": map[string]string{"title": p.Name}})
			}
		}
		writeJSON(c.w, http.StatusOK, map[string]any{"items": items})
	})
	rt.handle("POST /upload/youtube/v3/videos", OpPublish, func(c *call) {
		t, ok := c.auth(youtubeUpload)
		if !ok {
			return
		}
		var meta struct {
			Snippet struct {
				Title       string `json:"title"`
				Description string `json:"description"`
				ChannelID   string `json:"channelId"`
			} `json:"snippet"`
		}
		size, err := readUpload(c.r, &meta)
		if err != nil || size == 0 {
			c.d.apiError(c.w, errf(errInvalidRequest, "a multipart upload of metadata and a video is expected"))
			return
		}
		channel := meta.Snippet.ChannelID
		if c.n.role(channel, t.grant.userID) == "" {
			c.d.apiError(c.w, errf(errRole, "the user cannot upload to this channel"))
			return
		}
		id := c.publish(t, channel, meta.Snippet.Title, "", "upload:"+strconv.FormatInt(size, 10)+" bytes")
		writeJSON(c.w, http.StatusOK, map[string]any{"id": id, "snippet": meta.Snippet})
	})
}

// readUpload reads a multipart/related upload: JSON metadata into meta,
// then the media, whose size it returns.
func readUpload(r *http.Request, meta any) (int64, error) {
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return 0, err
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	part, err := mr.NextPart()
	if err != nil {
		return 0, err
	}
	if err := json.NewDecoder(part).Decode(meta); err != nil {
		return 0, err
	}
	if part, err = mr.NextPart(); err != nil {
		return 0, err
	}
	return io.Copy(io.Discard, part)
}
