package cli

import (
	"context"
	"sync"
)

// workers are a process's background goroutines (publishing, the service
// monitor, the janitor, the checks started at sign-in): Stop cancels them
// and waits for every one to end, so that none touches the store after it
// is closed.
type workers struct {
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	wg      sync.WaitGroup
	stopped bool
}

func newWorkers(ctx context.Context) *workers {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	return &workers{ctx: ctx, cancel: cancel}
}

// Go runs f in a goroutine of the group with the group's context; once the
// group is stopped it runs nothing and reports false.
func (w *workers) Go(f func(ctx context.Context)) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return false
	}
	w.wg.Go(func() { f(w.ctx) })
	return true
}

// Stop cancels the group's context and waits for its goroutines.
func (w *workers) Stop() {
	w.mu.Lock()
	w.stopped = true
	w.mu.Unlock()
	w.cancel()
	w.wg.Wait()
}
