// Package lifecycle is the policy at the heart of tokenwatch: given what is
// known about a page's tokens, the alerts already sent and the current time,
// it says when a person will have to reconnect the page (its connection
// deadline), what state the page is in, which alert is due now, and when
// anything next becomes due (an alert, a refresh ahead of expiry, a health
// check).
//
// It does no I/O and reads no clock: callers pass the time in. The rules
// are those of the Lifecycle section of DESIGN.md; lifecycle_test.go reads
// like that section.
package lifecycle

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/tokenwatch/tokenwatch"
)

// Step is one alert: a threshold before the deadline ("10d", "3d"), the
// deadline itself ("expired"), or a problem reported by the provider.
type Step string

// Steps that are not thresholds.
const (
	StepNone              Step = ""
	StepExpired           Step = "expired"
	StepRevoked           Step = "revoked"
	StepPermissionMissing Step = "permission_missing"
	StepAccountBlocked    Step = "account_blocked"
	// StepEscalated tells the account's owners that a page is still
	// disconnected some time after its terminal alert (Policy.EscalateAfter).
	StepEscalated Step = "escalated"
)

// ThresholdStep names the alert sent when a page comes within d of its
// deadline: "10d" for whole days, "36h" for whole hours, else Go's duration
// syntax.
func ThresholdStep(d time.Duration) Step {
	switch {
	case d%(24*time.Hour) == 0:
		return Step(strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d")
	case d%time.Hour == 0:
		return Step(strconv.FormatInt(int64(d/time.Hour), 10) + "h")
	}
	return Step(d.String())
}

// Terminal reports whether the step tells people the page is disconnected
// now (as opposed to a warning ahead of time). At most one terminal alert is
// sent per generation: a page that expired and is then found revoked does
// not warn twice.
func (s Step) Terminal() bool {
	return s == StepExpired || s == StepRevoked || s == StepAccountBlocked
}

// Sent is an alert already recorded for a page.
type Sent struct {
	Generation int64
	Step       Step
	// At is when it was recorded (escalation counts from the terminal
	// alert's).
	At time.Time
}

// Facts is what the policy needs to know about a page.
type Facts struct {
	// AccessExpiresAt, RefreshExpiresAt and DataAccessExpiresAt are the
	// expiries of the access token, of the refresh token or consent, and of
	// Meta's data access. Zero means none.
	AccessExpiresAt     time.Time
	RefreshExpiresAt    time.Time
	DataAccessExpiresAt time.Time

	// AutoRefresh says tokenwatch can prolong the access token itself.
	AutoRefresh bool
	// RefreshBeforeExpiry says the provider prolongs only a still-valid
	// access token (Meta's exchange, Instagram's and Threads' refresh): its
	// expiry stays a deadline, which a timely refresh keeps pushing out.
	RefreshBeforeExpiry bool
	// RefreshLead is how long before the access-token expiry to refresh it.
	// Zero means it is refreshed only when used.
	RefreshLead time.Duration

	// Problem is what a provider said about the grant before its deadline.
	Problem tokenwatch.Problem

	// LastCheckedAt is when the token was last introspected (zero: never).
	LastCheckedAt time.Time
	// RetryAt, when set, is the earliest moment to try a refresh or a check
	// again after a transient provider failure (the caller's backoff).
	RetryAt time.Time

	// Generation is the page's current token generation.
	Generation int64
}

// FactsOf returns the facts the policy needs from a page.
func FactsOf(p *tokenwatch.Page) Facts {
	return Facts{
		AccessExpiresAt:     p.AccessExpiresAt,
		RefreshExpiresAt:    p.RefreshExpiresAt,
		DataAccessExpiresAt: p.DataAccessExpiresAt,
		AutoRefresh:         p.AutoRefresh,
		RefreshBeforeExpiry: p.RefreshBeforeExpiry,
		RefreshLead:         p.RefreshLead,
		Problem:             p.Problem,
		LastCheckedAt:       p.LastCheckedAt,
		RetryAt:             p.RetryAt,
		Generation:          p.Generation,
	}
}

// Policy holds the settings of the lifecycle: the alert thresholds and how
// often tokens are checked. The zero Policy is not valid; use Default or
// NewPolicy.
type Policy struct {
	thresholds []time.Duration // longest first
	steps      []Step          // ThresholdStep of each threshold
	checkEvery time.Duration
	escalate   time.Duration // zero: no escalation
}

// Default alert thresholds and health-check interval.
var (
	DefaultThresholds = []time.Duration{10 * 24 * time.Hour, 3 * 24 * time.Hour}
	DefaultCheckEvery = 24 * time.Hour
	// DefaultEscalateAfter is how long a page may stay disconnected after
	// its terminal alert before the account's owners are told.
	DefaultEscalateAfter = 2 * 24 * time.Hour
)

// Default returns the policy of DESIGN.md: alerts 10 and 3 days before the
// deadline and at expiry, the account's owners told when a page is still
// disconnected 2 days after that, tokens checked daily.
func Default() Policy {
	p, err := NewPolicy(DefaultThresholds, DefaultCheckEvery)
	if err != nil {
		panic(err) // the defaults are valid
	}
	return p.WithEscalation(DefaultEscalateAfter)
}

// NewPolicy returns a policy with the given alert thresholds (in any order;
// each positive, no two equal) and health-check interval (zero: no
// scheduled checks).
func NewPolicy(thresholds []time.Duration, checkEvery time.Duration) (Policy, error) {
	if len(thresholds) == 0 {
		return Policy{}, errors.New("at least one alert threshold is needed")
	}
	if checkEvery < 0 {
		return Policy{}, fmt.Errorf("health-check interval %v is negative", checkEvery)
	}
	ts := slices.Clone(thresholds)
	slices.SortFunc(ts, func(a, b time.Duration) int { return cmp.Compare(b, a) })
	steps := make([]Step, len(ts))
	for i, t := range ts {
		if t <= 0 {
			return Policy{}, fmt.Errorf("alert threshold %v is not positive", t)
		}
		if i > 0 && ts[i-1] == t {
			return Policy{}, fmt.Errorf("alert threshold %v is given twice", t)
		}
		steps[i] = ThresholdStep(t)
	}
	return Policy{thresholds: ts, steps: steps, checkEvery: checkEvery}, nil
}

// WithThresholds returns the policy with other alert thresholds (an
// account's own), or p itself when ts is empty or not a valid ladder.
func (p Policy) WithThresholds(ts []time.Duration) Policy {
	if len(ts) == 0 {
		return p
	}
	q, err := NewPolicy(ts, p.checkEvery)
	if err != nil {
		return p
	}
	q.escalate = p.escalate
	return q
}

// WithEscalation returns the policy with another escalation delay (an
// account's own); zero or less keeps p's.
func (p Policy) WithEscalation(d time.Duration) Policy {
	if d > 0 {
		p.escalate = d
	}
	return p
}

// EscalateAfter returns how long after its terminal alert a page that is
// still disconnected is escalated to the account's owners (zero: never).
func (p Policy) EscalateAfter() time.Duration { return p.escalate }

// CheckEvery returns the health-check interval.
func (p Policy) CheckEvery() time.Duration { return p.checkEvery }

// Thresholds returns the alert thresholds, longest first.
func (p Policy) Thresholds() []time.Duration { return slices.Clone(p.thresholds) }

// Steps returns the threshold alerts of the ladder, least urgent first,
// followed by StepExpired.
func (p Policy) Steps() []Step { return append(slices.Clone(p.steps), StepExpired) }

// Decision is the policy's verdict on a page at a moment.
type Decision struct {
	// Deadline is when a person must reconnect the page; zero if none.
	Deadline time.Time
	State    tokenwatch.State
	// Due is the alert to send now, StepNone if none.
	Due Step
	// NextAlertAt is when the next alert or state change comes if nothing
	// else happens (zero: never); it is the decision moment itself when an
	// alert is due.
	NextAlertAt time.Time
	// RefreshAt is when tokenwatch should refresh the access token ahead of
	// its expiry (zero: not scheduled); it may be in the past.
	RefreshAt time.Time
	// CheckAt is when the token should next be introspected (zero: not
	// scheduled); it may be in the past.
	CheckAt time.Time
	// NextAt is the earliest of NextAlertAt, RefreshAt and CheckAt: when
	// the page next needs attention. Zero means never.
	NextAt time.Time
}

// Deadline returns the connection deadline of a page: the earliest of the
// access-token expiry when tokenwatch cannot prolong the token by itself (or
// can only while it is valid), the refresh-token or consent expiry and the
// data-access expiry. Zero means there is none.
func Deadline(f Facts) time.Time {
	var d time.Time
	earliest := func(t time.Time) {
		if !t.IsZero() && (d.IsZero() || t.Before(d)) {
			d = t
		}
	}
	if !f.AutoRefresh || f.RefreshBeforeExpiry {
		earliest(f.AccessExpiresAt)
	}
	earliest(f.RefreshExpiresAt)
	earliest(f.DataAccessExpiresAt)
	return d
}

// Evaluate applies the policy to a page at now. sent lists the alerts
// already recorded for the page; those of other generations are ignored.
func (p Policy) Evaluate(f Facts, sent []Sent, now time.Time) Decision {
	d := Decision{Deadline: Deadline(f)}
	d.State = p.state(f, d.Deadline, now)
	if d.State == tokenwatch.StateDisconnected {
		// Nothing to alert, refresh or check: there is no grant until a
		// person reconnects the page.
		d.Deadline = time.Time{}
		return d
	}

	var mostUrgentSent = -1 // index in the ladder; len(steps) for terminal
	var (
		permissionSent, escalated bool
		terminalAt                time.Time
	)
	for _, s := range sent {
		if s.Generation != f.Generation {
			continue
		}
		switch {
		case s.Step.Terminal():
			mostUrgentSent = len(p.steps)
			if terminalAt.IsZero() || s.At.Before(terminalAt) {
				terminalAt = s.At
			}
		case s.Step == StepEscalated:
			escalated = true
		case s.Step == StepPermissionMissing:
			permissionSent = true
		default:
			if i := slices.Index(p.steps, s.Step); i > mostUrgentSent {
				mostUrgentSent = i
			}
		}
	}
	terminalSent := mostUrgentSent == len(p.steps)

	switch d.State {
	case tokenwatch.StateRevoked, tokenwatch.StateAccountBlocked, tokenwatch.StateExpired:
		switch {
		case !terminalSent:
			d.Due = Step(d.State)
		case !escalated && p.escalate > 0 && !terminalAt.IsZero():
			// Still disconnected: the owners are told once the delay since
			// the terminal alert has passed.
			if at := terminalAt.Add(p.escalate); now.Before(at) {
				d.NextAlertAt = at
			} else {
				d.Due = StepEscalated
			}
		}
	case tokenwatch.StatePermissionMissing:
		if !terminalSent && !permissionSent {
			d.Due = StepPermissionMissing
		}
		if !d.Deadline.IsZero() && now.Before(d.Deadline) {
			d.NextAlertAt = d.Deadline
		}
	case tokenwatch.StateExpiring, tokenwatch.StateHealthy:
		// The most urgent threshold crossed is the one due; the ones it
		// overtook during downtime are not sent.
		crossed := -1
		for i, t := range p.thresholds {
			if !d.Deadline.IsZero() && !now.Before(d.Deadline.Add(-t)) {
				crossed = i
			}
		}
		if crossed >= 0 && crossed > mostUrgentSent {
			d.Due = p.steps[crossed]
		}
		if !d.Deadline.IsZero() {
			d.NextAlertAt = d.Deadline
			if crossed+1 < len(p.thresholds) {
				d.NextAlertAt = d.Deadline.Add(-p.thresholds[crossed+1])
			}
		}
	}
	if d.Due != StepNone {
		d.NextAlertAt = now
	}

	if lead := p.refreshLead(f); f.AutoRefresh && lead > 0 && !f.AccessExpiresAt.IsZero() && d.State.Publishable() {
		d.RefreshAt = later(f.AccessExpiresAt.Add(-lead), f.RetryAt)
	}
	if p.checkEvery > 0 && d.State != tokenwatch.StateRevoked && d.State != tokenwatch.StateExpired {
		d.CheckAt = later(f.LastCheckedAt.Add(p.checkEvery), f.RetryAt)
		if f.LastCheckedAt.IsZero() {
			d.CheckAt = later(now, f.RetryAt)
		}
	}
	d.NextAt = earliest(d.NextAlertAt, d.RefreshAt, d.CheckAt)
	return d
}

// refreshLead is how long before its expiry an access token is refreshed.
// A token that can only be prolonged while valid is an access deadline:
// it is refreshed before the first alert threshold is reached, so that a
// working refresh never lets the page look expiring.
func (p Policy) refreshLead(f Facts) time.Duration {
	if f.RefreshBeforeExpiry && f.RefreshLead > 0 {
		return max(f.RefreshLead, p.thresholds[0]+24*time.Hour)
	}
	return f.RefreshLead
}

func (p Policy) state(f Facts, deadline, now time.Time) tokenwatch.State {
	switch {
	case f.Problem == tokenwatch.ProblemDisconnected:
		return tokenwatch.StateDisconnected
	case f.Problem == tokenwatch.ProblemRevoked:
		return tokenwatch.StateRevoked
	case f.Problem == tokenwatch.ProblemAccountBlocked:
		return tokenwatch.StateAccountBlocked
	case !deadline.IsZero() && !now.Before(deadline):
		return tokenwatch.StateExpired
	case f.Problem == tokenwatch.ProblemPermissionMissing:
		return tokenwatch.StatePermissionMissing
	case !deadline.IsZero() && deadline.Sub(now) <= p.thresholds[0]:
		return tokenwatch.StateExpiring
	}
	return tokenwatch.StateHealthy
}

// later returns the later of t and notBefore (t if notBefore is zero).
func later(t, notBefore time.Time) time.Time {
	if t.Before(notBefore) {
		return notBefore
	}
	return t
}

// earliest returns the earliest non-zero time, or zero.
func earliest(ts ...time.Time) time.Time {
	var e time.Time
	for _, t := range ts {
		if !t.IsZero() && (e.IsZero() || t.Before(e)) {
			e = t
		}
	}
	return e
}
