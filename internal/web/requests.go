package web

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/access"
	"github.com/tokenwatch/tokenwatch/internal/admin"
	"github.com/tokenwatch/tokenwatch/internal/connect"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// openRequest is a reconnect request still waiting, as the page detail
// lists it.
type openRequest struct {
	*store.ReconnectRequest
	Until string
	// CanWithdraw says the viewer may end it.
	CanWithdraw bool
}

// askPage is where e-mails' "Ask someone to reconnect" links lead: the
// page detail's form.
func (s *Server) askPage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "page")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/pages/%d#ask", id), http.StatusSeeOther)
}

// ask sends a reconnect request by e-mail.
func (s *Server) ask(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "page")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := s.adminActor(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	role := ""
	if p, err := s.store.GetPage(r.Context(), id); err == nil && s.opts.Flow != nil {
		if info, ok := s.opts.Flow.Info(p.Provider); ok {
			role = info.RequiredRole
		}
	}
	recipient, _ := field(r, "recipient", 254)
	message, _ := field(r, "message", 4000)
	_, err = s.opts.Admin.AskToReconnect(r.Context(), a, id, admin.Ask{Recipient: recipient, Message: message,
		AnyAccount: r.PostFormValue("any_account") == "1", Role: role})
	if err != nil {
		switch tokenwatch.ErrorCode(err) {
		case tokenwatch.CodeInvalid, tokenwatch.CodeUnavailable:
			d, derr := s.pageDetailOf(r)
			if derr != nil {
				s.fail(w, r, derr)
				return
			}
			d.AskRecipient, d.AskMessage, d.AskError = recipient, message, tokenwatch.ErrorMessage(err)
			s.render(w, r, tokenwatch.HTTPStatus(err), "page_detail", page{Title: d.Name, Data: d})
			return
		}
		s.fail(w, r, err)
		return
	}
	setFlash(w, "Asked "+recipient+" to reconnect it: the link in the e-mail works once, for 7 days. You will be told what came of it.")
	http.Redirect(w, r, fmt.Sprintf("/pages/%d", id), http.StatusSeeOther)
}

// openRequests lists a page's waiting requests for the page detail.
func (s *Server) openRequests(r *http.Request, v *viewer, p *tokenwatch.Page, tz *time.Location) ([]openRequest, error) {
	rs, err := s.store.ReconnectRequests(r.Context(), p.ID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var out []openRequest
	for _, rq := range rs {
		if !rq.Open(now) {
			continue
		}
		out = append(out, openRequest{ReconnectRequest: rq, Until: rq.ExpiresAt.In(tz).Format("Mon 2 Jan 15:04 MST"),
			CanWithdraw: rq.RequestedBy == v.User.ID || v.may(access.Reconnect, p)})
	}
	return out, nil
}

type requestLanding struct {
	Request *store.ReconnectRequest
	Page    *tokenwatch.Page
	Account string
	From    string
	Role    string
}

// requestSecret reads a reconnect link's secret from the path.
func requestSecret(r *http.Request) (string, error) {
	secret := r.PathValue("token")
	if secret == "" || len(secret) > maxSecret {
		return "", errRequestGone
	}
	return secret, nil
}

var errRequestGone = tokenwatch.Errorf(tokenwatch.CodeNotFound,
	"This reconnect link does not work: it was used already, withdrawn, or it has expired (links last 7 days). Ask whoever sent it for a new one.")

// openRequest returns the open request a link names.
func (s *Server) openRequestOf(r *http.Request) (*store.ReconnectRequest, error) {
	secret, err := requestSecret(r)
	if err != nil {
		return nil, err
	}
	req, err := s.store.ReconnectRequestBySecret(r.Context(), secret)
	if tokenwatch.IsNotFound(err) || (err == nil && !req.Open(s.now())) {
		return nil, errRequestGone
	}
	return req, err
}

// requestPage is where a reconnect link lands, for someone who needs no
// account: what is asked of them, and the button that runs the consent.
func (s *Server) requestPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Referrer-Policy", "no-referrer")
	req, err := s.openRequestOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.store.GetPage(r.Context(), req.PageID)
	if err != nil {
		s.fail(w, r, errRequestGone)
		return
	}
	acct, err := s.store.GetAccount(r.Context(), req.AccountID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := requestLanding{Request: req, Page: p, Account: acct.Name}
	if u, err := s.store.GetUser(r.Context(), req.RequestedBy); err == nil {
		d.From = u.Name
	}
	if s.opts.Flow != nil {
		if info, ok := s.opts.Flow.Info(p.Provider); ok {
			d.Role = info.RequiredRole
		}
	}
	s.render(w, r, http.StatusOK, "request", page{Title: "Reconnect " + p.Name, Data: d})
}

// startRequest runs the consent of a reconnect link in this browser, bound
// to it by a flow cookie.
func (s *Server) startRequest(w http.ResponseWriter, r *http.Request) {
	if s.opts.Flow == nil {
		s.fail(w, r, tokenwatch.Errorf(tokenwatch.CodeUnavailable, "Reconnecting is not set up on this tokenwatch."))
		return
	}
	req, err := s.openRequestOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	browser := ""
	if c, err := r.Cookie(flowCookie); err == nil && len(c.Value) >= 20 && len(c.Value) <= 100 {
		browser = c.Value
	} else {
		browser = rand.Text() + rand.Text()
		http.SetCookie(w, &http.Cookie{Name: flowCookie, Value: browser, Path: "/", HttpOnly: true, Secure: s.opts.CookieSecure,
			SameSite: http.SameSiteLaxMode, MaxAge: int((30 * time.Minute) / time.Second)})
	}
	u, err := s.opts.Flow.BeginReconnect(r.Context(), connect.Actor{Kind: access.KindRequest, ID: req.ID}, browser,
		connect.Reconnect{PageID: req.PageID})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, u, http.StatusSeeOther)
}

// withdrawRequest ends a reconnect request's link.
func (s *Server) withdrawRequest(r *http.Request, a admin.Actor, id int64) (string, string, error) {
	req, err := s.opts.Admin.WithdrawRequest(r.Context(), a, id)
	if err != nil {
		return "", "", err
	}
	return "The request to " + req.Recipient + " is withdrawn: its link no longer works.", fmt.Sprintf("/pages/%d", req.PageID), nil
}
