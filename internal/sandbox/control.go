package sandbox

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/tokenwatch/tokenwatch"
)

// AddApp registers an OAuth client at network p (replacing one with the
// same client id).
func (s *Sandbox) AddApp(p tokenwatch.Provider, a App) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a.RedirectURIs = slices.Clone(a.RedirectURIs)
	s.net(p).apps[a.ClientID] = &a
}

// AddAccount adds a person's account at network p (replacing one with the
// same id).
func (s *Sandbox) AddAccount(p tokenwatch.Provider, a Account) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.net(p)
	if old := n.account(a.ID); old != nil {
		*old = a
		return
	}
	n.accounts = append(n.accounts, &a)
}

// AddPage adds a page at network p (replacing one with the same id).
func (s *Sandbox) AddPage(p tokenwatch.Provider, pg Page) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.net(p)
	if old := n.page(pg.ID); old != nil {
		*old = pg
		return
	}
	n.pages = append(n.pages, &pg)
}

// SetRole gives user userID the role on page pageID, in the network's own
// words ("MANAGE" or "CREATE_CONTENT" on Facebook, "ADMINISTRATOR" or
// "CONTENT_ADMINISTRATOR" on LinkedIn, "OWNER", "MANAGER" or "SITE_MANAGER"
// on Google Business, "owner" on YouTube). An empty role removes it.
func (s *Sandbox) SetRole(p tokenwatch.Provider, pageID, userID, role string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.net(p)
	if role == "" {
		delete(n.roles[pageID], userID)
		return
	}
	if n.roles[pageID] == nil {
		n.roles[pageID] = map[string]string{}
	}
	n.roles[pageID][userID] = role
}

// GrantRequest asks for a grant issued directly, without consent: seed
// data holding valid sandbox tokens.
type GrantRequest struct {
	ClientID string   `json:"client_id"`
	UserID   string   `json:"user_id"`
	Scopes   []string `json:"scopes"` // what the grant holds; pass the provider's Info().Scopes
	// PageID, for Facebook and Instagram through Facebook, asks for the
	// page token of that page (what tokenwatch stores for them).
	PageID string `json:"page_id,omitempty"`
	// IssuedAt backdates the grant (zero: now).
	IssuedAt time.Time `json:"issued_at,omitzero"`
	// Expiry overrides (zero: the network's usual lifetimes from IssuedAt;
	// Meta tokens are long-lived, page tokens never expire).
	AccessExpiresAt     time.Time `json:"access_expires_at,omitzero"`
	RefreshExpiresAt    time.Time `json:"refresh_expires_at,omitzero"`
	DataAccessExpiresAt time.Time `json:"data_access_expires_at,omitzero"`
}

// Issued is a grant issued directly.
type Issued struct {
	AccessToken         string    `json:"access_token"`
	RefreshToken        string    `json:"refresh_token,omitempty"`
	AccessExpiresAt     time.Time `json:"access_expires_at,omitzero"`
	RefreshExpiresAt    time.Time `json:"refresh_expires_at,omitzero"`
	DataAccessExpiresAt time.Time `json:"data_access_expires_at,omitzero"`
}

