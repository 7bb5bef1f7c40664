package connect

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/access"
	"github.com/tokenwatch/tokenwatch/internal/connection"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/status"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// API sessions: the platform asks the API for a single-use URL, sends its
// user's browser there, and tokenwatch runs the consent (the same checks as
// for anyone) and sends the browser back to a return URL the account
// allowed in advance, with the outcome in its query:
//
//	tokenwatch_session=ID&outcome=done|failed|cancelled&pages=12,13&message=…
//
// The session records the same outcome, for the API to tell (the query can
// be forged; the session cannot).

// FlowCookie binds a flow to a browser without a session (one that opened
// a reconnect link or an API session's URL); the web callback reads it.
const FlowCookie = "tw_flow"

// resolveSession reads what a session may do: while it is under way, its
// page (reconnect) or its location (connect).
func (f *Flow) resolveSession(ctx context.Context, id int64) (access.Actor, *store.ReconnectRequest, error) {
	s, err := f.store.GetAPISession(ctx, id)
	if err != nil {
		return access.Actor{}, nil, err
	}
	if s.Status != "started" {
		return access.Actor{}, nil, tokenwatch.Errorf(tokenwatch.CodeForbidden, "This link has been used already. Go back and start again.")
	}
	a := access.Actor{Kind: access.KindSession, AccountID: s.AccountID, LocationID: s.LocationID}
	if s.PageID != 0 {
		a.PageIDs = []int64{s.PageID}
	}
	return a, nil, nil
}

// BeginSession starts the consent of a session that its URL just started,
// in the browser that holds browserToken (its flow cookie).
func (f *Flow) BeginSession(ctx context.Context, s *store.APISession, browserToken string) (string, error) {
	a := Actor{Kind: access.KindSession, ID: s.ID}
	if s.Kind == "reconnect" {
		return f.BeginReconnect(ctx, a, browserToken, Reconnect{PageID: s.PageID, ReturnTo: s.ReturnURL})
	}
	return f.BeginConnect(ctx, a, browserToken, s.Provider, s.LocationID, s.ReturnURL)
}

// connectAll connects, for a connect session, every page the consenting
// account may connect (those the session names, if it names some) that the
// account does not have yet.
func (f *Flow) connectAll(ctx context.Context, aa access.Actor, a Actor, prov provider.Provider, st *store.OAuthState, grant *provider.Grant) (*Result, error) {
	info := prov.Info()
	s, err := f.store.GetAPISession(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	cands, err := prov.Pages(ctx, grant)
	f.observe(ctx, info.Name, status.ScopeAPI, err)
	if err != nil {
		return nil, f.failure(info.Name, st, err, "tokenwatch could not list what the %s account %q manages: %s",
			info.Name.DisplayName(), grant.UserName, providerMessage(err))
	}
	res := &Result{Actor: a, ReturnTo: st.ReturnTo}
	var refusals []string
	for _, c := range cands {
		if len(s.ProviderPageIDs) > 0 && !slices.Contains(s.ProviderPageIDs, c.ID) {
			continue
		}
		if !c.Eligible {
			refusals = append(refusals, c.Refusal)
			continue
		}
		page, creds := connection.NewPage(info, connection.Grant{Token: c.Token, UserID: grant.UserID, UserName: grant.UserName},
			aa.AccountID, st.LocationID, c.ID, c.Name, 0)
		if err := f.opts.Connection.Create(ctx, page, creds); err != nil {
			if tokenwatch.ErrorCode(err) == tokenwatch.CodeConflict {
				continue // connected already
			}
			return nil, err
		}
		res.Connected = append(res.Connected, page)
	}
	if len(res.Connected) == 0 {
		msg := fmt.Sprintf("The %s account %q has no page to connect here that is not connected already.", info.Name.DisplayName(), grant.UserName)
		if len(refusals) > 0 {
			msg = refusals[0]
		}
		return nil, f.failure(info.Name, st, nil, "%s", msg)
	}
	return res, nil
}

// sessionDone records a session's outcome and sets where the browser goes.
func (f *Flow) sessionDone(ctx context.Context, st *store.OAuthState, res *Result, err error) (*Result, error) {
	var (
		ok      = err == nil
		outcome = "failed"
		message string
		ids     []int64
	)
	switch {
	case ok:
		outcome = "done"
		for _, p := range append(res.Renewed, res.Connected...) {
			ids = append(ids, p.ID)
		}
		if len(res.Renewed) > 0 {
			message = fmt.Sprintf("Renewed %d %s", len(res.Renewed), plural(len(res.Renewed), "page", "pages"))
		} else {
			message = fmt.Sprintf("Connected %d %s", len(res.Connected), plural(len(res.Connected), "page", "pages"))
		}
	default:
		message = tokenwatch.ErrorMessage(err)
		var fl *Failure
		if errors.As(err, &fl) {
			message = fl.Message
			if strings.HasPrefix(fl.Message, "You cancelled") {
				outcome = "cancelled"
			}
		}
	}
	if ferr := f.store.FinishAPISession(ctx, st.ActorID, ok, message, ids); ferr != nil {
		f.opts.Logger.Error("recording a session's outcome", "session", st.ActorID, "err", ferr)
	}
	to := sessionReturn(st.ReturnTo, st.ActorID, outcome, message, ids)
	if ok {
		res.Redirect = to
		return res, nil
	}
	var fl *Failure
	if !errors.As(err, &fl) {
		fl = f.failure(st.Provider, st, err, "%s", message)
	}
	fl.Redirect = to
	return nil, fl
}

// sessionReturn is a session's return URL with the outcome added to its
// query.
func sessionReturn(returnURL string, id int64, outcome, message string, pageIDs []int64) string {
	u, err := url.Parse(returnURL)
	if err != nil {
		return ""
	}
	q := u.Query()
	q.Set("tokenwatch_session", strconv.FormatInt(id, 10))
	q.Set("outcome", outcome)
	if len(pageIDs) > 0 {
		s := make([]string, len(pageIDs))
		for i, id := range pageIDs {
			s[i] = strconv.FormatInt(id, 10)
		}
		q.Set("pages", strings.Join(s, ","))
	}
	if message != "" {
		q.Set("message", message)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// Redirect returns where a callback's browser must go now: the return URL
// of an API session, or "" for the flows that end on tokenwatch's pages.
func Redirect(res *Result, err error) string {
	var fl *Failure
	switch {
	case err == nil && res != nil:
		return res.Redirect
	case errors.As(err, &fl):
		return fl.Redirect
	}
	return ""
}
