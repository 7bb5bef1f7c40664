package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/access"
	"github.com/tokenwatch/tokenwatch/internal/connection"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/all"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// infos are every network's facts (token lifetimes, refresh), whether or
// not its app is configured here: registering a page needs no call to it.
var infos = all.New(nil)

// pageView evaluates a page now and turns it into its response form.
func (h *Server) pageView(policy lifecycle.Policy, p *tokenwatch.Page, now time.Time) Page {
	d := policy.Evaluate(lifecycle.FactsOf(p), nil, now)
	v := Page{Id: p.ID, LocationId: p.LocationID, Network: Network(p.Provider), ProviderPageId: p.ProviderPageID, Name: p.Name,
		State: State(d.State), Deadline: timePtr(d.Deadline), Generation: p.Generation, ProviderUserId: p.ProviderUserID,
		Scopes: p.Scopes, AccessExpiresAt: timePtr(p.AccessExpiresAt), RefreshExpiresAt: timePtr(p.RefreshExpiresAt),
		DataAccessExpiresAt: timePtr(p.DataAccessExpiresAt), LastCheckedAt: timePtr(p.LastCheckedAt),
		ReconnectUrl: connection.ReconnectURL(h.opts.BaseURL, p.ID)}
	if v.Scopes == nil {
		v.Scopes = []string{}
	}
	if p.ProviderUserName != "" {
		v.ProviderUserName = &p.ProviderUserName
	}
	if p.LastError != nil {
		v.LastError = &PageError{Class: string(p.LastError.Class), Message: p.LastError.Message, At: p.LastError.At.UTC()}
	}
	return v
}

// page loads a page the request's key may act on.
func (h *Server) page(r *http.Request, id int64, act access.Action) (*tokenwatch.Page, error) {
	p, err := h.store.GetPage(r.Context(), id)
	if tokenwatch.IsNotFound(err) {
		return nil, tokenwatch.Errorf(tokenwatch.CodeNotFound, "page not found")
	}
	if err != nil {
		return nil, err
	}
	if err := allow(r, act, access.Target{AccountID: p.AccountID, LocationID: p.LocationID, PageID: p.ID}, "page"); err != nil {
		return nil, err
	}
	return p, nil
}

// pageQuery reads the filters of the lists of pages and issues.
func pageQuery(r *http.Request, location *int64, network *Network, states *[]State, cursor *Cursor, limit *Limit) (store.PageQuery, error) {
	q := store.PageQuery{AccountID: keyFrom(r.Context()).AccountID}
	if location != nil {
		q.LocationID = *location
	}
	if network != nil {
		if !tokenwatch.Provider(*network).Valid() {
			return q, invalid("network", "\""+string(*network)+"\" is not a network tokenwatch knows.")
		}
		q.Provider = tokenwatch.Provider(*network)
	}
	if states != nil {
		for _, s := range *states {
			if !tokenwatch.State(s).Valid() {
				return q, invalid("state", "\""+string(s)+"\" is not a state.")
			}
			q.States = append(q.States, tokenwatch.State(s))
		}
	}
	if cursor != nil {
		q.After = *cursor
	}
	var err error
	q.Limit, err = limitOf(limit)
	return q, err
}

func (h *Server) ListPages(w http.ResponseWriter, r *http.Request, params ListPagesParams) {
	if err := allow(r, access.See, accountTarget(r), "account"); err != nil {
		writeProblem(w, err)
		return
	}
	q, err := pageQuery(r, params.Location, params.Network, params.State, params.Cursor, params.Limit)
	if err != nil {
		writeProblem(w, err)
		return
	}
	ps, cursor, err := h.store.QueryPages(r.Context(), q)
	if err != nil {
		h.fail(w, withField(err, "cursor"))
		return
	}
	policy, err := h.policy(r.Context(), q.AccountID)
	if err != nil {
		h.fail(w, err)
		return
	}
	now := h.opts.Now()
	list := PageList{Items: make([]Page, 0, len(ps))}
	for _, p := range ps {
		list.Items = append(list.Items, h.pageView(policy, p, now))
	}
	if cursor != "" {
		list.NextCursor = &cursor
	}
	writeJSON(w, http.StatusOK, list)
}

func (h *Server) GetPage(w http.ResponseWriter, r *http.Request, id PageId) {
	p, err := h.page(r, id, access.See)
	if err != nil {
		h.fail(w, err)
		return
	}
	h.writePage(w, r, http.StatusOK, p)
}

func (h *Server) writePage(w http.ResponseWriter, r *http.Request, status int, p *tokenwatch.Page) {
	policy, err := h.policy(r.Context(), p.AccountID)
	if err != nil {
		h.fail(w, err)
		return
	}
	writeJSON(w, status, h.pageView(policy, p, h.opts.Now()))
}

