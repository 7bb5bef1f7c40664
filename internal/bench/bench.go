// Package bench measures tokenwatch at a large account's size, the way
// `serve` runs it: it seeds an account of many pages (a million by
// default) on SQLite or PostgreSQL, then reports, side by side in one run,
// the alert sweep at a small and at the full size with the same due pages,
// the signed-in HTML pages of a user who sees a tenth of the pages, the
// API under a constant load over loopback, and the server's peak memory
// and CPU, each against its target (issue 14). The sweeps run in the
// bench's process; the HTTP part is served by `tokenwatch serve` started
// as a process of its own on the seeded database, so that its memory and
// CPU are the server's alone, not the seeder's or the load sender's. The
// wiring of the real stores, sweeper and serve process is the caller's
// (package cli), so that what is measured is what serve runs.
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"sync"
	"time"

	"github.com/tokenwatch/tokenwatch/internal/alert"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// Options says what to seed and how hard to load it. Zero fields take the
// defaults of withDefaults.
type Options struct {
	// Pages is the size of the full account (default 1,000,000), in
	// Locations locations (default 1,000, fewer below 100,000 pages: at
	// least 100 pages each).
	Pages, Locations int
	// UserPages is how many pages the measured user sees (default a tenth
	// of Pages): the pages of the first locations, whole.
	UserPages int
	// Due is how many pages each measured sweep finds crossing a threshold
	// (default a hundredth of Pages); the small database holds only them.
	Due int
	// SQLitePath is where the full SQLite database goes (the small one
	// beside it, with ".small" added); empty: a temporary directory,
	// removed at the end. PostgresURL, if set, is used instead: the bench
	// makes two schemas of its own there and drops them at the end.
	SQLitePath, PostgresURL string
	// Keep leaves the databases in place.
	Keep bool
	// Load is how long each API route is loaded (default 5 s), at Rate
	// requests a second (default 500), spread over APIKeys keys (default
	// 20: a key may make 50 requests a second).
	Load    time.Duration
	Rate    int
	APIKeys int
	// HTMLRequests is how many times each HTML page is fetched, one
	// after the other (default 100).
	HTMLRequests int
	// CPUProfile, if set, is a file for a CPU profile of the measures.
	CPUProfile string
	// Out receives the report; Progress the progress bars and notes.
	Out, Progress io.Writer
}

func (o Options) withDefaults() (Options, error) {
	if o.Pages == 0 {
		o.Pages = 1_000_000
	}
	if o.Locations == 0 {
		o.Locations = max(1, min(1000, o.Pages/100))
	}
	if o.UserPages == 0 {
		o.UserPages = o.Pages / 10
	}
	if o.Due == 0 {
		o.Due = max(o.Locations, o.Pages/100)
	}
	if o.Load == 0 {
		o.Load = 5 * time.Second
	}
	if o.Rate == 0 {
		o.Rate = 500
	}
	if o.APIKeys == 0 {
		o.APIKeys = 20
	}
	if o.HTMLRequests == 0 {
		o.HTMLRequests = 100
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	switch {
	case o.Pages < 0 || o.Locations < 0 || o.UserPages < 0 || o.Due < 0 || o.Rate < 0 || o.APIKeys < 0 || o.HTMLRequests < 0 || o.Load < 0:
		return o, errors.New("bench: sizes, rates and durations must be positive")
	case o.Pages%o.Locations != 0:
		return o, fmt.Errorf("bench: --pages (%d) must be a multiple of --locations (%d): every location holds as many pages", o.Pages, o.Locations)
	case o.Due%o.Locations != 0 || o.Due > o.Pages || (o.Pages/o.Locations)%(o.Due/o.Locations) != 0:
		return o, fmt.Errorf("bench: --due (%d) must be a multiple of --locations (%d) whose share divides each location's %d pages", o.Due, o.Locations, o.Pages/o.Locations)
	case o.UserPages > o.Pages:
		return o, fmt.Errorf("bench: --user-pages (%d) is more than --pages (%d)", o.UserPages, o.Pages)
	case o.SQLitePath != "" && o.PostgresURL != "":
		return o, errors.New("bench: give --db or --postgres, not both")
	}
	return o, nil
}

// Wiring builds what serve runs over a store: package cli provides it.
type Wiring struct {
	// Open opens and migrates (tokenwatch's tables and the job queue's)
	// the database at url, with now as the store's clock.
	Open func(ctx context.Context, url string, now func() time.Time) (*store.Store, error)
	// Sweeper returns serve's sweep over st, on the clock now (the sweep,
	// then its report recorded in the metrics), and what /metrics serves.
	Sweeper func(ctx context.Context, st *store.Store, now func() time.Time) (sweep func(context.Context) (alert.Report, error), metrics http.Handler, err error)
	// Serve returns, not yet started, `tokenwatch serve` as a process of
	// its own (this program run again) on the database at url, with the
	// keys the stores of Open seal with, listening on addr: the HTTP part
	// is measured against it, so that its memory and CPU are the
	// server's alone.
	Serve func(ctx context.Context, url, addr string) (*exec.Cmd, error)
	// Policy is the lifecycle policy serve runs with (its thresholds).
	Policy lifecycle.Policy
}

// Clock is the bench's clock: the real time, except while a sweep round
// is measured at the simulated moment its due pages cross a threshold.
type Clock struct {
	mu sync.Mutex
	at time.Time
}

// Now returns the set moment, or the real time when none is set.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at.IsZero() {
		return time.Now()
	}
	return c.at
}

// Set sets the moment; the zero time goes back to the real time.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = t
}
