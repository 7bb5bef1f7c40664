package sandbox

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/tokenwatch/tokenwatch"
)

// metaDialect words errors as the Graph API does.
type metaDialect struct{}

// metaCode is the status, code and subcode Meta answers for an error.
func metaCode(e *apiError) (status, code, subcode int) {
	switch e.kind {
	case errInvalidToken:
		return 400, 190, 0
	case errExpired:
		return 400, 190, 463
	case errRevoked:
		return 400, 190, 458
	case errBlocked:
		return 400, 190, e.subcode
	case errScope:
		return 403, 200, 0
	case errRole:
		// https://developers.facebook.com/docs/graph-api/guides/error-handling:
		// authentication subcode 492, "User associated with the Page access
		// token does not have an appropriate role on the Page."
		return 400, 190, 492
	case errDuplicate:
		return 400, 506, 0
	case errNotFound:
		return 404, 100, 33
	case errInvalidClient:
		return 400, 101, 0
	}
	return 400, 100, 0
}

func metaError(w http.ResponseWriter, status, code, subcode int, msg string) {
	e := map[string]any{"message": msg, "type": "OAuthException", "code": code, "fbtrace_id": randomToken()[:11]}
	if subcode != 0 {
		e["error_subcode"] = subcode
	}
	writeJSON(w, status, map[string]any{"error": e})
}

func (metaDialect) apiError(w http.ResponseWriter, e *apiError) {
	status, code, sub := metaCode(e)
	metaError(w, status, code, sub, metaMessage(e))
}

// metaMessage words an error as Meta does where its documentation gives
// the words.
func metaMessage(e *apiError) string {
	if e.kind == errRole {
		return "Error validating access token: The user associated with this Page access token does not have an appropriate role on the Page."
	}
	return e.msg
}

func (d metaDialect) tokenError(w http.ResponseWriter, e *apiError) { d.apiError(w, e) }

func (metaDialect) fault(w http.ResponseWriter, status int) {
	switch {
	case status == http.StatusTooManyRequests:
		metaError(w, status, 4, 0, "Application request limit reached")
	case status >= 500:
		metaError(w, status, 2, 0, "An unexpected error has occurred. Please retry your request later.")
	default:
		metaError(w, status, 1, 0, "An unknown error occurred")
	}
}

// tasks are the Page tasks a Facebook role grants.
func tasks(role string) []string {
	all := []string{"MANAGE", "CREATE_CONTENT", "MODERATE", "MESSAGING", "ADVERTISE", "ANALYZE"}
	for i, t := range all {
		if t == role {
			return all[i:]
		}
	}
	if role == "" {
		return nil
	}
	return []string{role}
}

// metaToken is the answer of Meta's token endpoints.
func (c *call) metaToken(t *token) {
	m := map[string]any{"access_token": t.value, "token_type": "bearer"}
	if in := t.expiresIn(c.s.now()); in > 0 {
		m["expires_in"] = in
	}
	writeJSON(c.w, http.StatusOK, m)
}

// metaDebug answers debug_token about input_token.
func (c *call) metaDebug() {
	c.count(OpInspect)
	auth := c.bearer()
	if id, secret, ok := strings.Cut(auth, "|"); ok {
		if _, e := c.n.app(id, secret); e != nil {
			c.d.apiError(c.w, e)
			return
		}
	} else if _, ok := c.auth(); !ok {
		return
	}
	now := c.s.now()
	t, e := c.n.check(c.r.Form.Get("input_token"), now)
	if e != nil {
		_, code, sub := metaCode(e)
		writeJSON(c.w, http.StatusOK, map[string]any{"data": map[string]any{
			"is_valid": false, "error": map[string]any{"code": code, "subcode": sub, "message": metaMessage(e)}}})
		return
	}
	d := map[string]any{
		"app_id": t.grant.clientID, "type": "USER", "is_valid": true, "scopes": t.grant.scopes,
		"user_id": t.grant.userID, "issued_at": t.issuedAt.Unix(), "expires_at": unixOrZero(t.expiresAt),
		"data_access_expires_at": unixOrZero(t.grant.dataAccessExpiresAt),
	}
	if t.kind == kindPage {
		d["type"], d["profile_id"] = "PAGE", t.pageID
	}
	writeJSON(c.w, http.StatusOK, map[string]any{"data": d})
}

