package sandbox

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// linkedinDialect words errors as LinkedIn does: {serviceErrorCode, code,
// message, status} from the API, and at the token endpoint RFC 6749 errors
// with LinkedIn's own choices of code.
// https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling
type linkedinDialect struct {
	// refreshGrant says the token request is a refresh_token grant.
	refreshGrant bool
}

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

// tokenError answers as LinkedIn's accessToken endpoint does: a dead
// refresh token and a code it cannot redeem are both invalid_request, told
// apart by their descriptions; a refused client is invalid_client.
// https://learn.microsoft.com/en-us/linkedin/shared/authentication/programmatic-refresh-tokens#api-error-details
// https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow#api-error-details
func (d linkedinDialect) tokenError(w http.ResponseWriter, e *apiError) {
	code, desc, status := "invalid_request", e.msg, http.StatusBadRequest
	switch {
	case e.kind == errInvalidClient:
		code, desc, status = "invalid_client", "Client authentication failed", http.StatusUnauthorized
	case e.kind == errInvalidGrant && d.refreshGrant:
		desc = "The provided authorization grant or refresh token is invalid, expired or revoked"
	case e.kind == errInvalidGrant:
		desc = "Unable to retrieve access token: appid/redirect uri/code verifier does not match authorization code. " +
			"Or authorization code expired. Or external member binding exists"
	}
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func (linkedinDialect) fault(w http.ResponseWriter, status int) {
	writeJSON(w, status, map[string]any{"message": http.StatusText(status), "status": status})
}

const linkedinOrg = "urn:li:organization:"

// linkedinPosters may post as an organization.
// https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api
var linkedinPosters = []string{"ADMINISTRATOR", "CONTENT_ADMINISTRATOR", "DIRECT_SPONSORED_CONTENT_POSTER"}

// linkedinACLPageMax caps an organizationAcls page. LinkedIn documents the
// default page size (10) but no maximum for this finder; the sandbox caps
// pages below the 100 tokenwatch asks for, so that tokenwatch must follow
// the page size the answer reports rather than the one it asked for.
// https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/pagination
const (
	linkedinACLPageDefault = 10
	linkedinACLPageMax     = 50
)

// linkedinVersionActive says whether LinkedIn serves LinkedIn-Version v at
// now. LinkedIn publishes the end of each version it serves (the
// migrations page, copied into provider.APIs), and serves each monthly
// version "for a minimum of one year": a listed version until its end; a
// version newer than the list from its month until a year after it; a
// version the list skips (LinkedIn released no 202512) never. Versions are
// YYYYMM as documented; LinkedIn is also seen to take YYYYMMDD, which the
// sandbox refuses, being stricter than the network.
// https://learn.microsoft.com/en-us/linkedin/marketing/versioning
// https://learn.microsoft.com/en-us/linkedin/marketing/integrations/migrations
func linkedinVersionActive(v string, now time.Time) bool {
	month, err := time.Parse("200601", v)
	if err != nil || len(v) != 6 || now.Before(month) {
		return false
	}
	newest := ""
	for _, lv := range provider.LookupAPI(provider.APILinkedIn).Versions {
		if lv.Version == v {
			if lv.EndOfSupport.IsZero() {
				return now.Before(month.AddDate(1, 0, 0))
			}
			return now.Before(lv.EndOfSupport)
		}
		newest = max(newest, lv.Version)
	}
	return v > newest && now.Before(month.AddDate(1, 0, 0))
}

// linkedinRest registers a versioned /rest endpoint. Every such call must
// carry an active LinkedIn-Version, or LinkedIn answers 426 (the shape
// reported for retired versions, e.g. n8n-io/n8n#14737); restli endpoints
// also need X-Restli-Protocol-Version: 2.0.0 ("FINDER requests must include
// a header for Restli Protocol 2.0.0"; the Posts API requires it of every
// request), without which LinkedIn reads the call as protocol 1.0.
// https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/protocol-version
func linkedinRest(rt *router, pattern string, op Op, restli bool, h func(*call)) {
	rt.handle(pattern, op, func(c *call) {
		v := c.r.Header.Get("LinkedIn-Version")
		switch {
		case v == "":
			// LinkedIn's wording for a missing header is not published;
			// the status is the one it gives any version it does not serve.
			writeJSON(c.w, http.StatusUpgradeRequired, map[string]any{"status": http.StatusUpgradeRequired, "code": "VERSION_MISSING",
				"message": "A version must be present. Please specify a version by adding the LinkedIn-Version header."})
			return
		case !linkedinVersionActive(v, c.s.now()):
			writeJSON(c.w, http.StatusUpgradeRequired, map[string]any{"status": http.StatusUpgradeRequired, "code": "NONEXISTENT_VERSION",
				"message": "Requested version " + v + " is not active"})
			return
		case restli && c.r.Header.Get("X-Restli-Protocol-Version") != "2.0.0":
			writeJSON(c.w, http.StatusBadRequest, map[string]any{"status": http.StatusBadRequest, "code": "ILLEGAL_ARGUMENT",
				"message": "this request must carry X-Restli-Protocol-Version: 2.0.0"})
			return
		}
		h(c)
	})
}

// linkedinRender is commentary as LinkedIn shows it: little text, where an
// escaped reserved character stands for itself and LinkedIn cuts the text
// at the first unescaped one (the sandbox knows no mentions or hashtag
// templates, which tokenwatch does not send).
// https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/little-text-format
func linkedinRender(s string) string {
	const reserved = `\|{}@[]()<>#*_~`
	var b strings.Builder
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if r == '\\' && i+1 < len(rs) && strings.ContainsRune(reserved, rs[i+1]) {
			b.WriteRune(rs[i+1])
			i++
			continue
		}
		if strings.ContainsRune(reserved, r) {
			break
		}
		b.WriteRune(r)
	}
	return b.String()
}

