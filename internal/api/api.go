// Package api is tokenwatch's JSON API under /api/v1/, for the social media
// management platform that tokenwatch serves: its locations, people, pages
// (registered with their tokens), currently valid access tokens, reconnect
// and connect sessions, issues, posts, notifications, webhooks, settings and
// imports. The OpenAPI document api/openapi.yaml is its single source: the
// routes, parameters and types here are generated from it (openapi.gen.go)
// and Server implements the generated ServerInterface.
//
// Every request but the document and a session's landing authenticates
// with an API key of one account (`Authorization: Bearer tw_…`), whose
// scopes package access weighs for each action; ids of other accounts do
// not exist. Errors are RFC 9457 problems with a stable code and the
// offending field; lists are paged by keyset cursors; a POST with an
// Idempotency-Key is answered once; bodies are bounded; each key has a rate
// limit. Tokens appear only in the answer of POST /pages/{id}/token.
package api

import (
	"context"
	"log/slog"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/access"
	"github.com/tokenwatch/tokenwatch/internal/admin"
	"github.com/tokenwatch/tokenwatch/internal/connect"
	"github.com/tokenwatch/tokenwatch/internal/connection"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/tokens"
	"github.com/tokenwatch/tokenwatch/internal/webhook"
)

// Options configures the API.
type Options struct {
	Logger *slog.Logger
	Now    func() time.Time
	// Policy is the default lifecycle policy; accounts may override its
	// thresholds.
	Policy lifecycle.Policy
	// BaseURL is the service's public URL, for reconnect links and
	// session URLs.
	BaseURL string
	// Providers are the configured networks; Connection creates and
	// renews pages; Keeper hands out fresh tokens; Flow runs the sessions'
	// consents. Routes whose part is missing answer 503.
	Providers  provider.Registry
	Connection *connection.Service
	Keeper     *tokens.Keeper
	Flow       *connect.Flow
	// RateLimit is how many requests a key may make per second, with
	// bursts of RateBurst (defaults 50 and 100).
	RateLimit float64
	RateBurst int
	// MaxBody bounds a JSON request body (default 1 MiB); MaxImport an
	// import's (default 1 GiB).
	MaxBody, MaxImport int64
	// SessionTTL is how long a session's URL stays valid (default 15
	// minutes).
	SessionTTL time.Duration
	// AllowPrivateWebhooks lets webhooks point at loopback and private
	// addresses and plain HTTP (the demo).
	AllowPrivateWebhooks bool
	// Admin runs the changes the web UI makes too (locations, roles,
	// thresholds, removing pages), deciding and auditing them the same way;
	// nil: one over the store.
	Admin *admin.Service
	// PasswordCost is the bcrypt cost of random passwords given to imported
	// users without one.
	PasswordCost int
	// MaxConcurrent is how many requests are worked on at once (default
	// 64: some wait on a network's refresh, and a request's work holds
	// about 200 KB); the others wait, holding nothing yet, up to MaxWait
	// (default 2 s), and then answer 503 with Retry-After. Without the
	// bound, a load above what the machine serves put every request in
	// the middle of its work at once: 1,250 of them held 242 MB of heap
	// (tokenwatch bench, 500 requests/s of 100 issues each on a busy
	// 2-core machine). Imports, long streams, are not counted.
	MaxConcurrent int
	MaxWait       time.Duration
}

// Server serves /api/v1/.
type Server struct {
	store   *store.Store
	opts    Options
	handler http.Handler
	usage   *usage
	limiter *limiter
	working chan struct{} // a slot per request worked on (MaxConcurrent)
}

var _ ServerInterface = (*Server)(nil)

// New returns the API handler.
func New(st *store.Store, opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.RateLimit <= 0 {
		opts.RateLimit = 50
	}
	if opts.RateBurst <= 0 {
		opts.RateBurst = 100
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = 1 << 20
	}
	if opts.MaxImport <= 0 {
		opts.MaxImport = 1 << 30
	}
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = 15 * time.Minute
	}
	if opts.MaxConcurrent <= 0 {
		opts.MaxConcurrent = 64
	}
	if opts.MaxWait <= 0 {
		opts.MaxWait = 2 * time.Second
	}
	if opts.Admin == nil {
		targets := webhook.PublicOnly
		if opts.AllowPrivateWebhooks {
			targets = webhook.AnyAddress
		}
		opts.Admin = admin.New(st, admin.Options{Now: opts.Now, Logger: opts.Logger, WebhookTargets: targets})
	}
	h := &Server{store: st, opts: opts, usage: newUsage(), limiter: newLimiter(opts.RateLimit, opts.RateBurst),
		working: make(chan struct{}, opts.MaxConcurrent)}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v1/", func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, tokenwatch.Errorf(tokenwatch.CodeNotFound, "No such endpoint: %s %s.", r.Method, r.URL.Path))
	})
	routes := HandlerWithOptions(h, StdHTTPServerOptions{BaseURL: "/api/v1", BaseRouter: mux, ErrorHandlerFunc: paramError})
	h.handler = h.authenticate(h.idempotent(routes))
	return h
}

func (h *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.handler.ServeHTTP(w, r) }

type keyContext struct{}

