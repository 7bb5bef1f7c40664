package api

import (
	"testing"
	"time"
)

// A key's use is written at most once a minute, apart from the request.
func TestKeyUseWrittenApart(t *testing.T) {
	t.Parallel()
	u := newUsage()
	t0 := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	u.record(1, t0)
	if u.pending[1] != t0 {
		t.Fatal("a first use is not pending")
	}
	u.written[1], u.pending = t0, map[int64]time.Time{}
	u.record(1, t0.Add(30*time.Second))
	if _, ok := u.pending[1]; ok {
		t.Error("a use 30 s after the last written one is pending")
	}
	u.record(1, t0.Add(61*time.Second))
	if u.pending[1] != t0.Add(61*time.Second) {
		t.Error("a use a minute after the last written one is not pending")
	}
}
