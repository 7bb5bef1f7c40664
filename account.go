package tokenwatch

import (
	"strings"
	"time"
)

// Account is a tenant: a brand or an agency. It owns locations, users, API
// keys and webhooks.
type Account struct {
	ID   int64
	Name string
	// AlertThresholds overrides the default alert ladder (10 and 3 days
	// before the connection deadline) when not empty; longest first.
	AlertThresholds []time.Duration
	// EscalateAfter overrides how long a page may stay expired or revoked
	// after its terminal alert before the account's owners are told (zero:
	// the service's default, 2 days unless configured).
	EscalateAfter time.Duration
	CreatedAt     time.Time
}

// Location is a place of business or a team, with its own participants and
// pages. Dates shown for its pages are in its time zone.
type Location struct {
	ID        int64
	AccountID int64
	Name      string
	TimeZone  string // IANA name, e.g. "Europe/Paris"
	CreatedAt time.Time
}

// Loc returns the location's time zone, UTC if the name is unknown.
func (l Location) Loc() *time.Location {
	if tz, err := time.LoadLocation(l.TimeZone); err == nil {
		return tz
	}
	return time.UTC
}

// User is a person who signs in. A user belongs to one account; what they
// see there depends on their memberships.
type User struct {
	ID        int64
	AccountID int64
	Email     string // stored lower-case
	Name      string
	// AccountOwner users receive the alerts of pages whose location has
	// nobody who may reconnect them, and administer the account.
	AccountOwner bool
	CreatedAt    time.Time
}

// NormalizeEmail returns the canonical (trimmed, lower-case) form of an
// e-mail address, as stored and compared.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// Role is what a participant may do at a location.
type Role string

// Roles at a location.
const (
	RoleOwner   Role = "owner"
	RoleManager Role = "manager"
	RoleMember  Role = "member"
)

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool { return r == RoleOwner || r == RoleManager || r == RoleMember }

// CanReconnect reports whether the role may connect, reconnect and
// disconnect pages. Members see everything of their location but cannot.
func (r Role) CanReconnect() bool { return r == RoleOwner || r == RoleManager }

// Membership makes a user a participant of a location.
type Membership struct {
	LocationID int64
	UserID     int64
	Role       Role
}

// Participant is a member of a location together with their role, as needed
// to address alerts and to decide who may reconnect.
type Participant struct {
	User
	Role Role
}
