package sandbox

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tokenwatch/tokenwatch"
)

// errKind is what went wrong, before a network words it its own way.
type errKind int

const (
	errInvalidToken errKind = iota
	errExpired
	errRevoked
	errScope
	errRole
	errBlocked
	errInvalidGrant
	errInvalidRequest
	errInvalidClient
	errNotFound
	errDuplicate
	errTooYoung
)

type apiError struct {
	kind    errKind
	msg     string
	subcode int
}

func errf(kind errKind, msg string) *apiError { return &apiError{kind: kind, msg: msg} }

// dialect is how a network words its errors.
type dialect interface {
	// apiError answers an API call that failed.
	apiError(w http.ResponseWriter, e *apiError)
	// tokenError answers a failed call to the token endpoint.
	tokenError(w http.ResponseWriter, e *apiError)
	// fault answers a request failed on purpose with status.
	fault(w http.ResponseWriter, status int)
}

// routes registers each network's endpoints.
var routes = map[tokenwatch.Provider]func(*router){
	tokenwatch.Facebook:          facebookRoutes,
	tokenwatch.InstagramFacebook: facebookRoutes,
	tokenwatch.Instagram:         instagramRoutes,
	tokenwatch.Threads:           threadsRoutes,
	tokenwatch.LinkedIn:          linkedinRoutes,
	tokenwatch.GoogleBusiness:    googleBusinessRoutes,
	tokenwatch.YouTube:           youtubeRoutes,
	tokenwatch.X:                 xRoutes,
	tokenwatch.TikTok:            tiktokRoutes,
	tokenwatch.Pinterest:         pinterestRoutes,
}

// router registers one network's handlers.
type router struct {
	s *Sandbox
	n *network
	d dialect
}

// call is one request to a network, handled under the sandbox lock.
type call struct {
	s *Sandbox
	n *network
	d dialect
	w http.ResponseWriter
	r *http.Request
}

// handle registers pattern (a method and a path below the prefix) counted
// as op; a fault planned for the request answers it instead.
func (rt *router) handle(pattern string, op Op, h func(*call)) {
	method, path, _ := strings.Cut(pattern, " ")
	s, n, d := rt.s, rt.n, rt.d
	s.mux.HandleFunc(method+" "+Prefix(n.name)+path, func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		s.mu.Lock()
		defer s.mu.Unlock()
		if op != "" {
			s.calls[n.name][op]++
		}
		f := s.takeFault(n.name, r.URL.Path)
		if f != nil && f.Delay > 0 {
			// A slow network: wait without holding the sandbox.
			s.mu.Unlock()
			select {
			case <-time.After(f.Delay):
			case <-r.Context().Done():
			}
			s.mu.Lock()
		}
		if f != nil && f.Status != 0 {
			if f.RetryAfter > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(int(f.RetryAfter.Seconds())))
			}
			for k, v := range f.Headers {
				w.Header().Set(k, v)
			}
			if f.Body != "" {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(f.Status)
				_, _ = w.Write([]byte(f.Body))
				return
			}
			d.fault(w, f.Status)
			return
		}
		h(&call{s: s, n: n, d: d, w: w, r: r})
	})
}

// takeFault returns the fault planned for a request, using it up.
func (s *Sandbox) takeFault(p tokenwatch.Provider, path string) *Fault {
	for i, f := range s.faults {
		if (f.Provider != "" && f.Provider != p) || (f.Path != "" && !strings.Contains(path, f.Path)) {
			continue
		}
		if f.Count > 0 {
			f.Count--
			if f.Count == 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
		}
		return f
	}
	return nil
}

// count records a call whose kind is known only once it is read.
func (c *call) count(op Op) { c.s.calls[c.n.name][op]++ }

// bearer is the access token the request carries: the Authorization
// header, else an access_token parameter.
func (c *call) bearer() string {
	if h := c.r.Header.Get("Authorization"); h != "" {
		if scheme, v, ok := strings.Cut(h, " "); ok && (strings.EqualFold(scheme, "Bearer") || strings.EqualFold(scheme, "OAuth")) {
			return strings.TrimSpace(v)
		}
	}
	return c.r.Form.Get("access_token")
}