// container creates a media container for the account in the path.
func (c *call) container(scope string, media bool) {
	t, ok := c.auth(scope)
	if !ok {
		return
	}
	pageID := c.r.PathValue("id")
	if !c.owns(t, pageID) {
		return
	}
	text := c.r.Form.Get("caption") + c.r.Form.Get("text")
	mediaURL := c.r.Form.Get("image_url") + c.r.Form.Get("video_url")
	if media && mediaURL == "" {
		c.d.apiError(c.w, errf(errInvalidRequest, "(#100) The parameter image_url is required"))
		return
	}
	id := randomToken()[:16]
	c.n.containers[id] = &Post{PageID: pageID, Text: text, MediaURL: mediaURL}
	writeJSON(c.w, http.StatusOK, map[string]string{"id": id})
}

// publishContainer publishes a container made by container.
func (c *call) publishContainer(scope string) {
	t, ok := c.auth(scope)
	if !ok {
		return
	}
	p := c.n.containers[c.r.Form.Get("creation_id")]
	if p == nil || p.PageID != c.r.PathValue("id") {
		c.d.apiError(c.w, errf(errNotFound, "the media container does not exist"))
		return
	}
	delete(c.n.containers, c.r.Form.Get("creation_id"))
	writeJSON(c.w, http.StatusOK, map[string]string{"id": c.publish(t, p.PageID, p.Text, "", p.MediaURL)})
}

// owns checks that the token may act for account or page id: a page token
// for that page, a user token of that user, or a user token with a role on it.
func (c *call) owns(t *token, id string) bool {
	ok := (t.kind == kindPage && t.pageID == id) || (t.kind != kindPage && (t.grant.userID == id || c.n.role(id, t.grant.userID) != ""))
	if !ok {
		c.d.apiError(c.w, errf(errScope, "(#200) The token cannot act for "+id))
	}
	return ok
}

// facebookRoutes serves Facebook Login and the Graph API (facebook and
// instagram_facebook).
func facebookRoutes(rt *router) {
	rt.d = metaDialect{}
	ig := rt.n.name == tokenwatch.InstagramFacebook
	rt.consent("/{v}/dialog/oauth", "client_id")
	token := func(c *call) {
		app, ok := c.client("client_id")
		if !ok {
			return
		}
		if c.r.Form.Get("grant_type") != "fb_exchange_token" {
			if _, access, _, ok := c.redeem(app); ok {
				c.metaToken(access)
			}
			return
		}
		c.count(OpRefresh)
		t, e := c.n.check(c.r.Form.Get("fb_exchange_token"), c.s.now())
		if e != nil {
			c.d.apiError(c.w, e)
			return
		}
		c.metaToken(c.n.longLived(t, c.s.now()))
	}
	rt.handle("GET /{v}/oauth/access_token", "", token)
	rt.handle("POST /{v}/oauth/access_token", "", token)
	rt.handle("GET /{v}/debug_token", "", (*call).metaDebug)
	rt.handle("GET /{v}/me", OpIdentity, func(c *call) {
		t, ok := c.auth()
		if !ok {
			return
		}
		if t.kind == kindPage {
			writeJSON(c.w, http.StatusOK, map[string]string{"id": t.pageID, "name": c.n.page(t.pageID).Name})
			return
		}
		writeJSON(c.w, http.StatusOK, map[string]string{"id": t.grant.userID, "name": c.n.account(t.grant.userID).Name})
	})
	rt.handle("GET /{v}/me/accounts", OpPages, func(c *call) {
		t, ok := c.auth("pages_show_list")
		if !ok {
			return
		}
		var data []map[string]any
		for _, p := range c.n.pages {
			role := c.n.role(p.ID, t.grant.userID)
			if role == "" {
				continue
			}
			e := map[string]any{"id": p.ID, "name": p.Name, "tasks": tasks(role), "access_token": c.n.pageToken(t, p.ID, c.s.now()).value}
			if ig {
				e["id"], e["name"] = p.LinkedPageID, p.LinkedPageName
				e["instagram_business_account"] = map[string]string{"id": p.ID, "username": p.Name}
			}
			data = append(data, e)
		}
		writeJSON(c.w, http.StatusOK, paginate(c.r.Form.Get("limit"), c.r.Form.Get("after"), data))
	})
	rt.handle("GET /{v}/{id}", OpPages, func(c *call) {
		t, ok := c.auth()
		if !ok || !c.owns(t, c.r.PathValue("id")) {
			return
		}
		p := c.n.page(c.r.PathValue("id"))
		if p == nil {
			c.d.apiError(c.w, errf(errNotFound, "unknown object"))
			return
		}
		writeJSON(c.w, http.StatusOK, map[string]string{"id": p.ID, "name": p.Name})
	})
	if ig {
		rt.handle("POST /{v}/{id}/media", "", func(c *call) { c.container("instagram_content_publish", true) })
		rt.handle("POST /{v}/{id}/media_publish", OpPublish, func(c *call) { c.publishContainer("instagram_content_publish") })
		return
	}
	rt.handle("POST /{v}/{id}/feed", OpPublish, func(c *call) {
		t, ok := c.auth("pages_manage_posts")
		if !ok || !c.owns(t, c.r.PathValue("id")) {
			return
		}
		pageID, text := c.r.PathValue("id"), c.r.Form.Get("message")
		if t.kind != kindPage {
			c.d.apiError(c.w, errf(errScope, "(#200) Publishing to a Page needs a Page access token"))
			return
		}
		if c.duplicate(pageID, text) {
			c.d.apiError(c.w, errf(errDuplicate, "Duplicate status message"))
			return
		}
		id := c.publish(t, pageID, text, c.r.Form.Get("link"), "")
		writeJSON(c.w, http.StatusOK, map[string]string{"id": pageID + "_" + id})
	})
}

