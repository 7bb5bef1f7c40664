package api

import (
	"context"
	"errors"
	"math"
	"net/http"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/access"
	"github.com/tokenwatch/tokenwatch/internal/connection"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// GetPageToken hands out a currently valid access token of a page,
// refreshed first when needed (package tokens: one refresh however many
// callers wait, across replicas), and records that it did. A page a person
// must reconnect is answered 409 with its state, deadline and reconnect URL;
// a network that fails, 503 with Retry-After.
func (h *Server) GetPageToken(w http.ResponseWriter, r *http.Request, id PageId, _ GetPageTokenParams) {
	if h.opts.Keeper == nil {
		writeProblem(w, unavailable("Handing out tokens"))
		return
	}
	ctx := r.Context()
	p, err := h.page(r, id, access.Token)
	if err != nil {
		h.fail(w, err)
		return
	}
	if err := h.mustReconnect(ctx, p); err != nil {
		writeProblem(w, err)
		return
	}
	page, creds, err := h.opts.Keeper.Access(ctx, id)
	if err != nil {
		h.fail(w, h.tokenError(ctx, id, err))
		return
	}
	if err := h.mustReconnect(ctx, page); err != nil {
		writeProblem(w, err)
		return
	}
	key := keyFrom(ctx)
	if err := h.store.RecordTokenGrant(ctx, &store.TokenGrant{AccountID: page.AccountID, APIKeyID: key.ID, PageID: page.ID}); err != nil {
		h.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, Token{AccessToken: creds.AccessToken.Reveal(), ExpiresAt: timePtr(page.AccessExpiresAt),
		PageId: page.ID, Generation: page.Generation})
}

// mustReconnect answers a page whose state says a person must reconnect
// it: 409 with the state, the deadline and where to reconnect.
func (h *Server) mustReconnect(ctx context.Context, p *tokenwatch.Page) error {
	d, err := connection.Policies{Store: h.store, Default: h.opts.Policy}.Evaluate(ctx, p, h.opts.Now())
	if err != nil {
		return err
	}
	if d.State.Publishable() {
		return nil
	}
	return &problem{status: http.StatusConflict, code: "must_reconnect", state: d.State, deadline: d.Deadline,
		reconnectURL: connection.ReconnectURL(h.opts.BaseURL, p.ID),
		detail:       "\"" + p.Name + "\" needs a person to reconnect it (" + d.State.Label() + "): no token can be handed out until then."}
}

// tokenError turns what the keeper met into the answer: a failing network
// 503 with when to try again; a grant the network says is dead 409, like
// a page in such a state.
func (h *Server) tokenError(ctx context.Context, pageID int64, err error) error {
	var pe *provider.Error
	if !errors.As(err, &pe) {
		return err
	}
	switch pe.Class {
	case tokenwatch.ClassTransient, tokenwatch.ClassService:
		wait := int(math.Ceil(pe.RetryAfter.Seconds()))
		if wait <= 0 {
			wait = 60
		}
		detail := pe.Provider.DisplayName() + " is failing right now; try again later."
		if pe.Class == tokenwatch.ClassService {
			detail = pe.Provider.DisplayName() + " refuses tokenwatch's own app right now (the operator has been told); try again later."
		}
		return &problem{status: http.StatusServiceUnavailable, code: "unavailable", retryAfter: wait, detail: detail}
	}
	p, gerr := h.store.GetPage(ctx, pageID)
	if gerr != nil {
		return gerr
	}
	if merr := h.mustReconnect(ctx, p); merr != nil {
		return merr
	}
	// The network refused the grant in a way that is not recorded as a
	// state yet: a person must still act.
	return &problem{status: http.StatusConflict, code: "must_reconnect", state: tokenwatch.State(pe.Class.Problem()),
		reconnectURL: connection.ReconnectURL(h.opts.BaseURL, p.ID), detail: pe.Message}
}

func (h *Server) ListTokenGrants(w http.ResponseWriter, r *http.Request, params ListTokenGrantsParams) {
	if err := allow(r, access.See, accountTarget(r), "account"); err != nil {
		writeProblem(w, err)
		return
	}
	limit, c, err := paging(params.Limit, params.Cursor, 1)
	if err != nil {
		writeProblem(w, err)
		return
	}
	var pageID int64
	if params.Page != nil {
		if _, err := h.page(r, *params.Page, access.See); err != nil {
			h.fail(w, err)
			return
		}
		pageID = *params.Page
	}
	gs, err := h.store.TokenGrants(r.Context(), keyFrom(r.Context()).AccountID, pageID, c[0], limit+1)
	if err != nil {
		h.fail(w, err)
		return
	}
	gs, more := firstOf(gs, limit, func(g store.TokenGrant) []int64 { return []int64{g.ID} })
	writeJSON(w, http.StatusOK, TokenGrantList{NextCursor: more, Items: viewsOf(gs, func(g store.TokenGrant) TokenGrant {
		return TokenGrant{Id: g.ID, PageId: g.PageID, ApiKeyId: g.APIKeyID, At: g.At.UTC()}
	})})
}
