package sandbox

import (
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// googleDialect words errors as Google's APIs do
// (https://cloud.google.com/apis/design/errors): code, message and status,
// the reason in an ErrorInfo of details (the Business Profile APIs), and
// for YouTube also in errors[] with a domain
// (https://developers.google.com/youtube/v3/docs/core_errors).
type googleDialect struct {
	youtube bool
}

// googleFailure is one Google error.
type googleFailure struct {
	status  int
	grpc    string
	message string
	reason  string // ErrorInfo reason (Business Profile) or errors[] reason (YouTube)
	domain  string // errors[] domain (YouTube)
}

func (d googleDialect) write(w http.ResponseWriter, f googleFailure) {
	e := map[string]any{"code": f.status, "message": f.message, "status": f.grpc}
	if f.reason != "" {
		if d.youtube {
			domain := f.domain
			if domain == "" {
				domain = "global"
			}
			e["errors"] = []map[string]string{{"message": f.message, "domain": domain, "reason": f.reason}}
		} else {
			e["details"] = []map[string]any{{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": f.reason, "domain": "googleapis.com"}}
		}
	}
	writeJSON(w, f.status, map[string]any{"error": e})
}

const googleUnauthenticated = "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project."

func (d googleDialect) apiError(w http.ResponseWriter, e *apiError) {
	switch e.kind {
	case errInvalidToken, errExpired, errRevoked:
		reason := "ACCESS_TOKEN_EXPIRED"
		if d.youtube {
			reason = "authError"
		} else if e.kind != errExpired {
			reason = ""
		}
		d.write(w, googleFailure{401, "UNAUTHENTICATED", googleUnauthenticated, reason, ""})
	case errScope:
		reason := "ACCESS_TOKEN_SCOPE_INSUFFICIENT"
		if d.youtube {
			reason = "insufficientPermissions"
		}
		d.write(w, googleFailure{403, "PERMISSION_DENIED", "Request had insufficient authentication scopes.", reason, ""})
	case errBlocked:
		reason := ""
		if d.youtube {
			reason = "authenticatedUserAccountSuspended"
		}
		d.write(w, googleFailure{403, "PERMISSION_DENIED", "The YouTube account of the authenticated user is suspended.", reason, "youtube.common"})
	case errRole:
		reason := ""
		if d.youtube {
			reason = "forbidden"
		}
		d.write(w, googleFailure{403, "PERMISSION_DENIED", "The caller does not have permission", reason, ""})
	case errNotFound:
		d.write(w, googleFailure{404, "NOT_FOUND", e.msg, "", ""})
	case errDuplicate:
		d.write(w, googleFailure{409, "ALREADY_EXISTS", e.msg, "", ""})
	default:
		d.write(w, googleFailure{400, "INVALID_ARGUMENT", e.msg, "", ""})
	}
}

// tokenError words token-endpoint refusals as Google does
// (https://developers.google.com/identity/protocols/oauth2/web-server).
func (googleDialect) tokenError(w http.ResponseWriter, e *apiError) {
	switch e.kind {
	case errInvalidClient:
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client", "error_description": "Unauthorized"})
	case errInvalidGrant:
		desc := "Token has been expired or revoked."
		if strings.Contains(e.msg, "code") {
			desc = "Malformed auth code."
		}
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": desc})
	default:
		oauthDialect{}.tokenError(w, e)
	}
}

func (d googleDialect) fault(w http.ResponseWriter, status int) {
	if status == http.StatusTooManyRequests {
		d.write(w, googleFailure{status, "RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'Requests' and limit 'Requests per minute'.", "RATE_LIMIT_EXCEEDED", "usageLimits"})
		return
	}
	reason := ""
	if d.youtube {
		reason = "backendError"
	}
	d.write(w, googleFailure{status, "UNAVAILABLE", "The service is currently unavailable.", reason, ""})
}

// googleAuth checks the token, its scopes, that the API is enabled for its
// app's project, and spends cost units of the app's daily quota.
func (c *call) googleAuth(cost int, scopes ...string) (*token, bool) {
	t, ok := c.auth(scopes...)
	if !ok {
		return nil, false
	}
	d := c.d.(googleDialect)
	if a := c.n.apps[t.grant.clientID]; a != nil && a.Standing == StandingAPIDisabled {
		service := "mybusinessaccountmanagement.googleapis.com"
		if d.youtube {
			service = "youtube.googleapis.com"
		}
		d.write(c.w, googleFailure{403, "PERMISSION_DENIED", "Access Not Configured. " + service +
			" has not been used in project 1234567890 before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/" +
			service + "/overview?project=1234567890 then retry.", map[bool]string{true: "accessNotConfigured", false: "SERVICE_DISABLED"}[d.youtube], "usageLimits"})
		return nil, false
	}
	if !c.spend(t.grant.clientID, cost) {
		// https://developers.google.com/youtube/v3/docs/errors
		msg := `The request cannot be completed because you have exceeded your <a href="/youtube/v3/getting-started#quota">quota</a>.`
		writeJSON(c.w, http.StatusForbidden, map[string]any{"error": map[string]any{"code": 403, "message": msg,
			"errors": []map[string]string{{"message": msg, "domain": "youtube.quota", "reason": "quotaExceeded"}}}})
		return nil, false
	}
	return t, true
}

// pacific is where YouTube's quota day ends
// (https://developers.google.com/youtube/v3/getting-started#quota).
var pacific = func() *time.Location {
	if l, err := time.LoadLocation("America/Los_Angeles"); err == nil {
		return l
	}
	return time.FixedZone("PST", -8*3600)
}()

// spend takes units from an app's daily quota; false when they are not
// left (the call is refused and costs nothing).
func (c *call) spend(clientID string, units int) bool {
	if c.n.opts.DailyQuota <= 0 {
		return true
	}
	day := c.s.now().In(pacific).Format(time.DateOnly)
	q := c.n.spent[clientID]
	if q == nil || q.day != day {
		q = &quotaSpent{day: day}
		c.n.spent[clientID] = q
	}
	if q.units+units > c.n.opts.DailyQuota {
		return false
	}
	q.units += units
	return true
}

// googleOAuth serves Google's consent, token and tokeninfo endpoints.
func googleOAuth(rt *router) {
	rt.consent("/o/oauth2/v2/auth", "client_id")
	rt.handle("POST /token", "", func(c *call) {
		c.tokenEndpoint("client_id", func(access, refresh *token) {
			writeJSON(c.w, http.StatusOK, c.oauthToken(access, refresh, " ", "refresh_token_expires_in"))
		})
	})
	// https://developers.google.com/identity/sign-in/web/backend-auth and
	// https://www.googleapis.com/oauth2/v3/tokeninfo: string values; an
	// expired or unknown token is invalid_token "Invalid Value".
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
			"exp": strconv.FormatInt(unixOrZero(t.expiresAt), 10), "email_verified": "true", "access_type": "offline",
		})
	}
	rt.handle("GET /tokeninfo", OpInspect, tokeninfo)
	rt.handle("POST /tokeninfo", OpInspect, tokeninfo)
}

