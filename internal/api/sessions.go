package api

import (
	"crypto/rand"
	"net/http"
	"slices"
	"strings"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/access"
	"github.com/tokenwatch/tokenwatch/internal/connect"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

func randomText() string { return rand.Text() }

func sessionView(s *store.APISession) Session {
	v := Session{Id: s.ID, Kind: SessionKind(s.Kind), Status: SessionStatus(s.Status), ReturnUrl: s.ReturnURL, ExpiresAt: s.ExpiresAt.UTC()}
	if s.PageID != 0 {
		v.PageId = &s.PageID
	}
	if s.LocationID != 0 {
		v.LocationId = &s.LocationID
	}
	if s.Provider != "" {
		n := Network(s.Provider)
		v.Network = &n
	}
	if s.Outcome != "" {
		v.Outcome = &s.Outcome
	}
	if len(s.ResultPageIDs) > 0 {
		v.PageIds = &s.ResultPageIDs
	}
	return v
}

// checkSessionReturn checks a session's return URL against the account's
// allowed ones.
func (h *Server) checkSessionReturn(r *http.Request, returnURL string) error {
	allowed, err := h.store.ReturnURLs(r.Context(), keyFrom(r.Context()).AccountID)
	if err != nil {
		return err
	}
	if !allowedReturn(returnURL, allowed) {
		return invalid("return_url", "The return URL must start with one of the account's return URLs (PATCH /api/v1/settings return_urls).")
	}
	return nil
}

// configured says whether network p's app is set up here.
func (h *Server) configured(p tokenwatch.Provider) bool {
	return h.opts.Flow != nil && slices.Contains(h.opts.Flow.Providers(), p)
}

func (h *Server) CreateReconnectSession(w http.ResponseWriter, r *http.Request, id PageId, _ CreateReconnectSessionParams) {
	p, err := h.page(r, id, access.Reconnect)
	if err != nil {
		h.fail(w, err)
		return
	}
	var in ReconnectSessionInput
	if err := decode(r, &in); err != nil {
		writeProblem(w, err)
		return
	}
	if err := h.checkSessionReturn(r, in.ReturnUrl); err != nil {
		h.fail(w, err)
		return
	}
	if !h.configured(p.Provider) {
		writeProblem(w, unavailable(p.Provider.DisplayName()+" (its app)"))
		return
	}
	h.createSession(w, r, &store.APISession{Kind: "reconnect", PageID: p.ID, Provider: p.Provider, ReturnURL: in.ReturnUrl})
}

func (h *Server) CreateConnectSession(w http.ResponseWriter, r *http.Request, id LocationId, _ CreateConnectSessionParams) {
	l, err := h.location(r, id, access.Connect)
	if err != nil {
		h.fail(w, err)
		return
	}
	var in ConnectSessionInput
	if err := decode(r, &in); err != nil {
		writeProblem(w, err)
		return
	}
	if !tokenwatch.Provider(in.Network).Valid() {
		writeProblem(w, invalid("network", "\""+string(in.Network)+"\" is not a network tokenwatch knows."))
		return
	}
	if err := h.checkSessionReturn(r, in.ReturnUrl); err != nil {
		h.fail(w, err)
		return
	}
	if !h.configured(tokenwatch.Provider(in.Network)) {
		writeProblem(w, unavailable(tokenwatch.Provider(in.Network).DisplayName()+" (its app)"))
		return
	}
	s := &store.APISession{Kind: "connect", LocationID: l.ID, Provider: tokenwatch.Provider(in.Network), ReturnURL: in.ReturnUrl}
	if in.ProviderPageIds != nil {
		for _, pid := range *in.ProviderPageIds {
			if strings.TrimSpace(pid) == "" || strings.ContainsAny(pid, " \t\n") {
				writeProblem(w, invalid("provider_page_ids", "\""+pid+"\" is not a network page id."))
				return
			}
		}
		s.ProviderPageIDs = *in.ProviderPageIds
	}
	h.createSession(w, r, s)
}

func (h *Server) createSession(w http.ResponseWriter, r *http.Request, s *store.APISession) {
	key := keyFrom(r.Context())
	s.AccountID, s.APIKeyID = key.AccountID, key.ID
	s.ExpiresAt = h.opts.Now().Add(h.opts.SessionTTL)
	secret, err := h.store.CreateAPISession(r.Context(), s)
	if err != nil {
		h.fail(w, err)
		return
	}
	v := sessionView(s)
	u := strings.TrimSuffix(h.opts.BaseURL, "/") + "/api/v1/session-start/" + secret.Reveal()
	v.Url = &u
	w.Header().Set("Location", "/api/v1/sessions/"+itoa(s.ID))
	writeJSON(w, http.StatusCreated, v)
}

func (h *Server) GetSession(w http.ResponseWriter, r *http.Request, id int64) {
	s, err := h.store.GetAPISession(r.Context(), id)
	if tokenwatch.IsNotFound(err) || (err == nil && s.AccountID != keyFrom(r.Context()).AccountID) {
		writeProblem(w, tokenwatch.Errorf(tokenwatch.CodeNotFound, "session not found"))
		return
	}
	if err != nil {
		h.fail(w, err)
		return
	}
	if err := allow(r, access.See, accountTarget(r), "session"); err != nil {
		writeProblem(w, err)
		return
	}
	v := sessionView(s)
	if s.Status == "open" && !h.opts.Now().Before(s.ExpiresAt) {
		v.Status = "expired"
	}
	writeJSON(w, http.StatusOK, v)
}

// StartSession is where the platform sends its user's browser: the
// session is spent, the browser gets a flow cookie that binds the OAuth
// flow to it, and goes on to the network's consent screen.
func (h *Server) StartSession(w http.ResponseWriter, r *http.Request, secret string) {
	if h.opts.Flow == nil {
		writeProblem(w, unavailable("Connecting"))
		return
	}
	ctx := r.Context()
	s, err := h.store.StartAPISession(ctx, secret)
	if err != nil {
		if s != nil { // expired: back to the platform, saying so
			_ = h.store.FinishAPISession(ctx, s.ID, false, tokenwatch.ErrorMessage(err), nil)
			http.Redirect(w, r, returnWith(s, "expired"), http.StatusSeeOther)
			return
		}
		h.fail(w, err)
		return
	}
	browser := randomText() + randomText()
	to, err := h.opts.Flow.BeginSession(ctx, s, browser)
	if err != nil {
		_ = h.store.FinishAPISession(ctx, s.ID, false, tokenwatch.ErrorMessage(err), nil)
		http.Redirect(w, r, returnWith(s, "failed"), http.StatusSeeOther)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: connect.FlowCookie, Value: browser, Path: "/", MaxAge: 15 * 60, HttpOnly: true,
		Secure: strings.HasPrefix(h.opts.BaseURL, "https://"), SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// returnWith is a session's return URL with an outcome that ended it
// before any consent.
func returnWith(s *store.APISession, outcome string) string {
	sep := "?"
	if strings.Contains(s.ReturnURL, "?") {
		sep = "&"
	}
	return s.ReturnURL + sep + "tokenwatch_session=" + itoa(s.ID) + "&outcome=" + outcome
}
