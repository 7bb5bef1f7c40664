package sandbox

import (
	"net/http"
	"slices"
	"strings"
)

type linkedinDialect struct{ oauthDialect }

func (linkedinDialect) apiError(w http.ResponseWriter, e *apiError) {
	status, service, code := http.StatusForbidden, 100, "ACCESS_DENIED"
	switch e.kind {
	case errInvalidToken:
		status, service, code = 401, 65600, "INVALID_ACCESS_TOKEN"
	case errRevoked:
		status, service, code = 401, 65601, "REVOKED_ACCESS_TOKEN"
	case errExpired:
		status, service, code = 401, 65602, "EXPIRED_ACCESS_TOKEN"
	case errNotFound:
		status, service, code = 404, 0, "NOT_FOUND"
	case errDuplicate:
		status, service, code = 422, 0, "DUPLICATE_POST"
	case errInvalidRequest:
		status, service, code = 400, 0, "BAD_REQUEST"
	}
	writeJSON(w, status, map[string]any{"serviceErrorCode": service, "code": code, "message": e.msg, "status": status})
}

func (linkedinDialect) fault(w http.ResponseWriter, status int) {
	writeJSON(w, status, map[string]any{"message": http.StatusText(status), "status": status})
}

const linkedinOrg = "urn:li:organization:"

// linkedinPosters may post as an organization.
var linkedinPosters = []string{"ADMINISTRATOR", "CONTENT_ADMINISTRATOR", "DIRECT_SPONSORED_CONTENT_POSTER"}

func linkedinRoutes(rt *router) {
	rt.d = linkedinDialect{}
	rt.consent("/oauth/v2/authorization", "client_id")
	rt.handle("POST /oauth/v2/accessToken", "", func(c *call) {
		c.tokenEndpoint("client_id", func(access, refresh *token) {
			if refresh == nil && c.r.Form.Get("grant_type") == "refresh_token" {
				// LinkedIn answers with the same refresh token and what is
				// left of its first-consent lifetime.
				refresh = c.n.tokens[c.r.Form.Get("refresh_token")]
			}
			writeJSON(c.w, http.StatusOK, c.oauthToken(access, refresh, ",", "refresh_token_expires_in"))
		})
	})
	rt.handle("POST /oauth/v2/introspectToken", OpInspect, func(c *call) {
		if _, ok := c.client("client_id"); !ok {
			return
		}
		now := c.s.now()
		t := c.n.tokens[c.r.Form.Get("token")]
		if t == nil || t.kind == kindRefresh {
			writeJSON(c.w, http.StatusOK, map[string]any{"active": false})
			return
		}
		status := "active"
		if t.grant.revoked {
			status = "revoked"
		} else if t.expired(now) {
			status = "expired"
		}
		writeJSON(c.w, http.StatusOK, map[string]any{
			"active": status == "active", "status": status, "client_id": t.grant.clientID, "auth_type": "3L",
			"authorized_at": t.issuedAt.Unix(), "created_at": t.issuedAt.Unix(), "expires_at": unixOrZero(t.expiresAt),
			"scope": strings.Join(t.grant.scopes, ","),
		})
	})
	rt.handle("GET /v2/userinfo", OpIdentity, func(c *call) {
		if t, ok := c.auth("openid"); ok {
			writeJSON(c.w, http.StatusOK, map[string]string{"sub": t.grant.userID, "name": c.userName(t)})
		}
	})
	rt.handle("GET /rest/organizationAcls", OpPages, func(c *call) {
		t, ok := c.auth()
		if !ok {
			return
		}
		elements := []map[string]string{}
		for _, p := range c.n.pages {
			if role := c.n.role(p.ID, t.grant.userID); role != "" {
				elements = append(elements, map[string]string{"organization": linkedinOrg + p.ID, "role": role,
					"state": "APPROVED", "roleAssignee": "urn:li:person:" + t.grant.userID})
			}
		}
		writeJSON(c.w, http.StatusOK, map[string]any{"elements": elements, "paging": map[string]int{"count": 100, "start": 0}})
	})
	rt.handle("GET /rest/organizations/{id}", OpPages, func(c *call) {
		if _, ok := c.auth(); !ok {
			return
		}
		p := c.n.page(c.r.PathValue("id"))
		if p == nil {
			c.d.apiError(c.w, errf(errNotFound, "no such organization"))
			return
		}
		writeJSON(c.w, http.StatusOK, map[string]string{"id": p.ID, "localizedName": p.Name})
	})
	rt.handle("POST /rest/posts", OpPublish, func(c *call) {
		t, ok := c.auth("w_organization_social")
		if !ok {
			return
		}
		var body struct {
			Author     string `json:"author"`
			Commentary string `json:"commentary"`
			Content    struct {
				Article struct {
					Source string `json:"source"`
				} `json:"article"`
			} `json:"content"`
		}
		if !c.readJSON(&body) {
			return
		}
		org := strings.TrimPrefix(body.Author, linkedinOrg)
		switch {
		case !slices.Contains(linkedinPosters, c.n.role(org, t.grant.userID)):
			c.d.apiError(c.w, errf(errRole, "Not enough permissions to post as "+body.Author))
		case c.duplicate(org, body.Commentary):
			c.d.apiError(c.w, errf(errDuplicate, "Content is a duplicate"))
		default:
			id := c.publish(t, org, body.Commentary, body.Content.Article.Source, "")
			c.w.Header().Set("X-Restli-Id", "urn:li:share:"+id)
			c.w.WriteHeader(http.StatusCreated)
		}
	})
}
