package sandbox

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"slices"
	"time"

	"github.com/tokenwatch/tokenwatch"
)

// network is one provider's state. Everything is guarded by Sandbox.mu.
type network struct {
	name     tokenwatch.Provider
	opts     Options
	apps     map[string]*App
	accounts []*Account
	pages    []*Page
	roles    map[string]map[string]string // page id → user id → role
	blocked  map[string]int               // user id → Meta subcode
	grants   []*grant
	tokens   map[string]*token
	codes    map[string]*authCode
	// containers are Meta media containers waiting to be published.
	containers map[string]*container
	// appTokens are Meta app access tokens issued by client_credentials,
	// by value, with their app's client id.
	appTokens map[string]string
	// spent is what each app (by client id) spent of its daily quota.
	spent map[string]*quotaSpent
	// tiktok is what only TikTok knows (see tiktok.go).
	tiktok *tiktokState
}

// quotaSpent is an app's quota spent on one day.
type quotaSpent struct {
	day   string
	units int
}

func newNetwork(p tokenwatch.Provider, o Options) *network {
	return &network{
		name: p, opts: o,
		apps:    map[string]*App{},
		roles:   map[string]map[string]string{},
		blocked: map[string]int{},
		tokens:  map[string]*token{},
		codes:   map[string]*authCode{},

		containers: map[string]*container{},
		appTokens:  map[string]string{},
		spent:      map[string]*quotaSpent{},
	}
}

type tokenKind int

const (
	kindAccess tokenKind = iota
	kindRefresh
	kindPage // a Meta page token
)

type grant struct {
	clientID            string
	userID              string
	scopes              []string
	revoked             bool
	refreshExpiresAt    time.Time
	dataAccessExpiresAt time.Time
}

func (g *grant) has(scope string) bool { return slices.Contains(g.scopes, scope) }

type token struct {
	value     string
	kind      tokenKind
	grant     *grant
	pageID    string // page tokens
	issuedAt  time.Time
	expiresAt time.Time // zero: never
	longLived bool
	used      bool // refresh tokens spent by rotation
}

func (t *token) expired(now time.Time) bool { return !t.expiresAt.IsZero() && !now.Before(t.expiresAt) }

// expiresIn is the token's remaining lifetime in seconds, 0 for none.
func (t *token) expiresIn(now time.Time) int64 {
	if t.expiresAt.IsZero() {
		return 0
	}
	return max(int64(t.expiresAt.Sub(now).Seconds()), 1)
}

type authCode struct {
	app         *App
	userID      string
	redirectURI string
	scopes      []string
	challenge   string
	expiresAt   time.Time
}

func (n *network) account(id string) *Account {
	for _, a := range n.accounts {
		if a.ID == id {
			return a
		}
	}
	return nil
}

func (n *network) page(id string) *Page {
	for _, p := range n.pages {
		if p.ID == id {
			return p
		}
	}
	return nil
}

func (n *network) role(pageID, userID string) string { return n.roles[pageID][userID] }

// issue creates a token of kind for g.
func (n *network) issue(g *grant, kind tokenKind, now time.Time, ttl time.Duration) *token {
	t := &token{value: randomToken(), kind: kind, grant: g, issuedAt: now}
	if ttl > 0 {
		t.expiresAt = now.Add(ttl)
	}
	n.tokens[t.value] = t
	return t
}

// newGrant creates a grant with its access token and, where the network
// issues them, its refresh token.
func (n *network) newGrant(clientID, userID string, scopes []string, now time.Time) (*grant, *token, *token) {
	g := &grant{clientID: clientID, userID: userID, scopes: slices.Clone(scopes)}
	if n.opts.DataAccessTTL > 0 {
		g.dataAccessExpiresAt = now.Add(n.opts.DataAccessTTL)
	}
	n.grants = append(n.grants, g)
	access := n.issue(g, kindAccess, now, n.opts.AccessTTL)
	var refresh *token
	if n.opts.RefreshTokens {
		refresh = n.issue(g, kindRefresh, now, n.opts.RefreshTTL)
		g.refreshExpiresAt = refresh.expiresAt
	}
	return g, access, refresh
}