// keyFrom returns the API key a request authenticated with.
func keyFrom(ctx context.Context) *store.APIKey {
	k, _ := ctx.Value(keyContext{}).(*store.APIKey)
	return k
}

// public are the routes that need no key: the document, and the landing
// of a session (the platform's user's browser has none).
func public(r *http.Request) bool {
	return r.URL.Path == "/api/v1/openapi.json" || strings.HasPrefix(r.URL.Path, "/api/v1/session-start/")
}

// authenticate checks the API key, applies its rate limit and bounds the
// request body, and passes the request on with its key.
func (h *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if public(r) {
			next.ServeHTTP(w, r)
			return
		}
		secret, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || strings.TrimSpace(secret) == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="tokenwatch"`)
			writeProblem(w, &problem{status: http.StatusUnauthorized, code: "unauthorized", field: "Authorization",
				detail: "Send an API key as: Authorization: Bearer <key>."})
			return
		}
		key, err := h.store.AuthenticateAPIKey(r.Context(), strings.TrimSpace(secret))
		if err != nil {
			if tokenwatch.ErrorCode(err) == tokenwatch.CodeUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="tokenwatch", error="invalid_token"`)
				writeProblem(w, &problem{status: http.StatusUnauthorized, code: "unauthorized", field: "Authorization", detail: tokenwatch.ErrorMessage(err)})
				return
			}
			h.fail(w, err)
			return
		}
		now := h.opts.Now()
		if wait := h.limiter.take(key.ID, now); wait > 0 {
			secs := int(math.Ceil(wait.Seconds()))
			w.Header().Set("Retry-After", itoa(int64(secs)))
			writeProblem(w, &problem{status: http.StatusTooManyRequests, code: "rate_limited", retryAfter: secs,
				detail: "This API key sent too many requests; try again after Retry-After seconds."})
			return
		}
		h.usage.record(key.ID, now)
		limit := h.opts.MaxBody
		if r.URL.Path == "/api/v1/imports" {
			limit = h.opts.MaxImport
		} else {
			release, ok := h.slot(w, r)
			if !ok {
				return
			}
			defer release()
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), keyContext{}, key)))
	})
}

// actor is what the request's key may do, for package access.
func actor(r *http.Request) access.Actor {
	k := keyFrom(r.Context())
	a := access.Actor{Kind: access.KindAPIKey, AccountID: k.AccountID}
	for _, s := range k.Scopes {
		a.Scopes = append(a.Scopes, access.Scope(s))
	}
	return a
}

// adminActor is the request's key as package admin (and its audit log)
// knows it.
func adminActor(r *http.Request) admin.Actor {
	return admin.Actor{Actor: actor(r), Name: "API key " + keyFrom(r.Context()).Name}
}

// allow asks package access whether the request's key may do act on t:
// nil, or the error to answer (not found for what the key may not see).
func allow(r *http.Request, act access.Action, t access.Target, what string) error {
	switch access.Decide(actor(r), act, t) {
	case access.Allowed:
		return nil
	case access.Forbidden:
		need := "write"
		switch act {
		case access.See:
			need = "read"
		case access.Token:
			need = "tokens"
		}
		return &problem{status: http.StatusForbidden, code: "forbidden", field: "Authorization",
			detail: "This API key does not have the " + need + " scope this needs."}
	}
	return tokenwatch.Errorf(tokenwatch.CodeNotFound, "%s not found", what)
}

// accountTarget is the key's account itself (its settings, its lists).
func accountTarget(r *http.Request) access.Target {
	return access.Target{AccountID: keyFrom(r.Context()).AccountID}
}

// policy returns the lifecycle policy of an account.
func (h *Server) policy(ctx context.Context, accountID int64) (lifecycle.Policy, error) {
	return connection.Policies{Store: h.store, Default: h.opts.Policy}.For(ctx, accountID)
}

// GetOpenAPI serves the document.
func (h *Server) GetOpenAPI(w http.ResponseWriter, r *http.Request) {
	doc, err := openapiJSON()
	if err != nil {
		h.fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(doc)
}

func (h *Server) fail(w http.ResponseWriter, err error) {
	if problemStatus(err) >= 500 {
		h.opts.Logger.Error("api", "err", err)
	}
	writeProblem(w, err)
}

// unavailable answers a route whose part is not wired.
func unavailable(what string) error {
	return tokenwatch.Errorf(tokenwatch.CodeUnavailable, "%s is not set up on this tokenwatch.", what)
}

// slot waits, up to MaxWait, for one of the MaxConcurrent slots of work.
// When none frees up it answers 503 with Retry-After (or nothing, if the
// client went away) and returns false.
func (h *Server) slot(w http.ResponseWriter, r *http.Request) (release func(), ok bool) {
	release = func() { <-h.working }
	select {
	case h.working <- struct{}{}:
		return release, true
	default:
	}
	t := time.NewTimer(h.opts.MaxWait)
	defer t.Stop()
	select {
	case h.working <- struct{}{}:
		return release, true
	case <-r.Context().Done():
		return nil, false
	case <-t.C:
		w.Header().Set("Retry-After", "1")
		writeProblem(w, &problem{status: http.StatusServiceUnavailable, code: "unavailable", retryAfter: 1,
			detail: "tokenwatch has more requests than it can work on now; nothing was done: try again after Retry-After seconds."})
		return nil, false
	}
}
