// Package api is tokenwatch's JSON API under /api/v1/, for the social media
// management platform that tokenwatch serves: it lists an account's
// locations and pages with their connection state and deadline, so the
// platform can show them in its own screens. Requests authenticate with an
// API key of the account (`Authorization: Bearer tw_…`, made with
// `tokenwatch apikey create`). Tokens never appear in a response.
package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/connection"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// Options configures the API.
type Options struct {
	Logger *slog.Logger
	Now    func() time.Time
	// Policy is the default lifecycle policy; accounts may override its
	// thresholds.
	Policy lifecycle.Policy
	// BaseURL is the service's public URL, for reconnect links.
	BaseURL string
}

// Handler serves /api/v1/.
type Handler struct {
	store *store.Store
	opts  Options
	mux   *http.ServeMux
	usage *usage
}

// New returns the API handler.
func New(st *store.Store, opts Options) *Handler {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	h := &Handler{store: st, opts: opts, mux: http.NewServeMux(), usage: newUsage()}
	h.mux.HandleFunc("GET /api/v1/locations", h.authed(h.listLocations))
	h.mux.HandleFunc("GET /api/v1/pages", h.authed(h.listPages))
	h.mux.HandleFunc("GET /api/v1/pages/{id}", h.authed(h.getPage))
	h.mux.HandleFunc("/api/v1/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, tokenwatch.Errorf(tokenwatch.CodeNotFound, "No such endpoint: %s %s.", r.Method, r.URL.Path))
	})
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// authed checks the API key and passes the request on with its key.
func (h *Handler) authed(next func(w http.ResponseWriter, r *http.Request, key *store.APIKey)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		secret, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || secret == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="tokenwatch"`)
			writeError(w, tokenwatch.Errorf(tokenwatch.CodeUnauthorized, "Send an API key as: Authorization: Bearer <key>."))
			return
		}
		key, err := h.store.AuthenticateAPIKey(r.Context(), strings.TrimSpace(secret))
		if err != nil {
			if tokenwatch.ErrorCode(err) == tokenwatch.CodeUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="tokenwatch", error="invalid_token"`)
			} else {
				h.opts.Logger.Error("api key check", "err", err)
			}
			writeError(w, err)
			return
		}
		h.usage.record(key.ID, h.opts.Now())
		next(w, r, key)
	}
}

// Location is a location in responses.
type Location struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	TimeZone string `json:"time_zone"`
	// Issues counts its pages that need a person to reconnect them.
	Issues int `json:"issues"`
}

// Page is a page in responses.
type Page struct {
	ID             int64               `json:"id"`
	LocationID     int64               `json:"location_id"`
	Provider       tokenwatch.Provider `json:"provider"`
	ProviderPageID string              `json:"provider_page_id"`
	Name           string              `json:"name"`
	State          tokenwatch.State    `json:"state"`
	// Deadline is when a person must reconnect the page; null if none.
	Deadline    *time.Time `json:"deadline"`
	Generation  int64      `json:"generation"`
	LastChecked *time.Time `json:"last_checked_at"`
	LastError   *PageError `json:"last_error"`
	// ReconnectURL is where a person reconnects the page.
	ReconnectURL string `json:"reconnect_url"`
}

