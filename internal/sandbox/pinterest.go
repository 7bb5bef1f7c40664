package sandbox

import (
	"net/http"
)

type pinterestDialect struct{ oauthDialect }

func (pinterestDialect) apiError(w http.ResponseWriter, e *apiError) {
	switch e.kind {
	case errInvalidToken, errExpired, errRevoked:
		writeJSON(w, 401, map[string]any{"code": 2, "message": "Authentication failed."})
	case errScope, errRole:
		writeJSON(w, 403, map[string]any{"code": 3, "message": "Authorization failed."})
	case errNotFound:
		writeJSON(w, 404, map[string]any{"code": 4, "message": e.msg})
	default:
		writeJSON(w, 400, map[string]any{"code": 1, "message": e.msg})
	}
}

func (pinterestDialect) fault(w http.ResponseWriter, status int) {
	if status == http.StatusTooManyRequests {
		writeJSON(w, status, map[string]any{"code": 8, "message": "Rate limited"})
		return
	}
	writeJSON(w, status, map[string]any{"code": 0, "message": http.StatusText(status)})
}

func pinterestRoutes(rt *router) {
	rt.d = pinterestDialect{}
	rt.consent("/oauth/", "client_id")
	rt.handle("POST /v5/oauth/token", "", func(c *call) {
		c.tokenEndpoint("client_id", func(access, refresh *token) {
			m := c.oauthToken(access, refresh, ",", "refresh_token_expires_in")
			m["response_type"] = c.r.Form.Get("grant_type")
			writeJSON(c.w, http.StatusOK, m)
		})
	})
	rt.handle("GET /v5/user_account", OpIdentity, func(c *call) {
		if t, ok := c.auth("user_accounts:read"); ok {
			writeJSON(c.w, http.StatusOK, map[string]string{"id": t.grant.userID, "username": c.userName(t), "account_type": "BUSINESS"})
		}
	})
	rt.handle("GET /v5/boards", OpPages, func(c *call) {
		if t, ok := c.auth("boards:read"); ok {
			writeJSON(c.w, http.StatusOK, map[string]any{"items": []map[string]string{{"id": "board-" + t.grant.userID, "name": "Ideas"}}})
		}
	})
	rt.handle("POST /v5/pins", OpPublish, func(c *call) {
		t, ok := c.auth("pins:write")
		if !ok {
			return
		}
		var body struct {
			BoardID     string `json:"board_id"`
			Description string `json:"description"`
			Link        string `json:"link"`
			MediaSource struct {
				URL string `json:"url"`
			} `json:"media_source"`
		}
		if !c.readJSON(&body) {
			return
		}
		if body.BoardID != "board-"+t.grant.userID {
			c.d.apiError(c.w, errf(errNotFound, "Board not found."))
			return
		}
		id := c.publish(t, t.grant.userID, body.Description, body.Link, body.MediaSource.URL)
		writeJSON(c.w, http.StatusCreated, map[string]string{"id": id, "board_id": body.BoardID})
	})
}
