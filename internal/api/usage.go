package api

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/tokenwatch/tokenwatch/internal/store"
)

// usage remembers when API keys were used and writes it at most once a
// minute per key, off the requests' path: a request never waits for the
// database's writer to note it.
type usage struct {
	mu      sync.Mutex
	pending map[int64]time.Time // uses not written yet
	written map[int64]time.Time // when each key's use was last written
}

func newUsage() *usage {
	return &usage{pending: map[int64]time.Time{}, written: map[int64]time.Time{}}
}

// record notes a use of key id at t.
func (u *usage) record(id int64, t time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if w, ok := u.written[id]; ok && t.Sub(w) < time.Minute {
		return // written less than a minute ago
	}
	u.pending[id] = t
}

// flush writes the pending uses.
func (u *usage) flush(ctx context.Context, st *store.Store) error {
	u.mu.Lock()
	batch := u.pending
	u.pending = map[int64]time.Time{}
	for id, t := range batch {
		u.written[id] = t
	}
	u.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	return st.KeysUsed(ctx, batch)
}

// RecordUsage writes when API keys were last used, every interval, until
// ctx ends (and once more then).
func (h *Server) RecordUsage(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			if err := h.usage.flush(context.WithoutCancel(ctx), h.store); err != nil {
				h.opts.Logger.Error("recording API key use", "err", err)
			}
			return
		case <-t.C:
			if err := h.usage.flush(ctx, h.store); err != nil {
				h.opts.Logger.Log(ctx, slog.LevelError, "recording API key use", "err", err)
			}
		}
	}
}