// paginate answers a Graph list with cursor paging.
func paginate(limit, after string, data []map[string]any) map[string]any {
	n, err := strconv.Atoi(limit)
	if err != nil || n <= 0 {
		n = 25
	}
	start, _ := strconv.Atoi(after)
	start = min(max(start, 0), len(data))
	end := min(start+n, len(data))
	out := map[string]any{"data": append([]map[string]any{}, data[start:end]...)}
	if end < len(data) {
		next := strconv.Itoa(end)
		out["paging"] = map[string]any{"cursors": map[string]string{"after": next}, "next": "paged?after=" + next}
	}
	return out
}

// accountLoginRoutes serves the login and API of Meta networks where the
// account consents itself (Instagram Login, Threads).
func accountLoginRoutes(rt *router, exchangeGrant, refreshGrant string) {
	rt.d = metaDialect{}
	rt.consent("/oauth/authorize", "client_id")
	rt.handle("POST /oauth/access_token", "", func(c *call) {
		app, ok := c.client("client_id")
		if !ok {
			return
		}
		if _, access, _, ok := c.redeem(app); ok {
			writeJSON(c.w, http.StatusOK, map[string]any{"access_token": access.value, "user_id": rawID(access.grant.userID),
				"permissions": access.grant.scopes})
		}
	})
	rt.handle("GET /access_token", OpRefresh, func(c *call) {
		if c.r.Form.Get("grant_type") != exchangeGrant || !c.n.hasSecret(c.r.Form.Get("client_secret")) {
			c.d.apiError(c.w, errf(errInvalidClient, "Error validating client secret"))
			return
		}
		if t, ok := c.auth(); ok {
			c.metaToken(c.n.longLived(t, c.s.now()))
		}
	})
	rt.handle("GET /refresh_access_token", OpRefresh, func(c *call) {
		t, ok := c.auth()
		if !ok {
			return
		}
		if c.r.Form.Get("grant_type") != refreshGrant || !t.longLived || c.s.now().Sub(t.issuedAt) < c.n.opts.MinRefreshAge {
			c.d.apiError(c.w, errf(errTooYoung, "Only a long-lived token at least 24 hours old can be refreshed"))
			return
		}
		c.metaToken(c.n.longLived(t, c.s.now()))
	})
	rt.handle("GET /{v}/me", OpIdentity, func(c *call) {
		if t, ok := c.auth(); ok {
			name := c.n.account(t.grant.userID).Name
			writeJSON(c.w, http.StatusOK, map[string]any{"id": t.grant.userID, "user_id": t.grant.userID, "username": name})
		}
	})
}

func instagramRoutes(rt *router) {
	accountLoginRoutes(rt, "ig_exchange_token", "ig_refresh_token")
	const scope = "instagram_business_content_publish"
	rt.handle("POST /{v}/{id}/media", "", func(c *call) { c.container(scope, true) })
	rt.handle("POST /{v}/{id}/media_publish", OpPublish, func(c *call) { c.publishContainer(scope) })
}

func threadsRoutes(rt *router) {
	accountLoginRoutes(rt, "th_exchange_token", "th_refresh_token")
	const scope = "threads_content_publish"
	rt.handle("GET /{v}/debug_token", "", (*call).metaDebug)
	rt.handle("POST /{v}/{id}/threads", "", func(c *call) { c.container(scope, false) })
	rt.handle("POST /{v}/{id}/threads_publish", OpPublish, func(c *call) { c.publishContainer(scope) })
}

// rawID writes a numeric id as a JSON number, as Instagram does.
func rawID(id string) json.RawMessage {
	if _, err := strconv.ParseUint(id, 10, 64); err == nil {
		return json.RawMessage(id)
	}
	b, _ := json.Marshal(id)
	return b
}