const businessScope = "https://www.googleapis.com/auth/business.manage"

// businessPosters may post on a location.
var businessPosters = map[string]bool{"PRIMARY_OWNER": true, "OWNER": true, "MANAGER": true, "SITE_MANAGER": true}

// Page sizes of the Business Profile APIs: accounts.list gives 20 at most
// (https://developers.google.com/my-business/reference/accountmanagement/rest/v1/accounts/list),
// locations.list 100 at most, 10 by default
// (https://developers.google.com/my-business/reference/businessinformation/rest/v1/accounts.locations/list).
const (
	maxAccountsPage     = 20
	maxLocationsPage    = 100
	defaultLocationPage = 10
)

// businessAccount is an account the user sees: their own (PERSONAL) or a
// location group they hold a role on.
type businessAccount struct {
	id, name, kind, role string
}

// businessAccounts lists the user's accounts: their personal account, then
// every location group they hold a role on, in a stable order.
func (c *call) businessAccounts(userID string) []businessAccount {
	out := []businessAccount{{id: userID, name: c.userNameOf(userID), kind: "PERSONAL", role: "PRIMARY_OWNER"}}
	var groups []string
	for _, p := range c.n.pages {
		if p.Group != "" && c.n.role(p.Group, userID) != "" && !slices.Contains(groups, p.Group) {
			groups = append(groups, p.Group)
		}
	}
	slices.Sort(groups)
	for _, g := range groups {
		out = append(out, businessAccount{id: g, name: g, kind: "LOCATION_GROUP", role: c.n.role(g, userID)})
	}
	return out
}