// auth checks the request's token and that its grant holds every scope.
func (c *call) auth(scopes ...string) (*token, bool) {
	t, e := c.n.check(c.bearer(), c.s.now())
	if e != nil {
		c.d.apiError(c.w, e)
		return nil, false
	}
	for _, sc := range scopes {
		if !t.grant.has(sc) {
			c.d.apiError(c.w, errf(errScope, "the token lacks the permission "+sc))
			return nil, false
		}
	}
	return t, true
}

// client authenticates the app: basic auth, else form parameters (idKey is
// client_id, or client_key at TikTok).
func (c *call) client(idKey string) (*App, bool) {
	id, secret, ok := c.r.BasicAuth()
	if ok {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = c.r.Form.Get(idKey), c.r.Form.Get("client_secret")
	}
	a, e := c.n.app(id, secret)
	if e != nil {
		c.d.tokenError(c.w, e)
		return nil, false
	}
	return a, true
}

// redeem handles an authorization_code grant.
func (c *call) redeem(app *App) (*grant, *token, *token, bool) {
	c.count(OpToken)
	g, access, refresh, e := c.n.redeem(app, c.r.Form.Get("code"), c.r.Form.Get("redirect_uri"), c.r.Form.Get("code_verifier"), c.s.now())
	if e != nil {
		c.d.tokenError(c.w, e)
		return nil, nil, nil, false
	}
	return g, access, refresh, true
}

// refresh handles a refresh_token grant.
func (c *call) refresh(app *App) (*token, *token, bool) {
	c.count(OpRefresh)
	access, refresh, e := c.n.refresh(app.ClientID, c.r.Form.Get("refresh_token"), c.s.now())
	if e != nil {
		c.d.tokenError(c.w, e)
		return nil, nil, false
	}
	return access, refresh, true
}

// publish records a post and returns its id.
func (c *call) publish(t *token, pageID, text, link, media string) string {
	id := c.s.nextID()
	c.s.posts = append(c.s.posts, Post{Provider: c.n.name, ID: id, PageID: pageID, UserID: t.grant.userID,
		Text: text, Link: link, MediaURL: media, At: c.s.now()})
	return id
}

// duplicate reports whether the same text was already posted on the page.
func (c *call) duplicate(pageID, text string) bool {
	for _, p := range c.s.posts {
		if p.Provider == c.n.name && p.PageID == pageID && p.Text == text && text != "" {
			return true
		}
	}
	return false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// oauthDialect words errors as RFC 6749 at the token endpoint; networks
// embed it and add their API errors.
type oauthDialect struct{}

func (oauthDialect) tokenError(w http.ResponseWriter, e *apiError) {
	code, status := "invalid_grant", http.StatusBadRequest
	switch e.kind {
	case errInvalidClient:
		code, status = "invalid_client", http.StatusUnauthorized
	case errInvalidRequest:
		code = "invalid_request"
	case errScope:
		code = "invalid_scope"
	}
	writeJSON(w, status, map[string]string{"error": code, "error_description": e.msg})
}

// oauthToken is an RFC 6749 token response; scopes are joined with sep,
// and the refresh token's lifetime goes in refreshField when set.
func (c *call) oauthToken(access, refresh *token, sep, refreshField string) map[string]any {
	now := c.s.now()
	m := map[string]any{"access_token": access.value, "token_type": "bearer", "scope": strings.Join(access.grant.scopes, sep)}
	if in := access.expiresIn(now); in > 0 {
		m["expires_in"] = in
	}
	if refresh != nil {
		m["refresh_token"] = refresh.value
		if in := refresh.expiresIn(now); in > 0 && refreshField != "" {
			m[refreshField] = in
		}
	}
	return m
}

// tokenEndpoint serves an RFC 6749 token endpoint (authorization_code and
// refresh_token grants); respond writes the network's answer.
func (c *call) tokenEndpoint(idKey string, respond func(access, refresh *token)) {
	app, ok := c.client(idKey)
	if !ok {
		return
	}
	switch c.r.Form.Get("grant_type") {
	case "authorization_code":
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
}

// readJSON decodes a JSON request body into v, answering a bad one.
func (c *call) readJSON(v any) bool {
	if err := json.NewDecoder(c.r.Body).Decode(v); err != nil {
		c.d.apiError(c.w, errf(errInvalidRequest, "the request body is not valid JSON"))
		return false
	}
	return true
}

// userName is an account's display name.
func (c *call) userName(t *token) string {
	if a := c.n.account(t.grant.userID); a != nil {
		return a.Name
	}
	return t.grant.userID
}
