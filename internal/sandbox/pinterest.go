package sandbox

import (
	"fmt"
	"hash/fnv"
	"net/http"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Pinterest as its OpenAPI description (github.com/pinterest/api-description
// v5/openapi.yaml) and its own client libraries show it: errors are
// {"code": int, "message": string}; the token endpoint takes the app's
// credentials as HTTP Basic only, answers code 2 "Authentication failed."
// to wrong ones and code 283 "The authorization grant is invalid" to a
// dead refresh token (github.com/pinterest/pinterest-python-sdk/issues/114),
// and with continuous refresh returns a new refresh token on every refresh.

type pinterestDialect struct{}

func pinterestError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, map[string]any{"code": code, "message": msg})
}

func (pinterestDialect) apiError(w http.ResponseWriter, e *apiError) {
	switch e.kind {
	case errInvalidToken, errExpired, errRevoked:
		pinterestError(w, 401, 2, "Authentication failed.")
	case errScope, errRole:
		pinterestError(w, 401, 3, "Your token does not have sufficient permissions to perform this operation. "+
			"Please ensure your token is authorized with the correct set of scopes.")
	case errNotFound:
		pinterestError(w, 404, 4, e.msg)
	default:
		pinterestError(w, 400, 1, e.msg)
	}
}

func (pinterestDialect) tokenError(w http.ResponseWriter, e *apiError) {
	switch e.kind {
	case errInvalidClient:
		pinterestError(w, 401, 2, "Authentication failed.")
	case errInvalidGrant:
		pinterestError(w, 401, 283, "The authorization grant is invalid")
	default:
		pinterestError(w, 400, 1, e.msg)
	}
}

func (pinterestDialect) fault(w http.ResponseWriter, status int) {
	if status == http.StatusTooManyRequests {
		pinterestError(w, status, 8, "This request exceeded a rate limit. This can happen if the client exceeds one "+
			"of the published rate limits within a short time window.")
		return
	}
	pinterestError(w, status, 0, http.StatusText(status))
}

// pinterestBoards are the boards GET /v5/boards lists for a user: a group
// board someone else owns, where the user collaborates (boards/list
// returns those too), then the user's own board. Ids are digits, as
// Pinterest's are.
func pinterestBoards(userID, username string) []map[string]any {
	return []map[string]any{
		{"id": boardID("group"), "name": "Bakers of the world", "privacy": "PUBLIC", "owner": map[string]string{"username": "someone.else"}},
		{"id": boardID(userID), "name": "Ideas", "privacy": "PUBLIC", "owner": map[string]string{"username": username}},
	}
}

func boardID(seed string) string {
	h := fnv.New64a()
	_, _ = h.Write([]byte(seed))
	return fmt.Sprintf("%d", h.Sum64()%1e15)
}

// pinterestUsername is an account's username: its name without spaces.
func pinterestUsername(name string) string {
	return strings.ToLower(strings.ReplaceAll(name, " ", ""))
}

var digits = regexp.MustCompile(`^\d+$`)

func pinterestRoutes(rt *router) {
	rt.d = pinterestDialect{}
	rt.consent("/oauth/", "client_id")
	rt.handle("POST /v5/oauth/token", "", func(c *call) {
		// security: basic. Credentials in the form are none.
		if _, _, ok := c.r.BasicAuth(); !ok {
			c.d.tokenError(c.w, errf(errInvalidClient, "no basic client authentication"))
			return
		}
		c.tokenEndpoint("client_id", func(access, refresh *token) {
			m := c.oauthToken(access, refresh, " ", "refresh_token_expires_in")
			m["response_type"] = c.r.PostForm.Get("grant_type")
			if refresh != nil && !refresh.expiresAt.IsZero() {
				m["refresh_token_expires_at"] = refresh.expiresAt.Unix()
			}
			writeJSON(c.w, http.StatusOK, m)
		})
	})
	rt.handle("GET /v5/user_account", OpIdentity, func(c *call) {
		if t, ok := c.auth("user_accounts:read"); ok {
			writeJSON(c.w, http.StatusOK, map[string]string{"id": t.grant.userID, "username": pinterestUsername(c.userName(t)),
				"business_name": c.userName(t), "account_type": "BUSINESS"})
		}
	})
	rt.handle("GET /v5/boards", OpPages, func(c *call) {
		if t, ok := c.auth("boards:read"); ok {
			writeJSON(c.w, http.StatusOK, map[string]any{"items": pinterestBoards(t.grant.userID, pinterestUsername(c.userName(t))), "bookmark": nil})
		}
	})
	rt.handle("POST /v5/pins", OpPublish, func(c *call) {
		// pins/create's security: boards:read, boards:write, pins:read,
		// pins:write.
		t, ok := c.auth("pins:write", "boards:read", "boards:write", "pins:read")
		if !ok {
			return
		}
		var body struct {
			BoardID     string `json:"board_id"`
			Description string `json:"description"`
			Link        string `json:"link"`
			MediaSource struct {
				SourceType string `json:"source_type"`
				URL        string `json:"url"`
			} `json:"media_source"`
		}
		if !c.readJSON(&body) {
			return
		}
		switch {
		case !digits.MatchString(body.BoardID) || body.MediaSource.SourceType != "image_url" || body.MediaSource.URL == "":
			c.d.apiError(c.w, errf(errInvalidRequest, "Invalid request: board_id and an image_url media_source are required."))
		case utf8.RuneCountInString(body.Description) > 800 || len(body.Link) > 2048:
			c.d.apiError(c.w, errf(errInvalidRequest, "Invalid request: description or link too long."))
		case body.BoardID == boardID("group"):
			// "Create a Pin on a board or board section owned by the
			// operation user_account."
			pinterestError(c.w, 403, 7, "Not authorized to access board or Pin.")
		case body.BoardID != boardID(t.grant.userID):
			c.d.apiError(c.w, errf(errNotFound, "Board not found."))
		default:
			id := c.publish(t, t.grant.userID, body.Description, body.Link, body.MediaSource.URL)
			writeJSON(c.w, http.StatusCreated, map[string]string{"id": id, "board_id": body.BoardID, "description": body.Description,
				"link": body.Link})
		}
	})
}