func (h *Server) CreatePage(w http.ResponseWriter, r *http.Request, _ CreatePageParams) {
	if h.opts.Connection == nil {
		writeProblem(w, unavailable("Registering pages"))
		return
	}
	var in PageInput
	if err := decode(r, &in); err != nil {
		writeProblem(w, err)
		return
	}
	if in.LocationId == 0 {
		writeProblem(w, invalid("location_id", "location_id names the location the page belongs to."))
		return
	}
	l, err := h.location(r, in.LocationId, access.Connect)
	if err != nil {
		h.fail(w, withField(err, "location_id"))
		return
	}
	prov, ok := infos[tokenwatch.Provider(in.Network)]
	if !ok {
		writeProblem(w, invalid("network", "\""+string(in.Network)+"\" is not a network tokenwatch knows."))
		return
	}
	for field, v := range map[string]string{"provider_page_id": in.ProviderPageId, "name": in.Name,
		"provider_user_id": in.ProviderUserId, "access_token": in.AccessToken} {
		if strings.TrimSpace(v) == "" {
			writeProblem(w, invalid(field, field+" is required."))
			return
		}
	}
	tok := provider.Token{AccessToken: tokenwatch.NewSecret(in.AccessToken), AccessExpiresAt: deref(in.AccessExpiresAt),
		RefreshExpiresAt: deref(in.RefreshExpiresAt), DataAccessExpiresAt: deref(in.DataAccessExpiresAt)}
	if in.RefreshToken != nil {
		tok.RefreshToken = tokenwatch.NewSecret(*in.RefreshToken)
	}
	if in.Scopes != nil {
		tok.Scopes = *in.Scopes
	}
	g := connection.Grant{Token: tok, UserID: in.ProviderUserId}
	if in.ProviderUserName != nil {
		g.UserName = *in.ProviderUserName
	}
	p, creds := connection.NewPage(prov.Info(), g, l.AccountID, l.ID, in.ProviderPageId, in.Name, 0)
	if err := h.opts.Connection.Create(r.Context(), p, creds); err != nil {
		h.fail(w, withField(err, "provider_page_id"))
		return
	}
	w.Header().Set("Location", "/api/v1/pages/"+itoa(p.ID))
	h.writePage(w, r, http.StatusCreated, p)
}

func deref(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

func (h *Server) UpdatePageTokens(w http.ResponseWriter, r *http.Request, id PageId) {
	if h.opts.Connection == nil {
		writeProblem(w, unavailable("Renewing pages"))
		return
	}
	p, err := h.page(r, id, access.Reconnect)
	if err != nil {
		h.fail(w, err)
		return
	}
	var in TokensInput
	if err := decode(r, &in); err != nil {
		writeProblem(w, err)
		return
	}
	if strings.TrimSpace(in.AccessToken) == "" {
		writeProblem(w, invalid("access_token", "access_token is required."))
		return
	}
	tok := provider.Token{AccessToken: tokenwatch.NewSecret(in.AccessToken), AccessExpiresAt: deref(in.AccessExpiresAt),
		RefreshExpiresAt: deref(in.RefreshExpiresAt), DataAccessExpiresAt: deref(in.DataAccessExpiresAt)}
	if in.RefreshToken != nil {
		tok.RefreshToken = tokenwatch.NewSecret(*in.RefreshToken)
	}
	if in.Scopes != nil {
		tok.Scopes = *in.Scopes
	}
	renewed, err := h.opts.Connection.Renew(r.Context(), p, connection.Grant{Token: tok, UserID: p.ProviderUserID, UserName: p.ProviderUserName}, 0)
	if err != nil {
		h.fail(w, err)
		return
	}
	h.writePage(w, r, http.StatusOK, renewed)
}

func (h *Server) DisconnectPage(w http.ResponseWriter, r *http.Request, id PageId) {
	if _, err := h.page(r, id, access.Disconnect); err != nil {
		h.fail(w, err)
		return
	}
	if err := h.opts.Admin.DeletePage(r.Context(), adminActor(r), id); err != nil {
		h.fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Server) ListIssues(w http.ResponseWriter, r *http.Request, params ListIssuesParams) {
	if err := allow(r, access.See, accountTarget(r), "account"); err != nil {
		writeProblem(w, err)
		return
	}
	q, err := pageQuery(r, params.Location, params.Network, params.State, params.Cursor, params.Limit)
	if err != nil {
		writeProblem(w, err)
		return
	}
	q.Issues, q.Order = true, store.WorstFirst
	ctx := r.Context()
	// The pages with the posts they put at risk, in one statement per
	// state read (most first pages: one).
	issues, cursor, err := h.store.IssueList(ctx, q)
	if err != nil {
		h.fail(w, withField(err, "cursor"))
		return
	}
	policy, err := h.policy(ctx, q.AccountID)
	if err != nil {
		h.fail(w, err)
		return
	}
	list := IssueList{Items: make([]Issue, 0, len(issues))}
	if params.Total != nil && *params.Total {
		// Counted through the index of issues: the cost grows with them.
		total, err := h.store.CountPages(ctx, q)
		if err != nil {
			h.fail(w, err)
			return
		}
		list.Total = &total
	}
	now := h.opts.Now()
	for _, is := range issues {
		list.Items = append(list.Items, Issue{Page: h.pageView(policy, is.Page, now), PostsAtRisk: is.Risk.Posts, EarliestPostAt: timePtr(is.Risk.Earliest)})
	}
	if cursor != "" {
		list.NextCursor = &cursor
	}
	writeJSON(w, http.StatusOK, list)
}
