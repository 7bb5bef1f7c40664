// Package access decides who may see and do what in tokenwatch: one pure
// decision that the web UI, the API and the OAuth flow all ask, and the
// rule of which network account may answer a reconnect. It does no I/O:
// callers load the actor (a signed-in user with their roles, an API key with
// its scopes, a single-use reconnect link, an API reconnect session) and the
// target (a page or a location) and pass them in; access_test.go reads like
// the permissions of DESIGN.md.
package access

import (
	"slices"

	"github.com/tokenwatch/tokenwatch"
)

// Kind is what kind of actor asks.
type Kind string

// Actor kinds.
const (
	// KindUser is a signed-in participant: what they see and do follows
	// their role at each location (and account ownership).
	KindUser Kind = "user"
	// KindAPIKey is the platform calling the API with an account's key:
	// everything of the account, as far as the key's scopes go.
	KindAPIKey Kind = "api_key"
	// KindRequest is a person without an account answering a single-use
	// reconnect link: that one page, for reconnecting only.
	KindRequest Kind = "request"
	// KindSession is the platform's user sent to tokenwatch by an API
	// reconnect (or connect) session: the pages (or the location) it names,
	// for reconnecting (or connecting) only.
	KindSession Kind = "session"
)

// Scope is what an API key may do.
type Scope string

// API key scopes.
const (
	ScopeRead   Scope = "read"   // read everything of the account
	ScopeWrite  Scope = "write"  // change the account: locations, people, pages, posts, settings
	ScopeTokens Scope = "tokens" // be handed pages' access tokens
)

// Actor is who asks, as far as deciding needs.
type Actor struct {
	Kind      Kind
	AccountID int64
	// UserID and Owner (an account owner) describe a KindUser; Roles is
	// their role at each location they take part in.
	UserID int64
	Owner  bool
	Roles  map[int64]tokenwatch.Role
	// Scopes are a KindAPIKey's.
	Scopes []Scope
	// PageIDs are the pages a KindRequest or KindSession is bound to;
	// LocationID the location a connecting KindSession adds pages to.
	PageIDs    []int64
	LocationID int64
}

// Action is what the actor wants to do.
type Action string

// Actions.
const (
	See        Action = "see"        // read a page or location and its history
	Reconnect  Action = "reconnect"  // run the consent that renews a page's grant
	Check      Action = "check"      // ask the network about a page's token now
	Disconnect Action = "disconnect" // remove a page (its posts are held)
	Connect    Action = "connect"    // add pages to a location
	Post       Action = "post"       // schedule posts to a location's pages
	Ask        Action = "ask"        // ask someone else to reconnect a page
	Token      Action = "token"      // be handed a page's access token
	People     Action = "people"     // invite, change roles, remove people at a location
	Settings   Action = "settings"   // the account's settings: thresholds, webhooks, API keys
	Channels   Action = "channels"   // a location's chat channels (Slack, Teams): add, remove, test
)

// Target is what the action is about: a page (PageID and the location it
// is at) or a location (PageID zero), always of an account.
type Target struct {
	AccountID  int64
	LocationID int64
	PageID     int64
	// OwnerRole says the target is a person who owns the account (People:
	// only owners act on owners).
	OwnerRole bool
}

// Decision is the answer.
type Decision int

// Decisions. NotFound is the answer whenever the target is not the actor's
// to see at all: ids of other accounts and locations must not leak.
const (
	NotFound Decision = iota
	Forbidden
	Allowed
)

// Decide says whether a may do act on t.
func Decide(a Actor, act Action, t Target) Decision {
	if a.AccountID == 0 || t.AccountID != a.AccountID {
		return NotFound
	}
	switch a.Kind {
	case KindUser:
		return decideUser(a, act, t)
	case KindAPIKey:
		return decideKey(a, act, t)
	case KindRequest, KindSession:
		return decideBound(a, act, t)
	}
	return NotFound
}

func decideUser(a Actor, act Action, t Target) Decision {
	role, takesPart := a.Roles[t.LocationID]
	if act == Settings {
		if a.Owner {
			return Allowed
		}
		return Forbidden
	}
	if t.LocationID == 0 {
		// The account itself: owners see and run it, others see what
		// their locations show them.
		switch {
		case a.Owner:
			return Allowed
		case act == See:
			return Allowed
		}
		return Forbidden
	}
	if !takesPart && !a.Owner {
		return NotFound
	}
	if a.Owner {
		role = tokenwatch.RoleOwner
	}
	switch act {
	case See, Ask, Post:
		return Allowed
	case Reconnect, Check, Disconnect, Connect, Channels:
		if role.CanReconnect() {
			return Allowed
		}
	case People:
		if t.OwnerRole && !a.Owner {
			return Forbidden
		}
		if role.CanReconnect() {
			return Allowed
		}
	}
	return Forbidden
}

func decideKey(a Actor, act Action, t Target) Decision {
	need := ScopeWrite
	switch act {
	case See:
		need = ScopeRead
	case Token:
		need = ScopeTokens
	}
	if slices.Contains(a.Scopes, need) {
		return Allowed
	}
	if act != Token && need == ScopeRead && slices.Contains(a.Scopes, ScopeWrite) {
		return Allowed // a key that may change the account may read it
	}
	return Forbidden
}

// decideBound: a reconnect link or session exists for its pages (or its
// location) only, and only to reconnect (or connect) them.
func decideBound(a Actor, act Action, t Target) Decision {
	bound := t.PageID != 0 && slices.Contains(a.PageIDs, t.PageID)
	if a.Kind == KindSession && a.LocationID != 0 && t.PageID == 0 && t.LocationID == a.LocationID {
		if act == Connect || act == See {
			return Allowed
		}
		return Forbidden
	}
	if !bound {
		return NotFound
	}
	switch act {
	case See, Reconnect:
		return Allowed
	}
	return Forbidden
}

// Account is the network account a consent came back with, and what it
// holds on the page being renewed.
type Account struct {
	// UserID and UserName identify the network account that consented.
	UserID, UserName string
	// Listed says the page is among those the account may act on at the
	// network; Eligible that its role there is enough to connect it, and
	// Refusal, when not, says which role is needed.
	Listed, Eligible bool
	Refusal          string
}

// Verdict is whether a consent may renew a page, and if not why, in words
// to show the person who consented.
type Verdict struct {
	OK     bool
	Reason string
}

// MayRenew says whether a consent by acct may renew page p. The same
// network account as the one that connected the page is required (so a
// page cannot quietly move to someone else's grant), unless anyAccount (a
// requester allowed any account with the role); either way the account must
// still hold a role on the page that is enough to connect it. requiredRole
// names that role in the network's words.
func MayRenew(p *tokenwatch.Page, acct Account, anyAccount bool, requiredRole string) Verdict {
	net := p.Provider.DisplayName()
	switch {
	case !anyAccount && acct.UserID != p.ProviderUserID:
		return Verdict{Reason: "\"" + p.Name + "\" was connected with the " + net + " account \"" + p.ProviderUserName +
			"\", but the sign-in came back as \"" + acct.UserName + "\". Sign in to " + net + " as \"" + p.ProviderUserName +
			"\" (sign out of " + net + " first if it signs you in automatically) and try again."}
	case !acct.Listed:
		return Verdict{Reason: "The " + net + " account \"" + acct.UserName + "\" has no role on \"" + p.Name + "\". Reconnecting needs " + requiredRole + "."}
	case !acct.Eligible:
		return Verdict{Reason: acct.Refusal}
	}
	return Verdict{OK: true}
}
