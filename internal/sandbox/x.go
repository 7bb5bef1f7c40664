package sandbox

import (
	"net/http"
	"strings"
)

type xDialect struct{}

func xProblem(w http.ResponseWriter, status int, detail string) {
	writeJSON(w, status, map[string]any{"title": http.StatusText(status), "type": "about:blank", "status": status, "detail": detail})
}

func (xDialect) apiError(w http.ResponseWriter, e *apiError) {
	switch e.kind {
	case errInvalidToken, errExpired, errRevoked:
		xProblem(w, 401, "Unauthorized")
	case errBlocked:
		xProblem(w, 403, "Your account is temporarily locked.")
	case errDuplicate:
		xProblem(w, 403, "You are not allowed to create a Tweet with duplicate content.")
	case errScope, errRole:
		xProblem(w, 403, "You are not permitted to perform this action.")
	default:
		xProblem(w, 400, e.msg)
	}
}

// tokenError: X answers invalid_request to a spent or unknown refresh token.
func (xDialect) tokenError(w http.ResponseWriter, e *apiError) {
	if e.kind == errInvalidGrant {
		writeJSON(w, 400, map[string]string{"error": "invalid_request", "error_description": "Value passed for the token was invalid."})
		return
	}
	oauthDialect{}.tokenError(w, e)
}

func (xDialect) fault(w http.ResponseWriter, status int) {
	xProblem(w, status, http.StatusText(status))
}

func xRoutes(rt *router) {
	rt.d = xDialect{}
	rt.consent("/i/oauth2/authorize", "client_id")
	rt.handle("POST /2/oauth2/token", "", func(c *call) {
		c.tokenEndpoint("client_id", func(access, refresh *token) {
			writeJSON(c.w, http.StatusOK, c.oauthToken(access, refresh, " ", ""))
		})
	})
	rt.handle("GET /2/users/me", OpIdentity, func(c *call) {
		if t, ok := c.auth("users.read"); ok {
			name := c.userName(t)
			writeJSON(c.w, http.StatusOK, map[string]any{"data": map[string]string{
				"id": t.grant.userID, "name": name, "username": strings.ToLower(strings.ReplaceAll(name, " ", ""))}})
		}
	})
	rt.handle("POST /2/tweets", OpPublish, func(c *call) {
		t, ok := c.auth("tweet.write")
		if !ok {
			return
		}
		var body struct {
			Text string `json:"text"`
		}
		if !c.readJSON(&body) {
			return
		}
		if c.duplicate(t.grant.userID, body.Text) {
			c.d.apiError(c.w, errf(errDuplicate, "duplicate"))
			return
		}
		id := c.publish(t, t.grant.userID, body.Text, "", "")
		writeJSON(c.w, http.StatusCreated, map[string]any{"data": map[string]string{"id": id, "text": body.Text}})
	})
}
