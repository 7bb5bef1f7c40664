package web

import (
	"sync"
	"time"
)

// loginLimiter slows down password guessing: after too many failures for
// one address or from one client within the window, sign-in is refused
// until the window has passed.
type loginLimiter struct {
	mu       sync.Mutex
	now      func() time.Time
	failures map[string][]time.Time
}

const (
	limitWindow   = 15 * time.Minute
	limitPerEmail = 5
	limitPerIP    = 20
)

func newLoginLimiter(now func() time.Time) *loginLimiter {
	return &loginLimiter{now: now, failures: map[string][]time.Time{}}
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
	for key, limit := range map[string]int{"ip:" + ip: limitPerIP, "email:" + email: limitPerEmail} {
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
	now := l.now()
	l.failures["ip:"+ip] = append(l.recent("ip:"+ip), now)
	l.failures["email:"+email] = append(l.recent("email:"+email), now)
}

func (l *loginLimiter) succeeded(email string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failures, "email:"+email)
}
