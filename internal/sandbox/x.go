package sandbox

import (
	"net/http"
	"net/url"
	"strings"
)

// X's errors are RFC 7807 problems
// (https://docs.x.com/x-api/fundamentals/response-codes-and-errors).
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

// tokenError: X answers invalid_request to a spent or unknown refresh token
// or code, and unauthorized_client "Missing valid authorization header" to
// a confidential client without basic auth or with a wrong secret.
func (xDialect) tokenError(w http.ResponseWriter, e *apiError) {
	switch e.kind {
	case errInvalidGrant:
		writeJSON(w, 400, map[string]string{"error": "invalid_request", "error_description": "Value passed for the token was invalid."})
	case errInvalidClient:
		writeJSON(w, 401, map[string]string{"error": "unauthorized_client", "error_description": "Missing valid authorization header"})
	default:
		oauthDialect{}.tokenError(w, e)
	}
}

func (xDialect) fault(w http.ResponseWriter, status int) {
	xProblem(w, status, http.StatusText(status))
}

// xStanding answers the API call of an app X refuses, in X's words, and
// reports whether it did.
func xStanding(w http.ResponseWriter, a *App) bool {
	switch a.Standing {
	case StandingNoCredits:
		// Seen in X's answers; docs.x.com/x-api/getting-started/pricing:
		// requests fail until credits are bought.
		writeJSON(w, http.StatusPaymentRequired, map[string]any{"account_id": 1243608864848629761, "title": "CreditsDepleted",
			"detail": "Your enrolled account [1243608864848629761] does not have any credits to fulfill this request.",
			"type":   "https://api.twitter.com/2/problems/credits"})
	case StandingNotEnrolled:
		writeJSON(w, http.StatusForbidden, map[string]any{"client_id": a.ClientID, "title": "Client Forbidden", "reason": "client-not-enrolled",
			"detail":           "When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens from a Twitter developer App that is attached to a Project. You can create a project via the developer portal.",
			"registration_url": "https://developer.twitter.com/en/docs/projects/overview", "required_enrollment": "Appropriate Level of API Access",
			"type": "https://api.twitter.com/2/problems/client-forbidden"})
	case StandingUsageCapped:
		writeJSON(w, http.StatusTooManyRequests, map[string]any{"title": "UsageCapExceeded", "detail": "Usage cap exceeded: Monthly product cap",
			"type": "https://api.twitter.com/2/problems/usage-capped", "period": "Monthly", "scope": "Product"})
	default:
		return false
	}
	return true
}

// xAuth checks the token, its scopes and the standing of its app.
func (c *call) xAuth(scopes ...string) (*token, bool) {
	t, ok := c.auth(scopes...)
	if !ok {
		return nil, false
	}
	if a := c.n.apps[t.grant.clientID]; a != nil && xStanding(c.w, a) {
		return nil, false
	}
	return t, true
}

// xClient authenticates the app at /2/oauth2/token
// (https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token):
// a confidential client (one with a secret) must use basic auth with its
// client id and secret; a public client sends its client_id in the body.
func (c *call) xClient() (*App, bool) {
	id, secret, basic := c.r.BasicAuth()
	if basic {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id = c.r.Form.Get("client_id")
	}
	a := c.n.apps[id]
	switch {
	case a == nil:
		writeJSON(c.w, http.StatusUnauthorized, map[string]string{"error": "invalid_client", "error_description": "Client authentication failed"})
		return nil, false
	case a.ClientSecret != "" && (!basic || secret != a.ClientSecret):
		c.d.tokenError(c.w, errf(errInvalidClient, "missing or wrong basic auth"))
		return nil, false
	case a.ClientSecret == "" && basic:
		c.d.tokenError(c.w, errf(errInvalidClient, "a public client has no secret"))
		return nil, false
	}
	return a, true
}

func xRoutes(rt *router) {
	rt.d = xDialect{}
	rt.consent("/i/oauth2/authorize", "client_id")
	rt.handle("POST /2/oauth2/token", "", func(c *call) {
		app, ok := c.xClient()
		if !ok {
			return
		}
		respond := func(access, refresh *token) { writeJSON(c.w, http.StatusOK, c.oauthToken(access, refresh, " ", "")) }
		switch c.r.Form.Get("grant_type") {
		case "authorization_code":
			// PKCE is required (RequirePKCE): the consent took a challenge,
			// so the code is redeemed only with its verifier.
			if c.r.Form.Get("code_verifier") == "" {
				c.d.tokenError(c.w, errf(errInvalidRequest, "Missing required parameter [code_verifier]."))
				return
			}
			if _, access, refresh, ok := c.redeem(app); ok {
				respond(access, refresh)
			}
		case "refresh_token":
			if access, refresh, ok := c.refresh(app); ok {
				respond(access, refresh)
			}
		default:
			c.d.tokenError(c.w, errf(errInvalidRequest, "unsupported grant_type"))
		}
	})
	// GET /2/users/me needs tweet.read and users.read
	// (https://docs.x.com/x-api/users/get-my-user); by default it answers
	// id, name and username.
	rt.handle("GET /2/users/me", OpIdentity, func(c *call) {
		if t, ok := c.xAuth("tweet.read", "users.read"); ok {
			name := c.userName(t)
			writeJSON(c.w, http.StatusOK, map[string]any{"data": map[string]string{
				"id": t.grant.userID, "name": name, "username": strings.ToLower(strings.ReplaceAll(name, " ", ""))}})
		}
	})
	// POST /2/tweets needs tweet.read, tweet.write and users.read
	// (https://docs.x.com/x-api/posts/create-post).
	rt.handle("POST /2/tweets", OpPublish, func(c *call) {
		t, ok := c.xAuth("tweet.read", "tweet.write", "users.read")
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
		writeJSON(c.w, http.StatusCreated, map[string]any{"data": map[string]any{"id": id, "text": body.Text, "edit_history_tweet_ids": []string{id}}})
	})
}
