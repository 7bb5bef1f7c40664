package sandbox

import (
	"encoding/json"
	"hash/fnv"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tokenwatch/tokenwatch"
)

// Meta's networks (Facebook, Instagram through Facebook Login, Instagram
// Login, Threads) as Meta documents them:
// https://developers.facebook.com/docs/graph-api/guides/error-handling (error shape and codes),
// https://developers.facebook.com/docs/facebook-login/guides/access-tokens (app tokens, debug_token),
// https://developers.facebook.com/docs/graph-api/guides/versioning (an expired version is served by the oldest usable one),
// https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-container (containers, Business Manager roles),
// https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/error-codes (9007/2207027, -2/2207020),
// https://developers.facebook.com/docs/threads/posts (500 characters, emojis counted as UTF-8 bytes),
// https://developers.facebook.com/docs/threads/troubleshooting (container status),
// https://developers.facebook.com/docs/threads/troubleshooting/debug-access-token (testers only),
// https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/get-started (user_id and id).

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
		// Authentication subcode 492: "User associated with the Page
		// access token does not have an appropriate role on the Page."
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

// metaError writes a Graph API error: message, type, code, the subcode
// when there is one, fbtrace_id, and any extra documented fields
// (error_user_title, error_user_msg, is_transient).
func metaError(w http.ResponseWriter, status, code, subcode int, msg string, extra ...map[string]any) {
	e := map[string]any{"message": msg, "type": "OAuthException", "code": code, "fbtrace_id": randomToken()[:11]}
	if subcode != 0 {
		e["error_subcode"] = subcode
	}
	for _, m := range extra {
		for k, v := range m {
			e[k] = v
		}
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
	switch e.kind {
	case errRole:
		return "Error validating access token: The user associated with this Page access token does not have an appropriate role on the Page."
	case errInvalidClient:
		return "Error validating application. Invalid application ID."
	}
	return e.msg
}

func (d metaDialect) tokenError(w http.ResponseWriter, e *apiError) { d.apiError(w, e) }

func (metaDialect) fault(w http.ResponseWriter, status int) {
	switch {
	case status == http.StatusTooManyRequests:
		metaError(w, status, 4, 0, "(#4) Application request limit reached")
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

// metaApp authenticates the app of a Graph token request by its
// client_id and client_secret: an unknown app is 101, a wrong secret
// "Error validating client secret." (code 1).
func (c *call) metaApp() (*App, bool) {
	a := c.n.apps[c.r.Form.Get("client_id")]
	switch {
	case a == nil:
		metaError(c.w, http.StatusBadRequest, 101, 0, "Error validating application. Invalid application ID.")
		return nil, false
	case c.r.Form.Get("client_secret") == "" || a.ClientSecret != c.r.Form.Get("client_secret"):
		metaError(c.w, http.StatusBadRequest, 1, 0, "Error validating client secret.")
		return nil, false
	}
	return a, true
}

// appOf returns the app whose app access token value is: one issued by
// client_credentials, or "app-id|app-secret", which Meta also takes.
func (n *network) appOf(value string) *App {
	if id, ok := n.appTokens[value]; ok {
		return n.apps[id]
	}
	if id, secret, ok := strings.Cut(value, "|"); ok {
		if a := n.apps[id]; a != nil && a.ClientSecret == secret {
			return a
		}
	}
	return nil
}

// metaDebug answers debug_token about input_token, asked with an app
// token (or, at Facebook, a user token of the app).
func (c *call) metaDebug() {
	c.count(OpInspect)
	auth := c.bearer()
	if strings.Contains(auth, "|") {
		if c.n.appOf(auth) == nil {
			metaError(c.w, http.StatusBadRequest, 190, 0, "Invalid OAuth access token signature.")
			return
		}
	} else if _, ok := c.auth(); !ok {
		return
	}
	c.debugData(c.r.Form.Get("input_token"))
}

// debugData writes debug_token's answer about the token input.
func (c *call) debugData(input string) {
	now := c.s.now()
	t, e := c.n.check(input, now)
	if e != nil {
		_, code, sub := metaCode(e)
		writeJSON(c.w, http.StatusOK, map[string]any{"data": map[string]any{
			"is_valid": false, "scopes": []string{}, "error": map[string]any{"code": code, "subcode": sub, "message": metaMessage(e)}}})
		return
	}
	d := map[string]any{
		"app_id": t.grant.clientID, "type": "USER", "application": "tokenwatch (sandbox)", "is_valid": true, "scopes": t.grant.scopes,
		"user_id": t.grant.userID, "issued_at": t.issuedAt.Unix(), "expires_at": unixOrZero(t.expiresAt),
		"data_access_expires_at": unixOrZero(t.grant.dataAccessExpiresAt),
	}
	if t.kind == kindPage {
		d["type"], d["profile_id"] = "PAGE", t.pageID
	}
	writeJSON(c.w, http.StatusOK, map[string]any{"data": d})
}

// graphVersion sets facebook-api-version, the version that serves the
// call: the one asked for, or the oldest one Meta still serves when the
// asked one is older ("once a version is no longer usable, any calls made
// to it will be defaulted to the next oldest usable version").
func (c *call) graphVersion() {
	v := c.r.PathValue("v")
	if oldest := c.n.opts.OldestGraphVersion; oldest != "" && versionLess(v, oldest) {
		v = oldest
	}
	c.w.Header().Set("facebook-api-version", v)
}

// versionLess compares two Graph versions ("v21.0" < "v25.0").
func versionLess(a, b string) bool {
	parse := func(v string) (int, int) {
		major, minor, _ := strings.Cut(strings.TrimPrefix(v, "v"), ".")
		x, _ := strconv.Atoi(major)
		y, _ := strconv.Atoi(minor)
		return x, y
	}
	am, an := parse(a)
	bm, bn := parse(b)
	return am < bm || am == bm && an < bn
}

// graph registers a Graph API route: every answer names the version that
// served it.
func (rt *router) graph(pattern string, op Op, h func(*call)) {
	rt.handle(pattern, op, func(c *call) {
		c.graphVersion()
		h(c)
	})
}

// container is a Meta media container (Instagram /{ig-id}/media, Threads
// /{id}/threads) waiting to be published.
type container struct {
	Post
	created   time.Time
	reads     int    // status reads so far
	errReason string // set: the container ends in ERROR
	published bool
}

// Container status codes.
const (
	statusInProgress = "IN_PROGRESS"
	statusFinished   = "FINISHED"
	statusError      = "ERROR"
	statusExpired    = "EXPIRED"
	statusPublished  = "PUBLISHED"
)

// status is where a container stands; a status read (read) counts
// towards Options.ContainerReads.
func (c *call) status(ct *container, read bool) string {
	now, o := c.s.now(), c.n.opts
	pending := ct.reads < o.ContainerReads || now.Before(ct.created.Add(o.ContainerDelay))
	if read {
		ct.reads++
	}
	switch {
	case ct.published:
		return statusPublished
	case !now.Before(ct.created.Add(24 * time.Hour)):
		// "The container was not published within 24 hours and has expired."
		return statusExpired
	case pending:
		return statusInProgress
	case ct.errReason != "":
		return statusError
	}
	return statusFinished
}

// container creates a media container for the account in the path.
func (c *call) container(scope string, media bool) {
	t, ok := c.auth(scope)
	if !ok {
		return
	}
	pageID := c.r.PathValue("id")
	if !c.owns(t, pageID) || !c.businessAccess(t, pageID) {
		return
	}
	text := c.r.Form.Get("caption") + c.r.Form.Get("text")
	mediaURL := c.r.Form.Get("image_url") + c.r.Form.Get("video_url")
	if media && mediaURL == "" {
		c.d.apiError(c.w, errf(errInvalidRequest, "(#100) The parameter image_url is required"))
		return
	}
	if c.n.name == tokenwatch.Threads && threadsLength(text) > threadsMaxText {
		metaError(c.w, http.StatusBadRequest, 100, 0, "(#100) Param text must be at most 500 characters long.")
		return
	}
	id := c.s.nextID()
	c.n.containers[id] = &container{Post: Post{PageID: pageID, Text: text, MediaURL: mediaURL}, created: c.s.now(),
		errReason: c.n.opts.ContainerError}
	writeJSON(c.w, http.StatusOK, map[string]string{"id": id})
}

// containerStatus answers GET /{container-id}: Instagram's status_code
// (with status, the error subcode, when ERROR), Threads' status (with
// error_message when ERROR).
func (c *call) containerStatus(id string, ct *container) {
	t, ok := c.auth()
	if !ok || !c.owns(t, ct.PageID) || !c.businessAccess(t, ct.PageID) {
		return
	}
	st := c.status(ct, true)
	out := map[string]string{"id": id}
	if c.n.name == tokenwatch.Threads {
		out["status"] = st
		if st == statusError {
			out["error_message"] = ct.errReason
		}
	} else {
		out["status_code"] = st
		if st == statusError {
			out["status"] = ct.errReason
		}
	}
	writeJSON(c.w, http.StatusOK, out)
}

// publishContainer publishes a container made by container, once it is
// FINISHED.
func (c *call) publishContainer(scope string) {
	t, ok := c.auth(scope)
	if !ok {
		return
	}
	if !c.businessAccess(t, c.r.PathValue("id")) {
		return
	}
	ct := c.n.containers[c.r.Form.Get("creation_id")]
	if ct == nil || ct.PageID != c.r.PathValue("id") {
		c.d.apiError(c.w, errf(errNotFound, "(#100) The media container does not exist"))
		return
	}
	if st := c.status(ct, false); st != statusFinished {
		c.notReady(st)
		return
	}
	ct.published = true
	writeJSON(c.w, http.StatusOK, map[string]string{"id": c.publish(t, ct.PageID, ct.Text, "", ct.MediaURL)})
}

// notReady refuses to publish a container that is not FINISHED, in each
// network's words.
func (c *call) notReady(status string) {
	switch {
	case c.n.name == tokenwatch.Threads:
		// Not in Meta's published docs; what maintained Threads clients
		// meet and retry.
		metaError(c.w, http.StatusBadRequest, 24, 4279009, "The requested resource does not exist",
			map[string]any{"is_transient": false, "error_user_title": "Media Not Found", "error_user_msg": "The media is not ready to be published."})
	case status == statusExpired:
		metaError(c.w, http.StatusBadRequest, -2, 2207020, "The media you are trying to access has expired. Please try to upload again.",
			map[string]any{"is_transient": false, "error_user_title": "Media expired",
				"error_user_msg": "The media you are trying to access has expired. Please try to upload again."})
	default:
		metaError(c.w, http.StatusBadRequest, 9007, 2207027, "Media ID is not available",
			map[string]any{"is_transient": false, "error_user_title": "Media not ready for publishing",
				"error_user_msg": "The media is not ready for publishing, please wait for a moment"})
	}
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

// businessAccess checks, at Instagram through Facebook Login, that a token
// may reach an Instagram account whose linked Page gives its roles through
// a Business Portfolio: Meta then also requires ads_management or ads_read.
func (c *call) businessAccess(t *token, igID string) bool {
	if c.n.name != tokenwatch.InstagramFacebook {
		return true
	}
	p := c.n.page(igID)
	if p == nil || !p.Business || t.grant.has("ads_management") || t.grant.has("ads_read") {
		return true
	}
	metaError(c.w, http.StatusForbidden, 10, 0, "(#10) Application does not have permission for this action")
	return false
}

// facebookRoutes serves Facebook Login and the Graph API (facebook and
// instagram_facebook).
func facebookRoutes(rt *router) {
	rt.d = metaDialect{}
	ig := rt.n.name == tokenwatch.InstagramFacebook
	rt.consent("/{v}/dialog/oauth", "client_id")
	token := func(c *call) {
		app, ok := c.metaApp()
		if !ok {
			return
		}
		switch c.r.Form.Get("grant_type") {
		case "client_credentials":
			// The app access token.
			v := app.ClientID + "|" + randomToken()
			c.n.appTokens[v] = app.ClientID
			writeJSON(c.w, http.StatusOK, map[string]string{"access_token": v, "token_type": "bearer"})
		case "fb_exchange_token":
			c.count(OpRefresh)
			t, e := c.n.check(c.r.Form.Get("fb_exchange_token"), c.s.now())
			if e != nil {
				c.d.apiError(c.w, e)
				return
			}
			c.metaToken(c.n.longLived(t, c.s.now()))
		default:
			if _, access, _, ok := c.redeem(app); ok {
				c.metaToken(access)
			}
		}
	}
	rt.graph("GET /{v}/oauth/access_token", "", token)
	rt.graph("POST /{v}/oauth/access_token", "", token)
	rt.graph("GET /{v}/debug_token", "", (*call).metaDebug)
	rt.graph("GET /{v}/me", OpIdentity, func(c *call) {
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
	rt.graph("GET /{v}/me/accounts", OpPages, func(c *call) {
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
	rt.graph("GET /{v}/{id}", OpPages, func(c *call) {
		id := c.r.PathValue("id")
		if app := c.n.apps[id]; app != nil {
			// The app node, read with the app's own token.
			if c.n.appOf(c.bearer()) != app {
				metaError(c.w, http.StatusBadRequest, 190, 0, "Invalid OAuth access token.")
				return
			}
			writeJSON(c.w, http.StatusOK, map[string]string{"id": app.ClientID, "name": "tokenwatch (sandbox)"})
			return
		}
		if ct := c.n.containers[id]; ig && ct != nil {
			c.containerStatus(id, ct)
			return
		}
		// A published Page post ({page-id}_{post-id}) or Instagram media.
		if page, post, ok := strings.Cut(id, "_"); !ig && ok {
			if p := c.post(post); p != nil && p.PageID == page {
				c.publishedObject(p)
				return
			}
		} else if p := c.post(id); ig && p != nil {
			c.publishedObject(p)
			return
		}
		t, ok := c.auth()
		if !ok || !c.owns(t, id) || !c.businessAccess(t, id) {
			return
		}
		p := c.n.page(id)
		if p == nil {
			c.d.apiError(c.w, errf(errNotFound, "unknown object"))
			return
		}
		out := map[string]string{"id": p.ID, "name": p.Name}
		if ig {
			out = map[string]string{"id": p.ID, "username": p.Name}
		}
		writeJSON(c.w, http.StatusOK, out)
	})
	if ig {
		rt.graph("POST /{v}/{id}/media", "", func(c *call) { c.container("instagram_content_publish", true) })
		rt.graph("POST /{v}/{id}/media_publish", OpPublish, func(c *call) { c.publishContainer("instagram_content_publish") })
		return
	}
	rt.graph("POST /{v}/{id}/feed", OpPublish, func(c *call) {
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

// accountLogin is what differs between Instagram Login and Threads.
type accountLogin struct {
	exchangeGrant, refreshGrant string
	// basicScope is the permission refreshing needs (and /me at Threads).
	basicScope string
	// graph: the API sends facebook-api-version (graph.instagram.com).
	graph bool
}

// accountLoginRoutes serves the login and API of Meta networks where the
// account consents itself (Instagram Login, Threads).
func accountLoginRoutes(rt *router, al accountLogin) {
	rt.d = metaDialect{}
	handle := rt.handle
	if al.graph {
		handle = rt.graph
	}
	rt.consent("/oauth/authorize", "client_id")
	rt.handle("POST /oauth/access_token", "", func(c *call) {
		// These token endpoints answer in their own shape:
		// {"error_type": "OAuthException", "code": 400, "error_message": …}.
		refuse := func(msg string) {
			writeJSON(c.w, http.StatusBadRequest, map[string]any{"error_type": "OAuthException", "code": 400, "error_message": msg})
		}
		app := c.n.apps[c.r.Form.Get("client_id")]
		switch {
		case app == nil:
			refuse("Invalid platform app")
			return
		case app.ClientSecret != c.r.Form.Get("client_secret"):
			refuse("Error validating client secret")
			return
		}
		c.count(OpToken)
		_, access, _, e := c.n.redeem(app, c.r.Form.Get("code"), c.r.Form.Get("redirect_uri"), c.r.Form.Get("code_verifier"), c.s.now())
		if e != nil {
			refuse("Matching code was not found or was already used")
			return
		}
		writeJSON(c.w, http.StatusOK, map[string]any{"access_token": access.value, "user_id": rawID(access.grant.userID),
			"permissions": access.grant.scopes})
	})
	rt.handle("GET /access_token", OpRefresh, func(c *call) {
		if c.r.Form.Get("grant_type") != al.exchangeGrant || !c.n.hasSecret(c.r.Form.Get("client_secret")) {
			metaError(c.w, http.StatusBadRequest, 1, 0, "Error validating client secret.")
			return
		}
		if t, ok := c.auth(); ok {
			c.metaToken(c.n.longLived(t, c.s.now()))
		}
	})
	rt.handle("GET /refresh_access_token", OpRefresh, func(c *call) {
		// "Long-lived tokens … can be refreshed as long as they are at
		// least 24 hours old but have not expired, and the app user has
		// granted your app the threads_basic permission" (likewise
		// instagram_business_basic at Instagram).
		t, ok := c.auth(al.basicScope)
		if !ok {
			return
		}
		if c.r.Form.Get("grant_type") != al.refreshGrant || !t.longLived || c.s.now().Sub(t.issuedAt) < c.n.opts.MinRefreshAge {
			c.d.apiError(c.w, errf(errTooYoung, "Only a long-lived token at least 24 hours old can be refreshed"))
			return
		}
		c.metaToken(c.n.longLived(t, c.s.now()))
	})
	handle("GET /{v}/{id}", "", func(c *call) {
		if p := c.post(c.r.PathValue("id")); p != nil {
			c.publishedObject(p)
			return
		}
		ct := c.n.containers[c.r.PathValue("id")]
		if ct == nil {
			c.d.apiError(c.w, errf(errNotFound, "(#100) Object with ID '"+c.r.PathValue("id")+"' does not exist"))
			return
		}
		c.containerStatus(c.r.PathValue("id"), ct)
	})
}

// appScopedID is the app-scoped id Instagram Login's /me answers as "id":
// not the professional account's id (user_id).
func appScopedID(clientID, userID string) string {
	h := fnv.New64a()
	h.Write([]byte(clientID + "/" + userID))
	return "2" + strconv.FormatUint(h.Sum64()%1e16, 10)
}

func instagramRoutes(rt *router) {
	accountLoginRoutes(rt, accountLogin{exchangeGrant: "ig_exchange_token", refreshGrant: "ig_refresh_token",
		basicScope: "instagram_business_basic", graph: true})
	const scope = "instagram_business_content_publish"
	rt.graph("GET /{v}/me", OpIdentity, func(c *call) {
		if t, ok := c.auth(); ok {
			// user_id is the professional account's id, which publishing
			// and webhooks use; id is app-scoped and differs.
			writeJSON(c.w, http.StatusOK, map[string]any{"id": appScopedID(t.grant.clientID, t.grant.userID),
				"user_id": t.grant.userID, "username": c.n.account(t.grant.userID).Name})
		}
	})
	rt.graph("POST /{v}/{id}/media", "", func(c *call) { c.container(scope, true) })
	rt.graph("POST /{v}/{id}/media_publish", OpPublish, func(c *call) { c.publishContainer(scope) })
}

// threadsMaxText is the longest text of a Threads post.
const threadsMaxText = 500

// threadsLength is a text's length as Threads counts it: characters, but
// "emojis are counted as the number of UTF-8 bytes". Emoji here are the
// runes of Unicode's "Symbol, other" category and the joiners, selectors
// and skin-tone modifiers they are built with.
func threadsLength(s string) int {
	n := 0
	for _, r := range s {
		if unicode.Is(unicode.So, r) || r == 0x200D || r == 0x20E3 || (r >= 0xFE00 && r <= 0xFE0F) || (r >= 0x1F3FB && r <= 0x1F3FF) {
			n += utf8.RuneLen(r)
		} else {
			n++
		}
	}
	return n
}

func threadsRoutes(rt *router) {
	accountLoginRoutes(rt, accountLogin{exchangeGrant: "th_exchange_token", refreshGrant: "th_refresh_token", basicScope: "threads_basic"})
	const scope = "threads_content_publish"
	rt.handle("GET /{v}/me", OpIdentity, func(c *call) {
		if t, ok := c.auth("threads_basic"); ok {
			writeJSON(c.w, http.StatusOK, map[string]any{"id": t.grant.userID, "username": c.n.account(t.grant.userID).Name})
		}
	})
	rt.handle("GET /{v}/debug_token", "", func(c *call) {
		// "It is required to provide a user access token from a Threads
		// tester, and this access token must be associated with the same
		// app that is linked to the input_token."
		c.count(OpInspect)
		t, ok := c.auth()
		if !ok {
			return
		}
		app := c.n.apps[t.grant.clientID]
		if app == nil || !slices.Contains(app.Testers, t.grant.userID) {
			metaError(c.w, http.StatusBadRequest, 10, 0, "(#10) The access_token must belong to a Threads tester of the app")
			return
		}
		if in := c.n.tokens[c.r.Form.Get("input_token")]; in != nil && in.grant.clientID != app.ClientID {
			metaError(c.w, http.StatusBadRequest, 100, 0, "(#100) The input_token and the access_token must belong to the same app")
			return
		}
		c.debugData(c.r.Form.Get("input_token"))
	})
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
