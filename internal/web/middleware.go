package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// securityHeaders sets the headers every response carries.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// maxFormBytes bounds the body of every form. The largest real one, a post
// of 5,000 characters (each up to 12 bytes once escaped) with a few
// hundred pages ticked, stays well below it.
const maxFormBytes = 256 << 10

// limitForms reads the form of every request that sends one, at most
// maxFormBytes of it: a larger body is answered 413, on a page saying so,
// before any handler (or the CSRF check, which would call it expired)
// sees it.
func (s *Server) limitForms(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead || r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			if tooLarge := new(http.MaxBytesError); errors.As(err, &tooLarge) {
				s.render(w, r, http.StatusRequestEntityTooLarge, "error", page{Title: "Form too large",
					Data: fmt.Sprintf("This form is too large: tokenwatch takes forms of up to %d kB. Go back, shorten what you typed and try again.", maxFormBytes>>10)})
				return
			}
			s.render(w, r, http.StatusBadRequest, "error", page{Title: "Form not readable",
				Data: "This form could not be read. Go back, reload the page and try again."})
			return
		}
		next.ServeHTTP(w, r)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests logs each request: method, path (never the query string,
// which may hold an OAuth code), status and duration; and turns a panic
// into a 500.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.Error("panic serving request", "method", r.Method, "path", logPath(r), "panic", p)
				if sw.status == 0 {
					http.Error(sw, "Internal error", http.StatusInternalServerError)
				}
			}
			if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
				return
			}
			s.log.Debug("request", "method", r.Method, "path", logPath(r), "status", sw.status, "duration", time.Since(start))
		}()
		next.ServeHTTP(sw, r)
	})
}

// logPath is a request's path as logs may show it: an unsubscribe link's
// secret is left out.
func logPath(r *http.Request) string {
	if rest, ok := strings.CutPrefix(r.URL.Path, "/unsubscribe/"); ok && rest != "" {
		return "/unsubscribe/[secret]"
	}
	return r.URL.Path
}