// businessRole is the user's role on a location: their own, else the one
// on its group.
func (c *call) businessRole(p *Page, userID string) string {
	if r := c.n.role(p.ID, userID); r != "" {
		return r
	}
	if p.Group != "" {
		return c.n.role(p.Group, userID)
	}
	return ""
}

func (c *call) userNameOf(userID string) string {
	if a := c.n.account(userID); a != nil {
		return a.Name
	}
	return userID
}

// paged reads pageSize (default def, at most max) and pageToken (an
// offset here; opaque to the caller) and returns the slice bounds for n
// items and the next page's token ("" on the last page).
func (c *call) paged(n, def, max int) (from, to int, next string, ok bool) {
	size := def
	if v := c.r.Form.Get("pageSize"); v != "" {
		s, err := strconv.Atoi(v)
		if err != nil || s < 0 {
			c.d.apiError(c.w, errf(errInvalidRequest, "Request contains an invalid argument."))
			return 0, 0, "", false
		}
		if s > 0 {
			size = min(s, max)
		}
	}
	if v := c.r.Form.Get("pageToken"); v != "" {
		o, err := strconv.Atoi(strings.TrimPrefix(v, "page-"))
		if err != nil || o < 0 || o > n {
			c.d.apiError(c.w, errf(errInvalidRequest, "Request contains an invalid argument."))
			return 0, 0, "", false
		}
		from = o
	}
	to = min(from+size, n)
	if to < n {
		next = "page-" + strconv.Itoa(to)
	}
	return from, to, next, true
}

func googleBusinessRoutes(rt *router) {
	rt.d = googleDialect{}
	googleOAuth(rt)
	account := func(a businessAccount) map[string]string {
		return map[string]string{"name": "accounts/" + a.id, "accountName": a.name, "type": a.kind, "role": a.role,
			"verificationState": "VERIFIED", "vettedState": "NOT_VETTED"}
	}
	rt.handle("GET /v1/accounts", OpPages, func(c *call) {
		t, ok := c.googleAuth(0, businessScope)
		if !ok {
			return
		}
		all := c.businessAccounts(t.grant.userID)
		from, to, next, ok := c.paged(len(all), maxAccountsPage, maxAccountsPage)
		if !ok {
			return
		}
		accounts := []map[string]string{}
		for _, a := range all[from:to] {
			accounts = append(accounts, account(a))
		}
		out := map[string]any{"accounts": accounts}
		if next != "" {
			out["nextPageToken"] = next
		}
		writeJSON(c.w, http.StatusOK, out)
	})
	rt.handle("GET /v1/accounts/{account}", OpPages, func(c *call) {
		t, ok := c.googleAuth(0, businessScope)
		if !ok {
			return
		}
		for _, a := range c.businessAccounts(t.grant.userID) {
			if a.id == c.r.PathValue("account") {
				writeJSON(c.w, http.StatusOK, account(a))
				return
			}
		}
		c.d.apiError(c.w, errf(errNotFound, "Requested entity was not found."))
	})
	rt.handle("GET /v1/accounts/{account}/locations", OpPages, func(c *call) {
		t, ok := c.googleAuth(0, businessScope)
		if !ok {
			return
		}
		if c.r.Form.Get("readMask") == "" {
			c.d.apiError(c.w, errf(errInvalidRequest, "Request contains an invalid argument."))
			return
		}
		id, user := c.r.PathValue("account"), t.grant.userID
		var locs []*Page
		switch {
		case id == user: // the personal account: the user's own roles
			for _, p := range c.n.pages {
				if c.n.role(p.ID, user) != "" {
					locs = append(locs, p)
				}
			}
		case c.n.role(id, user) != "": // a location group
			for _, p := range c.n.pages {
				if p.Group == id {
					locs = append(locs, p)
				}
			}
		default:
			c.d.apiError(c.w, errf(errRole, "not your account"))
			return
		}
		from, to, next, ok := c.paged(len(locs), defaultLocationPage, maxLocationsPage)
		if !ok {
			return
		}
		locations := []map[string]string{}
		for _, p := range locs[from:to] {
			locations = append(locations, map[string]string{"name": "locations/" + p.ID, "title": p.Name})
		}
		out := map[string]any{"locations": locations}
		if next != "" {
			out["nextPageToken"] = next
		}
		writeJSON(c.w, http.StatusOK, out)
	})
	// locations.admins.list: each admin's name and role; like the real API,
	// no account field for a person (the field names a location group
	// invited as admin), and admin ids of their own.
	rt.handle("GET /v1/locations/{location}/admins", OpPages, func(c *call) {
		t, ok := c.googleAuth(0, businessScope)
		if !ok {
			return
		}
		id := c.r.PathValue("location")
		p := c.n.page(id)
		if p == nil || c.businessRole(p, t.grant.userID) == "" {
			c.d.apiError(c.w, errf(errRole, "not an admin of this location"))
			return
		}
		admins := []map[string]any{}
		for i, a := range c.n.accounts {
			if role := c.n.role(id, a.ID); role != "" {
				admins = append(admins, map[string]any{"name": "locations/" + id + "/admins/" + strconv.Itoa(104000+i),
					"admin": a.Name, "role": role, "pendingInvitation": false})
			}
		}
		if p.Group != "" {
			admins = append(admins, map[string]any{"name": "locations/" + id + "/admins/" + p.Group,
				"admin": p.Group, "account": "accounts/" + p.Group, "role": "OWNER", "pendingInvitation": false})
		}
		writeJSON(c.w, http.StatusOK, map[string]any{"admins": admins})
	})
	rt.handle("POST /v4/accounts/{account}/locations/{location}/localPosts", OpPublish, func(c *call) {
		t, ok := c.googleAuth(0, businessScope)
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
		p := c.n.page(id)
		if p == nil || !businessPosters[c.businessRole(p, t.grant.userID)] {
			c.d.apiError(c.w, errf(errRole, "not an admin of this location"))
			return
		}
		media := ""
		if len(body.Media) > 0 {
			media = body.Media[0].SourceURL
		}
		postID := c.publish(t, id, body.Summary, body.CallToAction.URL, media)
		// The created LocalPost, with searchUrl, "the link to the local
		// post in Google search"
		// (https://developers.google.com/my-business/reference/rest/v4/accounts.locations.localPosts).
		writeJSON(c.w, http.StatusOK, map[string]string{"name": "accounts/" + c.r.PathValue("account") + "/locations/" + id + "/localPosts/" + postID,
			"state": "LIVE", "topicType": "STANDARD", "summary": body.Summary, "searchUrl": c.permalink(c.post(postID))})
	})
}

