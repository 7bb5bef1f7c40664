package web

import (
	"context"
	"crypto/subtle"
	"net/http"
	"net/url"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

const sessionCookie = "tw_session"

type sessionKey struct{}

// session is the signed-in session of a request.
type session struct {
	*store.Session
	token string
	// viewer and issues are read once per request, on first use.
	viewer *viewer
	issues *int
}

func sessionFrom(ctx context.Context) *session {
	s, _ := ctx.Value(sessionKey{}).(*session)
	return s
}

// currentSession reads the session cookie; nil if absent or expired.
func (s *Server) currentSession(r *http.Request) *session {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	sess, err := s.store.GetSession(r.Context(), c.Value)
	if err != nil {
		if !tokenwatch.IsNotFound(err) {
			s.log.Error("reading session", "err", err)
		}
		return nil
	}
	return &session{Session: sess, token: c.Value}
}

// signedIn wraps a handler that needs a signed-in user: others are sent to
// the sign-in page, and forms must carry the session's CSRF token.
func (s *Server) signedIn(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess := s.currentSession(r)
		if sess == nil {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			s.fail(w, r, tokenwatch.Errorf(tokenwatch.CodeUnauthorized, "Your session has ended. Sign in again."))
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead && !sess.validForm(r) {
			s.fail(w, r, errFormExpired)
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, sess)))
	})
}

// validForm reports whether a submitted form carries the session's CSRF
// token.
func (sess *session) validForm(r *http.Request) bool {
	return subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(sess.CSRFToken)) == 1
}

var errFormExpired = tokenwatch.Errorf(tokenwatch.CodeForbidden, "This form has expired. Go back, reload the page and try again.")
