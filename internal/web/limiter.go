package web

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// loginLimiter slows down password guessing. Failures are counted within a
// window for three keys: an address tried from one client (small limit),
// one client (larger, for a client trying many addresses), and one address
// from anywhere (largest, against guessing spread over many clients). When
// a count reaches its limit, sign-in for that key is refused until the
// oldest counted failure leaves the window. Keying the small limit by
// client as well means nobody can lock a person out of their account with a
// few wrong passwords from elsewhere.
type loginLimiter struct {
	mu       sync.Mutex
	now      func() time.Time
	failures map[string][]time.Time
}

const (
	limitWindow         = 15 * time.Minute
	limitPerEmailAndIP  = 5
	limitPerIP          = 20
	limitPerEmail       = 100
	limiterPruneAtCount = 10000
)

func newLoginLimiter(now func() time.Time) *loginLimiter {
	return &loginLimiter{now: now, failures: map[string][]time.Time{}}
}

func limiterKeys(ip, email string) map[string]int {
	return map[string]int{"ip:" + ip: limitPerIP, "email:" + email: limitPerEmail, "pair:" + ip + " " + email: limitPerEmailAndIP}
}

// recent drops failures older than the window and returns what is left.
func (l *loginLimiter) recent(key string) []time.Time {
	cutoff := l.now().Add(-limitWindow)
	fs := l.failures[key]
	i := 0
	for i < len(fs) && fs[i].Before(cutoff) {
		i++
	}
	fs = fs[i:]
	if len(fs) == 0 {
		delete(l.failures, key)
	} else {
		l.failures[key] = fs
	}
	return fs
}

// blocked returns how long the client must wait, zero if it may try.
func (l *loginLimiter) blocked(ip, email string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	var wait time.Duration
	for key, limit := range limiterKeys(ip, email) {
		fs := l.recent(key)
		if len(fs) >= limit {
			if w := fs[len(fs)-limit].Add(limitWindow).Sub(l.now()); w > wait {
				wait = w
			}
		}
	}
	return wait
}

func (l *loginLimiter) failed(ip, email string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.failures) >= limiterPruneAtCount {
		for key := range l.failures {
			l.recent(key)
		}
	}
	now := l.now()
	for key := range limiterKeys(ip, email) {
		l.failures[key] = append(l.recent(key), now)
	}
}

func (l *loginLimiter) succeeded(ip, email string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failures, "pair:"+ip+" "+email)
}

// clientIP is the address of the client: the connection's peer, or, when
// the peer is a trusted proxy, the last address in X-Forwarded-For that is
// not one of the trusted proxies.
func clientIP(r *http.Request, trusted []netip.Prefix) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	isTrusted := func(s string) bool {
		ip, err := netip.ParseAddr(strings.TrimSpace(s))
		if err != nil {
			return false
		}
		for _, p := range trusted {
			if p.Contains(ip.Unmap()) {
				return true
			}
		}
		return false
	}
	if !isTrusted(host) {
		return host
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		if hop != "" && !isTrusted(hop) {
			return hop
		}
	}
	return host
}
