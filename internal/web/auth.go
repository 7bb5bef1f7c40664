package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/password"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

const sessionCookie = "tw_session"

type sessionKey struct{}

// session is the signed-in session of a request.
type session struct {
	*store.Session
	token string
	// scope is what the user may see, filled by scopeOf on first use.
	scope *scope
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
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(sess.CSRFToken)) != 1 {
				s.fail(w, r, tokenwatch.Errorf(tokenwatch.CodeForbidden, "This form has expired. Go back, reload the page and try again."))
				return
			}
		}
		h(w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, sess)))
	})
}

type loginData struct {
	Email      string
	Next       string
	DemoLogins []DemoLogin
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	if s.currentSession(r) != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "login", page{Title: "Sign in",
		Data: loginData{Next: r.URL.Query().Get("next"), DemoLogins: s.opts.DemoLogins}})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	email := tokenwatch.NormalizeEmail(r.PostFormValue("email"))
	pw := r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	data := loginData{Email: email, Next: next, DemoLogins: s.opts.DemoLogins}
	ip := clientIP(r)

	if wait := s.limiter.blocked(ip, email); wait > 0 {
		s.render(w, r, http.StatusTooManyRequests, "login", page{Title: "Sign in", Data: data,
			Flash: "Too many failed attempts. Try again in " + roundUp(wait) + "."})
		return
	}
	u, hash, err := s.store.UserLogin(r.Context(), email)
	if err != nil && !tokenwatch.IsNotFound(err) {
		s.fail(w, r, err)
		return
	}
	if err != nil {
		hash = s.dummyHash()
	}
	if !password.Verify(hash, pw) || u == nil {
		s.limiter.failed(ip, email)
		s.log.Info("sign-in failed", "email", email, "ip", ip)
		s.render(w, r, http.StatusUnauthorized, "login", page{Title: "Sign in", Data: data,
			Flash: "The e-mail address or the password is wrong."})
		return
	}
	s.limiter.succeeded(email)
	token, err := s.store.CreateSession(r.Context(), u.ID, s.opts.SessionTTL)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token.Reveal(), Path: "/", HttpOnly: true,
		Secure: s.opts.CookieSecure, SameSite: http.SameSiteLaxMode, MaxAge: int(s.opts.SessionTTL / time.Second)})
	s.log.Info("signed in", "user", u.ID)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if sess := s.currentSession(r); sess != nil {
		if subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(sess.CSRFToken)) != 1 {
			s.fail(w, r, tokenwatch.Errorf(tokenwatch.CodeForbidden, "This form has expired. Go back, reload the page and try again."))
			return
		}
		if err := s.store.DeleteSession(r.Context(), sess.token); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: s.opts.CookieSecure,
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// dummyHash returns a hash of a random password at the configured cost,
// compared against when the e-mail address is unknown so that a failed
// sign-in takes as long whether or not the address exists.
func (s *Server) dummyHash() string {
	s.dummyOnce.Do(func() {
		h, err := password.Hash(rand.Text(), s.opts.PasswordCost)
		if err != nil {
			panic(err) // only an invalid cost fails, and New checked it
		}
		s.dummy = h
	})
	return s.dummy
}

// safeNext keeps redirects after sign-in on this site.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

func clientIP(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	return host
}

func roundUp(d time.Duration) string {
	m := int((d + time.Minute - 1) / time.Minute)
	if m <= 1 {
		return "a minute"
	}
	return strconv.Itoa(m) + " minutes"
}

// loginLimiter slows down password guessing: after too many failures for
// one address or from one client within the window, sign-in is refused
// until the window has passed.
type loginLimiter struct {
	mu       sync.Mutex
	now      func() time.Time
	failures map[string][]time.Time
}

const (
	limitWindow   = 15 * time.Minute
	limitPerEmail = 5
	limitPerIP    = 20
)

func newLoginLimiter(now func() time.Time) *loginLimiter {
	return &loginLimiter{now: now, failures: map[string][]time.Time{}}
}

// recent drops failures older than the window and returns what is left.
func (l *loginLimiter) recent(key string) []time.Time {
	cutoff := l.now().Add(-limitWindow)
	fs := l.failures[key]
	i := 0
	for i < len(fs) && fs[i].Before(cutoff) {
		i++
	}
	fs = fs[i:]
	if len(fs) == 0 {
		delete(l.failures, key)
	} else {
		l.failures[key] = fs
	}
	return fs
}

// blocked returns how long the client must wait, zero if it may try.
func (l *loginLimiter) blocked(ip, email string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	var wait time.Duration
	for key, limit := range map[string]int{"ip:" + ip: limitPerIP, "email:" + email: limitPerEmail} {
		fs := l.recent(key)
		if len(fs) >= limit {
			if w := fs[len(fs)-limit].Add(limitWindow).Sub(l.now()); w > wait {
				wait = w
			}
		}
	}
	return wait
}

func (l *loginLimiter) failed(ip, email string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.failures["ip:"+ip] = append(l.recent("ip:"+ip), now)
	l.failures["email:"+email] = append(l.recent("email:"+email), now)
}

func (l *loginLimiter) succeeded(email string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failures, "email:"+email)
}