// refresh runs a refresh grant with the refresh token value rt.
func (n *network) refresh(clientID, rt string, now time.Time) (access, refresh *token, err *apiError) {
	t := n.tokens[rt]
	switch {
	case t == nil || t.kind != kindRefresh || t.grant.clientID != clientID:
		return nil, nil, errf(errInvalidGrant, "the refresh token is invalid")
	case t.used:
		if n.opts.ReplayKillsGrant {
			t.grant.revoked = true
			return nil, nil, errf(errInvalidGrant, "the refresh token was already used; the grant is revoked")
		}
		return nil, nil, errf(errInvalidGrant, "the refresh token was already used")
	case t.grant.revoked:
		return nil, nil, errf(errInvalidGrant, "the grant was revoked")
	case t.expired(now):
		return nil, nil, errf(errInvalidGrant, "the refresh token expired")
	}
	access = n.issue(t.grant, kindAccess, now, n.opts.AccessTTL)
	if !n.opts.RotateRefresh {
		return access, nil, nil
	}
	t.used = true
	ttl := n.opts.RefreshTTL
	if n.opts.RefreshFixed {
		ttl = t.expiresAt.Sub(now)
	}
	refresh = n.issue(t.grant, kindRefresh, now, ttl)
	return access, refresh, nil
}

// check validates a token presented to an API. Page tokens also need their
// user to still hold a role on their page.
func (n *network) check(value string, now time.Time) (*token, *apiError) {
	t := n.tokens[value]
	switch {
	case value == "" || t == nil || t.kind == kindRefresh:
		return nil, errf(errInvalidToken, "Invalid OAuth access token")
	case t.grant.revoked:
		return nil, errf(errRevoked, "The user has revoked access to the app")
	case t.expired(now):
		return nil, errf(errExpired, "The access token expired")
	case !t.grant.dataAccessExpiresAt.IsZero() && !now.Before(t.grant.dataAccessExpiresAt):
		return nil, errf(errExpired, "Data access expired: the user must log in again")
	}
	if sub, ok := n.blocked[t.grant.userID]; ok {
		return nil, &apiError{kind: errBlocked, msg: "The user must log in to fix their account", subcode: sub}
	}
	if t.kind == kindPage && n.role(t.pageID, t.grant.userID) == "" {
		return nil, errf(errRole, "The user does not have a role on this Page")
	}
	return t, nil
}

// app authenticates a client.
func (n *network) app(clientID, secret string) (*App, *apiError) {
	a := n.apps[clientID]
	if a == nil || a.ClientSecret != secret {
		return nil, errf(errInvalidClient, "client authentication failed")
	}
	return a, nil
}

// redeem exchanges an authorization code.
func (n *network) redeem(app *App, code, redirectURI, verifier string, now time.Time) (*grant, *token, *token, *apiError) {
	c := n.codes[code]
	if c == nil || c.app != app || now.After(c.expiresAt) {
		return nil, nil, nil, errf(errInvalidGrant, "the authorization code is invalid or expired")
	}
	delete(n.codes, code) // single use
	if c.redirectURI != redirectURI {
		return nil, nil, nil, errf(errInvalidGrant, "redirect_uri does not match the one used at consent")
	}
	if c.challenge != "" && challenge(verifier) != c.challenge {
		return nil, nil, nil, errf(errInvalidGrant, "the code_verifier does not match the code_challenge")
	}
	g, access, refresh := n.newGrant(app.ClientID, c.userID, c.scopes, now)
	return g, access, refresh, nil
}

func challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// pageToken is the token of page pageID derived from user token t: without
// expiry when t is long-lived, as Meta does.
func (n *network) pageToken(t *token, pageID string, now time.Time) *token {
	pt := n.issue(t.grant, kindPage, now, 0)
	pt.pageID, pt.longLived = pageID, true
	if !t.longLived {
		pt.expiresAt, pt.longLived = t.expiresAt, false
	}
	return pt
}

// longLived trades a token for a long-lived one of the same kind.
func (n *network) longLived(t *token, now time.Time) *token {
	ttl := n.opts.LongLivedTTL
	if t.kind == kindPage {
		ttl = 0
	}
	lt := n.issue(t.grant, t.kind, now, ttl)
	lt.pageID, lt.longLived = t.pageID, true
	return lt
}

func (s *Sandbox) nextID() string {
	s.seq++
	return fmt.Sprintf("%d%06d", s.now().Unix(), s.seq)
}

// hasSecret reports whether some app of the network has this secret (Meta's
// long-lived exchanges name no client id).
func (n *network) hasSecret(secret string) bool {
	for _, a := range n.apps {
		if secret != "" && a.ClientSecret == secret {
			return true
		}
	}
	return false
}

func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}