// PageError is a page's last classified provider error.
type PageError struct {
	Class   tokenwatch.ErrorClass `json:"class"`
	Message string                `json:"message"`
	At      time.Time             `json:"at"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

// policy returns the lifecycle policy of an account.
func (h *Handler) policy(ctx context.Context, accountID int64) (lifecycle.Policy, error) {
	return connection.Policies{Store: h.store, Default: h.opts.Policy}.For(ctx, accountID)
}

// view evaluates a page now and turns it into its response form.
func (h *Handler) view(policy lifecycle.Policy, p *tokenwatch.Page, now time.Time) Page {
	d := policy.Evaluate(lifecycle.FactsOf(p), nil, now)
	v := Page{ID: p.ID, LocationID: p.LocationID, Provider: p.Provider, ProviderPageID: p.ProviderPageID, Name: p.Name,
		State: d.State, Deadline: timePtr(d.Deadline), Generation: p.Generation, LastChecked: timePtr(p.LastCheckedAt),
		ReconnectURL: connection.ReconnectURL(h.opts.BaseURL, p.ID)}
	if p.LastError != nil {
		v.LastError = &PageError{Class: p.LastError.Class, Message: p.LastError.Message, At: p.LastError.At.UTC()}
	}
	return v
}

// pages returns the account's pages the filter selects, evaluated now.
func (h *Handler) pages(ctx context.Context, accountID int64, f store.PageFilter) ([]Page, error) {
	policy, err := h.policy(ctx, accountID)
	if err != nil {
		return nil, err
	}
	f.AccountID = accountID
	ps, err := h.store.ListPages(ctx, f)
	if err != nil {
		return nil, err
	}
	now := h.opts.Now()
	out := make([]Page, 0, len(ps))
	for _, p := range ps {
		out = append(out, h.view(policy, p, now))
	}
	return out, nil
}

func (h *Handler) listLocations(w http.ResponseWriter, r *http.Request, key *store.APIKey) {
	locs, err := h.store.ListLocations(r.Context(), key.AccountID)
	if err != nil {
		h.fail(w, err)
		return
	}
	pages, err := h.pages(r.Context(), key.AccountID, store.PageFilter{})
	if err != nil {
		h.fail(w, err)
		return
	}
	issues := map[int64]int{}
	for _, p := range pages {
		if p.State.IsIssue() {
			issues[p.LocationID]++
		}
	}
	out := make([]Location, 0, len(locs))
	for _, l := range locs {
		out = append(out, Location{ID: l.ID, Name: l.Name, TimeZone: l.TimeZone, Issues: issues[l.ID]})
	}
	writeJSON(w, http.StatusOK, map[string]any{"locations": out})
}

// listPages lists pages. Query parameters filter them: location (id),
// provider, state (repeatable), issues=true (every state but healthy).
func (h *Handler) listPages(w http.ResponseWriter, r *http.Request, key *store.APIKey) {
	q := r.URL.Query()
	var f store.PageFilter
	if v := q.Get("location"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			writeError(w, tokenwatch.Errorf(tokenwatch.CodeInvalid, "location must be a location id, not %q.", v))
			return
		}
		f.LocationIDs = []int64{id}
	}
	if v := q.Get("provider"); v != "" {
		if !tokenwatch.Provider(v).Valid() {
			writeError(w, tokenwatch.Errorf(tokenwatch.CodeInvalid, "%q is not a network tokenwatch knows.", v))
			return
		}
		f.Provider = tokenwatch.Provider(v)
	}
	states := map[tokenwatch.State]bool{}
	for _, v := range q["state"] {
		if !tokenwatch.State(v).Valid() {
			writeError(w, tokenwatch.Errorf(tokenwatch.CodeInvalid, "%q is not a state.", v))
			return
		}
		states[tokenwatch.State(v)] = true
	}
	onlyIssues := q.Get("issues") == "true"
	pages, err := h.pages(r.Context(), key.AccountID, f)
	if err != nil {
		h.fail(w, err)
		return
	}
	out := pages[:0]
	for _, p := range pages {
		if (len(states) == 0 || states[p.State]) && (!onlyIssues || p.State.IsIssue()) {
			out = append(out, p)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"pages": out})
}

func (h *Handler) getPage(w http.ResponseWriter, r *http.Request, key *store.APIKey) {
	notFound := tokenwatch.Errorf(tokenwatch.CodeNotFound, "page not found")
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		writeError(w, notFound)
		return
	}
	p, err := h.store.GetPage(r.Context(), id)
	switch {
	case tokenwatch.IsNotFound(err), err == nil && p.AccountID != key.AccountID:
		writeError(w, notFound) // another account's page does not exist for this key
		return
	case err != nil:
		h.fail(w, err)
		return
	}
	policy, err := h.policy(r.Context(), key.AccountID)
	if err != nil {
		h.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, h.view(policy, p, h.opts.Now()))
}

func (h *Handler) fail(w http.ResponseWriter, err error) {
	if tokenwatch.ErrorCode(err) == tokenwatch.CodeInternal {
		h.opts.Logger.Error("api", "err", err)
	}
	writeError(w, err)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// writeError writes {"error": {"code": …, "message": …}} with the status
// of the error's code; internal errors say only "Internal error".
func writeError(w http.ResponseWriter, err error) {
	writeJSON(w, tokenwatch.HTTPStatus(err), map[string]any{"error": map[string]string{
		"code": string(tokenwatch.ErrorCode(err)), "message": tokenwatch.ErrorMessage(err)}})
}
