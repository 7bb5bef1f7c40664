package tokenwatch

import "time"

// State is where a page stands with its connection, as computed by the
// lifecycle policy.
type State string

// States. Every state but StateHealthy is an issue: it is listed on the
// Issues page, counted in the menu, shown at login and marked in the
// calendar and the post form.
const (
	StateHealthy           State = "healthy"            // deadline beyond the first alert threshold, or none
	StateExpiring          State = "expiring"           // deadline within the first alert threshold
	StateExpired           State = "expired"            // deadline passed
	StateRevoked           State = "revoked"            // the provider says the grant is dead
	StatePermissionMissing State = "permission_missing" // a needed scope or page role is gone
	StateAccountBlocked    State = "account_blocked"    // the user must fix their provider account first
	// StateDisconnected: someone disconnected the page on purpose;
	// tokenwatch holds no token for it until it is reconnected. Its posts
	// are held and nobody is alerted (the audit log says who did it).
	StateDisconnected State = "disconnected"
)

// States lists every state, worst first.
var States = []State{StateRevoked, StateAccountBlocked, StateExpired, StateDisconnected, StatePermissionMissing, StateExpiring, StateHealthy}

// Valid reports whether s is a known state.
func (s State) Valid() bool {
	for _, v := range States {
		if s == v {
			return true
		}
	}
	return false
}

// IsIssue reports whether the page needs a person's attention.
func (s State) IsIssue() bool { return s != StateHealthy && s != "" }

// Publishable reports whether posts can go out on a page in this state.
// An expiring page still publishes; the others hold their posts.
func (s State) Publishable() bool { return s == StateHealthy || s == StateExpiring }

// Severity orders states for sorting, worst (highest) first.
func (s State) Severity() int {
	for i, v := range States {
		if s == v {
			return len(States) - i
		}
	}
	return 0
}

// Label is the state in words for people.
func (s State) Label() string {
	switch s {
	case StateHealthy:
		return "Connected"
	case StateExpiring:
		return "Expiring"
	case StateExpired:
		return "Expired"
	case StateRevoked:
		return "Access revoked"
	case StatePermissionMissing:
		return "Permission missing"
	case StateAccountBlocked:
		return "Account needs attention"
	case StateDisconnected:
		return "Disconnected"
	}
	return string(s)
}

// Problem is what a provider told us about a grant before its deadline. It
// is a fact stored on the page; the state is derived from it and from the
// deadline.
type Problem string

// Problems.
const (
	ProblemNone              Problem = ""
	ProblemRevoked           Problem = "revoked"
	ProblemPermissionMissing Problem = "permission_missing"
	ProblemAccountBlocked    Problem = "account_blocked"
	// ProblemDisconnected: a person disconnected the page; its tokens are
	// gone.
	ProblemDisconnected Problem = "disconnected"
)

// Valid reports whether p is a known problem (or none).
func (p Problem) Valid() bool {
	switch p {
	case ProblemNone, ProblemRevoked, ProblemPermissionMissing, ProblemAccountBlocked, ProblemDisconnected:
		return true
	}
	return false
}

// ErrorClass is the triage of a provider error.
type ErrorClass string

// Error classes.
const (
	ClassMustReconnect     ErrorClass = "must_reconnect"     // the grant is dead; a person must reconnect
	ClassPermissionMissing ErrorClass = "permission_missing" // re-consent with the scope, or restore the role
	ClassAccountBlocked    ErrorClass = "account_blocked"    // the user must fix their provider account first
	ClassTransient         ErrorClass = "transient"          // 5xx, timeouts, rate limits: retry, change nothing
	// ClassService is a refusal of tokenwatch's own app or configuration
	// at the network (a wrong client secret, a retired API version, an
	// exhausted quota, no credits, an app not approved for a permission):
	// no page is at fault and reconnecting would not help. It changes no
	// page's state and opens a service problem for the network instead.
	ClassService ErrorClass = "service"
)

// ChangesPage reports whether an error of this class says something about
// the page's grant (a person must act on the page). Transient failures and
// service problems do not: the page keeps its state and the call is retried.
func (c ErrorClass) ChangesPage() bool {
	return c == ClassMustReconnect || c == ClassPermissionMissing || c == ClassAccountBlocked
}

// Problem returns the problem a provider error of this class means for the
// page; transient errors mean none.
func (c ErrorClass) Problem() Problem {
	switch c {
	case ClassMustReconnect:
		return ProblemRevoked
	case ClassPermissionMissing:
		return ProblemPermissionMissing
	case ClassAccountBlocked:
		return ProblemAccountBlocked
	}
	return ProblemNone
}

// PageError is the last classified provider error seen for a page. Message
// is the provider's explanation, cleaned of any credential.
type PageError struct {
	Class   ErrorClass
	Message string
	At      time.Time
}

// Page is a connection: one page or account of a provider, attached to a
// location, with the facts about its tokens. The tokens themselves are not
// here: they are read separately, decrypted, by the few callers that send
// them (see Credentials).
type Page struct {
	ID             int64
	AccountID      int64
	LocationID     int64
	Provider       Provider
	ProviderPageID string
	Name           string

	// ConnectedBy is the user who connected the page: its page admin, the
	// contact shown to viewers who cannot reconnect.
	ConnectedBy int64
	// ProviderUserID and ProviderUserName identify the provider-side account
	// that granted access; a reconnect must come from the same one.
	ProviderUserID   string
	ProviderUserName string
	Scopes           []string

	// AccessExpiresAt is the access token's expiry (zero: none).
	AccessExpiresAt time.Time
	// RefreshExpiresAt is the refresh-token or consent expiry (zero: none).
	RefreshExpiresAt time.Time
	// DataAccessExpiresAt is Meta's data-access expiry (zero: none).
	DataAccessExpiresAt time.Time
	// AutoRefresh says tokenwatch can prolong the access token by itself
	// (the provider allows it and tokenwatch holds what it needs).
	AutoRefresh bool
	// RefreshBeforeExpiry says only a still-valid access token can be
	// prolonged (Meta, Instagram, Threads), so its expiry stays a deadline.
	RefreshBeforeExpiry bool
	// RefreshLead is how long before the access-token expiry tokenwatch
	// refreshes it; zero means only when it is used.
	RefreshLead time.Duration

	Problem       Problem
	LastCheckedAt time.Time
	LastError     *PageError
	// RetryAt is when to try a refresh or check again after a transient
	// failure (zero: no backoff pending).
	RetryAt time.Time
	// Generation counts grants: it is bumped on every reconnect and on every
	// refresh that yields a new grant or pushes the deadline out. Alerts are
	// sent at most once per generation, so a new one restarts the ladder.
	Generation int64
	// State is the state as of the last evaluation; views recompute it.
	State State
	// NextDueAt is when the page's last change (a connection, a refresh, a
	// check, a reconnect) asked for it to be looked at. The sweep keeps the
	// schedule itself in its due queue and does not update it.
	NextDueAt time.Time
	// DeliveryError says why an alert about the page could not be
	// delivered for good (a malformed recipient address); empty if none.
	DeliveryError string

	CreatedAt time.Time
	UpdatedAt time.Time
}

// Credentials are a page's decrypted tokens.
type Credentials struct {
	AccessToken  Secret
	RefreshToken Secret
}
