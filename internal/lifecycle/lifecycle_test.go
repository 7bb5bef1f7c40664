package lifecycle

import (
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
)

const (
	hour = time.Hour
	day  = 24 * time.Hour
)

var now = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return now.Add(d) }

func sent(gen int64, steps ...Step) []Sent {
	var s []Sent
	for _, st := range steps {
		s = append(s, Sent{Generation: gen, Step: st})
	}
	return s
}

// TestDeadline follows "Connection deadline" in DESIGN.md.
func TestDeadline(t *testing.T) {
	tests := []struct {
		name  string
		facts Facts
		want  time.Time
	}{
		{"a page with no expiry has no deadline",
			Facts{}, time.Time{}},
		{"an access token tokenwatch cannot refresh: its expiry is the deadline",
			Facts{AccessExpiresAt: at(60 * day)}, at(60 * day)},
		{"a refreshable short-lived token: its expiry is not a deadline",
			Facts{AccessExpiresAt: at(1 * hour), AutoRefresh: true}, time.Time{}},
		{"a refreshable token with a fixed refresh-token expiry: that is the deadline",
			Facts{AccessExpiresAt: at(60 * day), AutoRefresh: true, RefreshExpiresAt: at(300 * day)}, at(300 * day)},
		{"a non-refreshable token expiring before its consent: the token's expiry",
			Facts{AccessExpiresAt: at(60 * day), RefreshExpiresAt: at(300 * day)}, at(60 * day)},
		{"a Meta data-access expiry earlier than the token expiry wins",
			Facts{AccessExpiresAt: at(60 * day), DataAccessExpiresAt: at(20 * day)}, at(20 * day)},
		{"a Meta page token without expiry still ends with data access",
			Facts{DataAccessExpiresAt: at(90 * day)}, at(90 * day)},
		{"a token that can only be prolonged while valid keeps its expiry as a deadline",
			Facts{AccessExpiresAt: at(50 * day), AutoRefresh: true, RefreshBeforeExpiry: true}, at(50 * day)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Deadline(tt.facts); !got.Equal(tt.want) {
				t.Errorf("Deadline = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestStates follows "States" in DESIGN.md.
func TestStates(t *testing.T) {
	p := Default()
	tests := []struct {
		name  string
		facts Facts
		want  tokenwatch.State
	}{
		{"no deadline: healthy", Facts{}, tokenwatch.StateHealthy},
		{"deadline more than 10 days away: healthy", Facts{AccessExpiresAt: at(10*day + time.Minute)}, tokenwatch.StateHealthy},
		{"deadline exactly 10 days away: expiring", Facts{AccessExpiresAt: at(10 * day)}, tokenwatch.StateExpiring},
		{"deadline within 10 days: expiring", Facts{AccessExpiresAt: at(4 * day)}, tokenwatch.StateExpiring},
		{"refreshable short-lived token about to expire: healthy, not expiring",
			Facts{AccessExpiresAt: at(10 * time.Minute), AutoRefresh: true}, tokenwatch.StateHealthy},
		{"deadline passed: expired", Facts{AccessExpiresAt: at(-time.Second)}, tokenwatch.StateExpired},
		{"deadline now: expired", Facts{AccessExpiresAt: now}, tokenwatch.StateExpired},
		{"provider said revoked before the deadline: revoked",
			Facts{AccessExpiresAt: at(40 * day), Problem: tokenwatch.ProblemRevoked}, tokenwatch.StateRevoked},
		{"revoked wins over expired", Facts{AccessExpiresAt: at(-day), Problem: tokenwatch.ProblemRevoked}, tokenwatch.StateRevoked},
		{"scope or role gone: permission missing",
			Facts{AccessExpiresAt: at(40 * day), Problem: tokenwatch.ProblemPermissionMissing}, tokenwatch.StatePermissionMissing},
		{"permission missing and expiring: permission missing",
			Facts{AccessExpiresAt: at(2 * day), Problem: tokenwatch.ProblemPermissionMissing}, tokenwatch.StatePermissionMissing},
		{"permission missing past the deadline: expired",
			Facts{AccessExpiresAt: at(-day), Problem: tokenwatch.ProblemPermissionMissing}, tokenwatch.StateExpired},
		{"Meta 459/464, the user must fix the account: account blocked",
			Facts{Problem: tokenwatch.ProblemAccountBlocked}, tokenwatch.StateAccountBlocked},
		{"a person disconnected the page: disconnected, whatever its expiries said",
			Facts{AccessExpiresAt: at(-day), Problem: tokenwatch.ProblemDisconnected}, tokenwatch.StateDisconnected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p.Evaluate(tt.facts, nil, now).State; got != tt.want {
				t.Errorf("State = %s, want %s", got, tt.want)
			}
		})
	}
}

// TestAlerts follows "Alert thresholds" in DESIGN.md.
func TestAlerts(t *testing.T) {
	custom, err := NewPolicy([]time.Duration{3 * day, 14 * day, 12 * hour}, DefaultCheckEvery)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		policy Policy
		facts  Facts
		sent   []Sent
		want   Step
	}{
		{"healthy: nothing due", Default(), Facts{AccessExpiresAt: at(30 * day)}, nil, StepNone},
		{"no deadline: nothing due, ever", Default(), Facts{}, nil, StepNone},
		{"crossing 10 days: the 10-day alert", Default(), Facts{AccessExpiresAt: at(10 * day)}, nil, "10d"},
		{"10-day alert already sent: nothing", Default(), Facts{AccessExpiresAt: at(9 * day)}, sent(0, "10d"), StepNone},
		{"crossing 3 days after the 10-day alert: the 3-day alert", Default(),
			Facts{AccessExpiresAt: at(3 * day)}, sent(0, "10d"), "3d"},
		{"3-day alert already sent: nothing", Default(), Facts{AccessExpiresAt: at(2 * day)}, sent(0, "10d", "3d"), StepNone},
		{"at expiry: the expiry alert", Default(), Facts{AccessExpiresAt: now}, sent(0, "10d", "3d"), StepExpired},
		{"expiry alert already sent: nothing", Default(), Facts{AccessExpiresAt: at(-day)}, sent(0, "10d", "3d", "expired"), StepNone},
		{"downtime across the 10-day mark into the 3-day window: only the 3-day alert", Default(),
			Facts{AccessExpiresAt: at(2 * day)}, nil, "3d"},
		{"downtime across both marks and the deadline: only the expiry alert", Default(),
			Facts{AccessExpiresAt: at(-hour)}, sent(0, "10d"), StepExpired},
		{"after the 3-day alert, never the 10-day one", Default(),
			Facts{AccessExpiresAt: at(5 * day)}, sent(0, "3d"), StepNone},
		{"a deadline in the past at first sight: the expiry alert only", Default(),
			Facts{AccessExpiresAt: at(-30 * day)}, nil, StepExpired},
		{"a reconnect (new generation) resets the ladder", Default(),
			Facts{AccessExpiresAt: at(9 * day), Generation: 2}, sent(1, "10d", "3d", "expired"), "10d"},
		{"alerts of an older generation do not count", Default(),
			Facts{AccessExpiresAt: at(-day), Generation: 3}, sent(2, "expired"), StepExpired},
		{"revocation alerts at once, whatever the deadline", Default(),
			Facts{AccessExpiresAt: at(40 * day), Problem: tokenwatch.ProblemRevoked}, nil, StepRevoked},
		{"revocation of a page already alerted as expired: nothing more", Default(),
			Facts{AccessExpiresAt: at(-day), Problem: tokenwatch.ProblemRevoked}, sent(0, "expired"), StepNone},
		{"revocation after the 10-day alert: the revocation alert", Default(),
			Facts{AccessExpiresAt: at(8 * day), Problem: tokenwatch.ProblemRevoked}, sent(0, "10d"), StepRevoked},
		{"permission missing alerts at once", Default(),
			Facts{AccessExpiresAt: at(40 * day), Problem: tokenwatch.ProblemPermissionMissing}, nil, StepPermissionMissing},
		{"permission missing, already alerted: nothing until the deadline", Default(),
			Facts{AccessExpiresAt: at(2 * day), Problem: tokenwatch.ProblemPermissionMissing}, sent(0, "permission_missing"), StepNone},
		{"permission missing until the deadline passes: the expiry alert", Default(),
			Facts{AccessExpiresAt: at(-hour), Problem: tokenwatch.ProblemPermissionMissing}, sent(0, "permission_missing"), StepExpired},
		{"account blocked alerts at once", Default(),
			Facts{Problem: tokenwatch.ProblemAccountBlocked}, nil, StepAccountBlocked},
		{"a page disconnected on purpose alerts nobody, even past its old deadline", Default(),
			Facts{AccessExpiresAt: at(-day), Problem: tokenwatch.ProblemDisconnected}, nil, StepNone},
		{"custom thresholds: 14 days", custom, Facts{AccessExpiresAt: at(13 * day)}, nil, "14d"},
		{"custom thresholds: nothing at 10 days after the 14-day alert", custom,
			Facts{AccessExpiresAt: at(10 * day)}, sent(0, "14d"), StepNone},
		{"custom thresholds: 12 hours", custom, Facts{AccessExpiresAt: at(11 * hour)}, sent(0, "14d", "3d"), "12h"},
		{"a refreshable short-lived token never alerts", Default(),
			Facts{AccessExpiresAt: at(time.Minute), AutoRefresh: true}, nil, StepNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.policy.Evaluate(tt.facts, tt.sent, now).Due; got != tt.want {
				t.Errorf("Due = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestNextAt checks that the sweep is told when to come back: the next
// alert, the next refresh ahead of expiry, the next health check.
func TestNextAt(t *testing.T) {
	noChecks, err := NewPolicy(DefaultThresholds, 0)
	if err != nil {
		t.Fatal(err)
	}
	custom30, err := NewPolicy([]time.Duration{30 * day, 3 * day}, 0)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		policy Policy
		facts  Facts
		sent   []Sent
		want   time.Time
	}{
		{"healthy: at the 10-day mark", noChecks, Facts{AccessExpiresAt: at(30 * day)}, nil, at(20 * day)},
		{"10-day alert sent: at the 3-day mark", noChecks, Facts{AccessExpiresAt: at(8 * day)}, sent(0, "10d"), at(5 * day)},
		{"3-day alert sent: at the deadline", noChecks, Facts{AccessExpiresAt: at(2 * day)}, sent(0, "3d"), at(2 * day)},
		{"alert due: now", noChecks, Facts{AccessExpiresAt: at(2 * day)}, nil, now},
		{"expired and alerted: never", noChecks, Facts{AccessExpiresAt: at(-day)}, sent(0, "expired"), time.Time{}},
		{"no deadline, no checks: never", noChecks, Facts{}, nil, time.Time{}},
		{"Meta token refreshed days ahead of expiry", noChecks,
			Facts{AccessExpiresAt: at(50 * day), AutoRefresh: true, RefreshBeforeExpiry: true, RefreshLead: 15 * day}, nil, at(35 * day)},
		{"a token prolonged only while valid is refreshed before the first threshold, whatever its lead", custom30,
			Facts{AccessExpiresAt: at(50 * day), AutoRefresh: true, RefreshBeforeExpiry: true, RefreshLead: 15 * day}, nil, at(19 * day)},
		{"refresh overdue: now or earlier", noChecks,
			Facts{AccessExpiresAt: at(5 * day), AutoRefresh: true, RefreshLead: 15 * day, RefreshExpiresAt: at(200 * day)}, nil, at(-10 * day)},
		{"refresh after a transient failure waits for the backoff", noChecks,
			Facts{AccessExpiresAt: at(5 * day), AutoRefresh: true, RefreshLead: 15 * day, RefreshExpiresAt: at(200 * day), RetryAt: at(10 * time.Minute)},
			nil, at(10 * time.Minute)},
		{"short-lived tokens are refreshed on use, not scheduled", noChecks,
			Facts{AccessExpiresAt: at(hour), AutoRefresh: true}, nil, time.Time{}},
		{"daily check after the last one", Default(), Facts{LastCheckedAt: at(-2 * hour)}, nil, at(22 * hour)},
		{"never checked: check now", Default(), Facts{}, nil, now},
		{"a check failed transiently: retry after the backoff", Default(),
			Facts{LastCheckedAt: at(-2 * day), RetryAt: at(5 * time.Minute)}, nil, at(5 * time.Minute)},
		{"revoked and alerted: no checks, nothing", Default(),
			Facts{Problem: tokenwatch.ProblemRevoked, LastCheckedAt: at(-day)}, sent(0, "revoked"), time.Time{}},
		{"permission missing and alerted: checks go on to see it restored", Default(),
			Facts{Problem: tokenwatch.ProblemPermissionMissing, LastCheckedAt: at(-hour)}, sent(0, "permission_missing"), at(23 * hour)},
		{"disconnected: no token to check or refresh, nothing until a reconnect", Default(),
			Facts{Problem: tokenwatch.ProblemDisconnected, AccessExpiresAt: at(5 * day), AutoRefresh: true, RefreshLead: 15 * day, LastCheckedAt: at(-2 * day)},
			nil, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.policy.Evaluate(tt.facts, tt.sent, now).NextAt; !got.Equal(tt.want) {
				t.Errorf("NextAt = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestEscalation follows "Escalation" in issue 12: a page still expired or
// revoked some time (2 days by default) after its terminal alert alerts the
// account's owners, once per generation.
func TestEscalation(t *testing.T) {
	terminal := func(gen int64, step Step, ago time.Duration, more ...Step) []Sent {
		out := []Sent{{Generation: gen, Step: step, At: at(-ago)}}
		for _, m := range more {
			out = append(out, Sent{Generation: gen, Step: m, At: now})
		}
		return out
	}
	threeDays := Default().WithEscalation(3 * day)
	none, err := NewPolicy(DefaultThresholds, 0)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		policy   Policy
		facts    Facts
		sent     []Sent
		want     Step
		wantNext time.Time
	}{
		{"expired, alerted a day ago: nothing yet, back when the 2 days are up", Default(),
			Facts{AccessExpiresAt: at(-day)}, terminal(0, StepExpired, day), StepNone, at(day)},
		{"expired, alerted 2 days ago: the owners are told", Default(),
			Facts{AccessExpiresAt: at(-2 * day)}, terminal(0, StepExpired, 2*day), StepEscalated, now},
		{"revoked, alerted 3 days ago: the owners are told", Default(),
			Facts{Problem: tokenwatch.ProblemRevoked}, terminal(0, StepRevoked, 3*day), StepEscalated, now},
		{"an account to fix, alerted 2 days ago: the owners are told", Default(),
			Facts{Problem: tokenwatch.ProblemAccountBlocked}, terminal(0, StepAccountBlocked, 2*day), StepEscalated, now},
		{"escalated already: nothing more, ever", Default(),
			Facts{AccessExpiresAt: at(-9 * day)}, terminal(0, StepExpired, 7*day, StepEscalated), StepNone, time.Time{}},
		{"the account's own delay: 3 days", threeDays,
			Facts{AccessExpiresAt: at(-2 * day)}, terminal(0, StepExpired, 2*day), StepNone, at(day)},
		{"reconnected (a new generation): the old escalation does not count, nor the old terminal alert", Default(),
			Facts{AccessExpiresAt: at(-day), Generation: 2}, terminal(1, StepExpired, 5*day, StepEscalated), StepExpired, now},
		{"a new generation expired again 2 days ago: escalated again", Default(),
			Facts{AccessExpiresAt: at(-3 * day), Generation: 2}, append(terminal(1, StepExpired, 9*day, StepEscalated), terminal(2, StepExpired, 2*day)...),
			StepEscalated, now},
		{"fixed in between (healthy now): no escalation", Default(),
			Facts{AccessExpiresAt: at(40 * day)}, terminal(0, StepExpired, 3*day), StepNone, at(30 * day)},
		{"a permission missing is not escalated", Default(),
			Facts{AccessExpiresAt: at(40 * day), Problem: tokenwatch.ProblemPermissionMissing},
			[]Sent{{Step: StepPermissionMissing, At: at(-5 * day)}}, StepNone, at(40 * day)},
		{"a policy without escalation: nothing", none,
			Facts{AccessExpiresAt: at(-5 * day)}, terminal(0, StepExpired, 4*day), StepNone, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.policy.Evaluate(tt.facts, tt.sent, now)
			if d.Due != tt.want || !d.NextAlertAt.Equal(tt.wantNext) {
				t.Errorf("Due %q, next alert %v; want %q, %v", d.Due, d.NextAlertAt, tt.want, tt.wantNext)
			}
		})
	}
}

// TestLadderThroughTime walks one page through time, recording what is sent,
// and checks that each alert goes out once, in order.
func TestLadderThroughTime(t *testing.T) {
	p, err := NewPolicy(DefaultThresholds, 0)
	if err != nil {
		t.Fatal(err)
	}
	walk(t, p, []Step{"10d", "3d", StepExpired})
	// With escalation, 2 days after the expiry alert the owners are told.
	walk(t, p.WithEscalation(2*day), []Step{"10d", "3d", StepExpired, StepEscalated})
}

// walk takes a page that expires in 15 days through 20 days, an hour at a
// time, and checks what is sent.
func walk(t *testing.T, p Policy, want []Step) {
	t.Helper()
	facts := Facts{AccessExpiresAt: at(15 * day)}
	var record []Sent
	var got []Step
	for clock := now; clock.Before(at(20 * day)); clock = clock.Add(hour) {
		d := p.Evaluate(facts, record, clock)
		if d.Due != StepNone {
			got = append(got, d.Due)
			record = append(record, Sent{Generation: facts.Generation, Step: d.Due, At: clock})
		}
		if next := p.Evaluate(facts, record, clock).NextAt; !next.IsZero() && !next.After(clock) {
			t.Fatalf("at %v: NextAt %v is not in the future after sending", clock, next)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("sent %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("sent %v, want %v", got, want)
		}
	}
}

func TestNewPolicyRejectsBadThresholds(t *testing.T) {
	for _, ts := range [][]time.Duration{nil, {0}, {-day}, {3 * day, 3 * day}} {
		if _, err := NewPolicy(ts, day); err == nil {
			t.Errorf("NewPolicy(%v) accepted", ts)
		}
	}
	if _, err := NewPolicy(DefaultThresholds, -time.Second); err == nil {
		t.Error("NewPolicy accepted a negative check interval")
	}
}

func TestThresholdStep(t *testing.T) {
	for d, want := range map[time.Duration]Step{10 * day: "10d", 36 * hour: "36h", 90 * time.Minute: "1h30m0s"} {
		if got := ThresholdStep(d); got != want {
			t.Errorf("ThresholdStep(%v) = %q, want %q", d, got, want)
		}
	}
}

func BenchmarkEvaluate(b *testing.B) {
	p := Default()
	facts := Facts{AccessExpiresAt: at(2 * day), DataAccessExpiresAt: at(20 * day), LastCheckedAt: at(-hour), Generation: 4}
	record := sent(4, "10d")
	b.ReportAllocs()
	for b.Loop() {
		d := p.Evaluate(facts, record, now)
		if d.Due != "3d" {
			b.Fatal(d.Due)
		}
	}
}
