package web

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// healthz says the process is up.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// readyz says the process can serve: the database answers, its schema is
// the one this binary expects, and it can take writes (its disk is not
// full).
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.store.Ping(ctx); err != nil {
		s.log.Warn("not ready: database", "err", err)
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	applied, known, err := s.store.SchemaVersion(ctx)
	if err != nil || applied < known {
		http.Error(w, "database schema not migrated", http.StatusServiceUnavailable)
		return
	}
	if err := s.store.Writable(ctx); err != nil {
		s.log.Warn("not ready: database", "err", err)
		http.Error(w, "database cannot take writes: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.Write([]byte("ready\n"))
	// Service problems do not make the process unready (another replica
	// would meet the same refusal), but they are said here.
	if s.opts.Status != nil {
		for _, sp := range s.opts.Status.Open() {
			fmt.Fprintf(w, "service %s: %s since %s: %s\n", sp.Severity, sp.Provider, sp.OpenedAt.UTC().Format(time.RFC3339), sp.Message)
		}
	}
}
