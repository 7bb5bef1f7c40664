package api

import (
	"math"
	"sync"
	"time"
)

// limiter is a token bucket per API key, in this process: each key may
// make rate requests a second, in bursts of burst.
type limiter struct {
	rate  float64
	burst float64
	mu    sync.Mutex
	keys  map[int64]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(rate float64, burst int) *limiter {
	return &limiter{rate: rate, burst: float64(burst), keys: map[int64]*bucket{}}
}

// take spends a request of key at now; it returns zero if the key may go
// on, else how long it must wait.
func (l *limiter) take(key int64, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.keys[key]
	if b == nil {
		b = &bucket{tokens: l.burst, at: now}
		l.keys[key] = b
	}
	if elapsed := now.Sub(b.at).Seconds(); elapsed > 0 {
		b.tokens = math.Min(l.burst, b.tokens+elapsed*l.rate)
		b.at = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return 0
	}
	return time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
}