const (
	youtubeRead   = "https://www.googleapis.com/auth/youtube.readonly"
	youtubeUpload = "https://www.googleapis.com/auth/youtube.upload"
)

// Quota costs (https://developers.google.com/youtube/v3/determine_quota_cost).
const (
	costList   = 1
	costUpload = 1600
)

func youtubeRoutes(rt *router) {
	rt.d = googleDialect{youtube: true}
	googleOAuth(rt)
	rt.handle("GET /youtube/v3/channels", OpPages, func(c *call) {
		t, ok := c.googleAuth(costList, youtubeRead)
		if !ok {
			return
		}
		items := []map[string]any{}
		for _, p := range c.n.pages {
			if c.n.role(p.ID, t.grant.userID) != "" {
				items = append(items, map[string]any{"kind": "youtube#channel", "id": p.ID, "snippet": map[string]string{"title": p.Name}})
			}
		}
		writeJSON(c.w, http.StatusOK, map[string]any{"kind": "youtube#channelListResponse", "items": items})
	})
	rt.handle("POST /upload/youtube/v3/videos", OpPublish, func(c *call) {
		t, ok := c.googleAuth(costUpload, youtubeUpload)
		if !ok {
			return
		}
		var meta struct {
			Snippet struct {
				Title       string `json:"title"`
				Description string `json:"description"`
				ChannelID   string `json:"channelId"`
			} `json:"snippet"`
			Status struct {
				PrivacyStatus string `json:"privacyStatus"`
			} `json:"status"`
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
		// Uploads from API projects not audited by Google are restricted
		// to private viewing (https://developers.google.com/youtube/v3/docs/videos/insert).
		privacy := meta.Status.PrivacyStatus
		if privacy == "" {
			privacy = "public"
		}
		if a := c.n.apps[t.grant.clientID]; a == nil || !a.Audited {
			privacy = "private"
		}
		id := c.publish(t, channel, meta.Snippet.Title, "", "upload:"+strconv.FormatInt(size, 10)+" bytes")
		writeJSON(c.w, http.StatusOK, map[string]any{"kind": "youtube#video", "id": id, "snippet": meta.Snippet,
			"status": map[string]any{"uploadStatus": "uploaded", "privacyStatus": privacy, "license": "youtube", "embeddable": true, "publicStatsViewable": true}})
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