// IssueGrant issues a grant at network p as if req.UserID had consented to
// the app req.ClientID.
func (s *Sandbox) IssueGrant(p tokenwatch.Provider, req GrantRequest) (Issued, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.net(p)
	if n.apps[req.ClientID] == nil {
		return Issued{}, fmt.Errorf("sandbox: %s has no app %q", p, req.ClientID)
	}
	if n.account(req.UserID) == nil {
		return Issued{}, fmt.Errorf("sandbox: %s has no account %q", p, req.UserID)
	}
	at := req.IssuedAt
	if at.IsZero() {
		at = s.now()
	}
	g, access, refresh := n.newGrant(req.ClientID, req.UserID, req.Scopes, at)
	if n.opts.LongLivedTTL > 0 {
		access = n.longLived(access, at)
	}
	if req.PageID != "" {
		if n.page(req.PageID) == nil {
			return Issued{}, fmt.Errorf("sandbox: %s has no page %q", p, req.PageID)
		}
		access = n.pageToken(access, req.PageID, at)
	}
	if !req.AccessExpiresAt.IsZero() {
		access.expiresAt = req.AccessExpiresAt
	}
	if !req.DataAccessExpiresAt.IsZero() {
		g.dataAccessExpiresAt = req.DataAccessExpiresAt
	}
	out := Issued{AccessToken: access.value, AccessExpiresAt: access.expiresAt, DataAccessExpiresAt: g.dataAccessExpiresAt}
	if refresh != nil {
		if !req.RefreshExpiresAt.IsZero() {
			refresh.expiresAt, g.refreshExpiresAt = req.RefreshExpiresAt, req.RefreshExpiresAt
		}
		out.RefreshToken, out.RefreshExpiresAt = refresh.value, refresh.expiresAt
	}
	return out, nil
}

var errUnknownToken = errors.New("sandbox: unknown token")

// find returns the token with value v in any network.
func (s *Sandbox) find(v string) (*token, error) {
	for _, n := range s.nets {
		if t := n.tokens[v]; t != nil {
			return t, nil
		}
	}
	return nil, errUnknownToken
}

// Revoke kills the grant that token (any of its access, refresh or page
// tokens) belongs to, as when the user removes the app.
func (s *Sandbox) Revoke(token string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.find(token)
	if err != nil {
		return err
	}
	t.grant.revoked = true
	return nil
}

// RevokeUser kills every grant of user userID at network p and returns how
// many there were.
func (s *Sandbox) RevokeUser(p tokenwatch.Provider, userID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	count := 0
	for _, g := range s.net(p).grants {
		if g.userID == userID && !g.revoked {
			g.revoked = true
			count++
		}
	}
	return count
}

// Expire makes token expire now.
func (s *Sandbox) Expire(token string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.find(token)
	if err != nil {
		return err
	}
	t.expiresAt = s.now().Add(-time.Second)
	return nil
}

// RemoveScope takes scope away from every grant of user userID at network
// p, as when the user unticks a permission in the network's settings.
func (s *Sandbox) RemoveScope(p tokenwatch.Provider, userID, scope string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range s.net(p).grants {
		if g.userID == userID {
			g.scopes = slices.DeleteFunc(g.scopes, func(v string) bool { return v == scope })
		}
	}
}

// Block makes every call with user userID's tokens at network p fail until
// the user fixes their account: Meta answers code 190 with subcode (459
// checkpointed, 464 unconfirmed); X says the account is locked.
func (s *Sandbox) Block(p tokenwatch.Provider, userID string, subcode int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.net(p).blocked[userID] = subcode
}

// Unblock lifts Block.
func (s *Sandbox) Unblock(p tokenwatch.Provider, userID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.net(p).blocked, userID)
}

// Fail plans a fault: the next f.Count matching requests (or all of them,
// until ClearFaults) are answered with f.Status.
func (s *Sandbox) Fail(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// ClearFaults removes every planned fault.
func (s *Sandbox) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// Calls counts the calls of kind op that network p received.
func (s *Sandbox) Calls(p tokenwatch.Provider, op Op) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[p][op]
}

// Posts lists what was published at network p (every network when p is
// empty), oldest first.
func (s *Sandbox) Posts(p tokenwatch.Provider) []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Post
	for _, post := range s.posts {
		if p == "" || post.Provider == p {
			out = append(out, post)
		}
	}
	return out
}

// Secrets lists every token the sandbox ever issued, for tests that check
// none of them leaks.
func (s *Sandbox) Secrets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, n := range s.nets {
		for v := range n.tokens {
			out = append(out, v)
		}
		for v := range n.codes {
			out = append(out, v)
		}
	}
	return out
}