func linkedinRoutes(rt *router) {
	rt.d = linkedinDialect{}
	rt.consent("/oauth/v2/authorization", "client_id")
	rt.handle("POST /oauth/v2/accessToken", "", func(c *call) {
		c.d = linkedinDialect{refreshGrant: c.r.Form.Get("grant_type") == "refresh_token"}
		c.tokenEndpoint("client_id", func(access, refresh *token) {
			if refresh == nil && c.r.Form.Get("grant_type") == "refresh_token" {
				// LinkedIn answers with the same refresh token and what is
				// left of its first-consent lifetime; the new access token
				// never outlives it.
				// https://learn.microsoft.com/en-us/linkedin/shared/authentication/programmatic-refresh-tokens
				refresh = c.n.tokens[c.r.Form.Get("refresh_token")]
				if !refresh.expiresAt.IsZero() && (access.expiresAt.IsZero() || access.expiresAt.After(refresh.expiresAt)) {
					access.expiresAt = refresh.expiresAt
				}
			}
			writeJSON(c.w, http.StatusOK, c.oauthToken(access, refresh, ",", "refresh_token_expires_in"))
		})
	})
	// introspectToken: an unknown client id or token is 400, a wrong client
	// secret 401, a token of another app 200 with active false.
	// https://learn.microsoft.com/en-us/linkedin/shared/authentication/token-introspection
	rt.handle("POST /oauth/v2/introspectToken", OpInspect, func(c *call) {
		now := c.s.now()
		app := c.n.apps[c.r.Form.Get("client_id")]
		t := c.n.tokens[c.r.Form.Get("token")]
		switch {
		case app == nil || t == nil || t.kind == kindRefresh:
			writeJSON(c.w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "Invalid client id or token"})
			return
		case app.ClientSecret != c.r.Form.Get("client_secret"):
			writeJSON(c.w, http.StatusUnauthorized, map[string]string{"error": "invalid_client", "error_description": "Invalid client secret"})
			return
		case t.grant.clientID != app.ClientID:
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
	// organizationAcls?q=roleAssignee: the member's roles, filtered by role
	// and state, paged with start and count.
	// https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/organization-access-control-by-role
	linkedinRest(rt, "GET /rest/organizationAcls", OpPages, true, func(c *call) {
		t, ok := c.auth()
		if !ok {
			return
		}
		q := c.r.URL.Query()
		start, count, ok := linkedinPaging(q)
		if q.Get("q") != "roleAssignee" || !ok {
			c.d.apiError(c.w, errf(errInvalidRequest, "bad finder or paging parameters"))
			return
		}
		var all []map[string]string
		for _, p := range c.n.pages {
			role := c.n.role(p.ID, t.grant.userID)
			if role == "" || (q.Get("role") != "" && q.Get("role") != role) || (q.Get("state") != "" && q.Get("state") != "APPROVED") {
				continue
			}
			all = append(all, map[string]string{"organization": linkedinOrg + p.ID, "role": role,
				"state": "APPROVED", "roleAssignee": "urn:li:person:" + t.grant.userID})
		}
		elements := all[min(start, len(all)):min(start+count, len(all))]
		link := func(rel string, at int) map[string]string {
			v := url.Values{"q": {"roleAssignee"}, "start": {strconv.Itoa(at)}, "count": {strconv.Itoa(count)}}
			for _, k := range []string{"role", "state"} {
				if q.Get(k) != "" {
					v.Set(k, q.Get(k))
				}
			}
			return map[string]string{"rel": rel, "type": "application/json", "href": "/rest/organizationAcls?" + v.Encode()}
		}
		links := []map[string]string{}
		if start > 0 {
			links = append(links, link("prev", max(start-count, 0)))
		}
		if start+count < len(all) {
			links = append(links, link("next", start+count))
		}
		writeJSON(c.w, http.StatusOK, map[string]any{"elements": append([]map[string]string{}, elements...),
			"paging": map[string]any{"start": start, "count": count, "total": len(all), "links": links}})
	})
	linkedinRest(rt, "GET /rest/organizations/{id}", OpPages, false, func(c *call) {
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
	linkedinRest(rt, "POST /rest/posts", OpPublish, true, func(c *call) {
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
		text := linkedinRender(body.Commentary)
		switch {
		case !slices.Contains(linkedinPosters, c.n.role(org, t.grant.userID)):
			c.d.apiError(c.w, errf(errRole, "Not enough permissions to post as "+body.Author))
		case c.duplicate(org, text):
			c.d.apiError(c.w, errf(errDuplicate, "Content is a duplicate"))
		default:
			id := c.publish(t, org, text, body.Content.Article.Source, "")
			c.w.Header().Set("X-Restli-Id", "urn:li:share:"+id)
			c.w.WriteHeader(http.StatusCreated)
		}
	})
}

// linkedinPaging reads start and count (defaults 0 and 10), count capped at
// linkedinACLPageMax.
func linkedinPaging(q url.Values) (start, count int, ok bool) {
	start, count = 0, linkedinACLPageDefault
	var err error
	if s := q.Get("start"); s != "" {
		if start, err = strconv.Atoi(s); err != nil || start < 0 {
			return 0, 0, false
		}
	}
	if s := q.Get("count"); s != "" {
		if count, err = strconv.Atoi(s); err != nil || count < 0 {
			return 0, 0, false
		}
	}
	return start, min(count, linkedinACLPageMax), true
}
