package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/connect"
)

// pageFromPath returns the page named by the {id} path value as the
// signed-in user sees it; pages of other locations do not exist.
func (s *Server) pageFromPath(r *http.Request) (*pageView, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return nil, errNotFound("page")
	}
	v, err := s.pageByID(r, id)
	return &v, err
}

// reconnectPage is where the alert e-mails sent before the page detail
// existed link to: the page detail, which has the Reconnect button.
func (s *Server) reconnectPage(w http.ResponseWriter, r *http.Request) {
	v, err := s.pageFromPath(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/pages/"+strconv.FormatInt(v.ID, 10), http.StatusSeeOther)
}

// reconnect sends the browser to the network's consent screen.
func (s *Server) reconnect(w http.ResponseWriter, r *http.Request) {
	if s.opts.Flow == nil {
		s.fail(w, r, tokenwatch.Errorf(tokenwatch.CodeUnavailable, "Reconnecting is not set up on this tokenwatch."))
		return
	}
	v, err := s.pageFromPath(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sess := sessionFrom(r.Context())
	returnTo := localPath(r.PostFormValue("return_to"))
	if r.PostFormValue("draft") == "1" {
		returnTo = draftPath(r.PostForm)
	}
	u, err := s.opts.Flow.BeginReconnect(r.Context(), connect.User(sess.User), sess.token, connect.Reconnect{PageID: v.ID, ReturnTo: returnTo})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, u, http.StatusSeeOther)
}

// flowCookie binds an OAuth flow to a browser without a session: one that
// opened a reconnect link or an API session's URL.
const flowCookie = connect.FlowCookie

// oauthCallback takes a network's answer to a connect or reconnect, in the
// browser that started it: a signed-in participant's, or one that opened a
// reconnect link (bound by its flow cookie).
func (s *Server) oauthCallback(w http.ResponseWriter, r *http.Request) {
	if s.opts.Flow == nil {
		s.fail(w, r, tokenwatch.Errorf(tokenwatch.CodeUnavailable, "Connecting is not set up on this tokenwatch."))
		return
	}
	browser := ""
	if sess := s.currentSession(r); sess != nil {
		browser = sess.token
		r = r.WithContext(context.WithValue(r.Context(), sessionKey{}, sess))
	} else if c, err := r.Cookie(flowCookie); err == nil {
		browser = c.Value
	} else {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	p := tokenwatch.Provider(r.PathValue("provider"))
	res, err := s.opts.Flow.Callback(r.Context(), browser, p, r.URL.Query())
	if to := connect.Redirect(res, err); to != "" {
		// An API session: back to the platform, with the outcome.
		http.Redirect(w, r, to, http.StatusSeeOther)
		return
	}
	sess := sessionFrom(r.Context())
	if sess != nil && !sess.PopupClosed {
		// Whatever came of it, the login pop-up has been answered: the
		// result is what the person sees next, not the pop-up again.
		if err := s.store.ClosePopup(r.Context(), sess.token); err != nil {
			s.log.Error("closing the pop-up", "err", err)
		}
		sess.PopupClosed = true
	}
	var fl *connect.Failure
	switch {
	case errors.As(err, &fl):
		s.log.Info("connect flow failed", "provider", p, "err", err)
		s.render(w, r, http.StatusOK, "connect_failed", page{Title: "Not connected", Data: fl})
		return
	case err != nil:
		s.fail(w, r, err)
		return
	case len(res.Renewed) > 0 && sess != nil && res.ReturnTo != "" && len(res.NotFixed) == 0:
		// Back where the reconnect was started (the post form with its
		// draft, the Issues list with its filters), saying what happened.
		setFlash(w, reconnectedWords(res.Renewed))
		http.Redirect(w, r, res.ReturnTo, http.StatusSeeOther)
		return
	case len(res.Renewed) > 0:
		s.render(w, r, http.StatusOK, "connected", page{Title: "Reconnected", Data: connectedData{Pages: res.Renewed, NotFixed: res.NotFixed,
			Reconnect: true, ReturnTo: res.ReturnTo, SignedIn: sess != nil}})
		return
	}
	http.Redirect(w, r, "/connect/choose?pending="+res.PendingID, http.StatusSeeOther)
}

type connectedData struct {
	Pages     []*tokenwatch.Page
	NotFixed  []connect.NotFixed
	Reconnect bool
	// ReturnTo is where the flow was started; SignedIn says the person has
	// an account here (someone answering a reconnect link does not).
	ReturnTo string
	SignedIn bool
}

// localPath returns v if it is a path of this site ("/issues?x=1"), else
// "": a return address may never lead elsewhere, nor carry a control
// character (which browsers drop, turning "/\t/host" into "//host").
func localPath(v string) string {
	if v == "" || len(v) > maxNext || v[0] != '/' || strings.HasPrefix(v, "//") || strings.ContainsFunc(v, notInPath) {
		return ""
	}
	u, err := url.Parse(v)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return ""
	}
	return v
}

// draftPath is the post form with the draft it was left with: a reconnect
// started from the form comes back to it, nothing typed lost.
func draftPath(form url.Values) string {
	q := url.Values{}
	for _, k := range []string{"location", "page", "text", "link", "at"} {
		for _, v := range form[k] {
			if v != "" {
				q.Add(k, v)
			}
		}
	}
	return "/posts/new?" + q.Encode()
}

// reconnectedWords says what a consent renewed.
func reconnectedWords(pages []*tokenwatch.Page) string {
	first := pages[0].Name + " (" + pages[0].Provider.DisplayName() + ") is reconnected"
	switch len(pages) {
	case 1:
		return first + "."
	case 2:
		return first + ", and 1 more page with it."
	}
	return first + ", and " + strconv.Itoa(len(pages)-1) + " more pages with it."
}
