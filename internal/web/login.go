package web

import (
	"crypto/rand"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/password"
)

// login signs a user in with e-mail address and password, slowing down
// guessing per address and per client, and starts a session in the
// database.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	email, emailOK := field(r, "email", maxEmail)
	pw, pwOK := field(r, "password", maxPassword)
	email = tokenwatch.NormalizeEmail(email)
	next := safeNext(r.PostFormValue("next"))
	data := loginData{Email: email, Next: next, DemoLogins: s.opts.DemoLogins}
	ip := clientIP(r, s.opts.TrustedProxies)

	// Nothing longer than a field can be reaches the limiter, the log or
	// the page: no real address or password is that long.
	if !emailOK || !pwOK {
		data.Email = ""
		s.log.Info("sign-in refused: a field is too long", "ip", ip)
		s.render(w, r, http.StatusBadRequest, "login", page{Title: "Sign in", Data: data,
			Flash: "The e-mail address or the password is too long."})
		return
	}
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
	s.limiter.succeeded(ip, email)
	token, err := s.store.CreateSession(r.Context(), u.ID, s.opts.SessionTTL)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token.Reveal(), Path: "/", HttpOnly: true,
		Secure: s.opts.CookieSecure, SameSite: http.SameSiteLaxMode, MaxAge: int(s.opts.SessionTTL / time.Second)})
	s.log.Info("signed in", "user", u.ID)
	if s.opts.OnSignIn != nil {
		s.opts.OnSignIn(u)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
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

// Longest values of the sign-in form: an e-mail address has 254 bytes at
// most (RFC 5321); passwords have 72 (password.Check), so this is roomy;
// a return path longer than maxNext is not one of this site's.
const (
	maxEmail    = 254
	maxPassword = 1024
	maxNext     = 2048
)

// field returns a form value, and false (with nothing of it) when it is
// longer than max bytes.
func field(r *http.Request, name string, max int) (string, bool) {
	v := r.PostFormValue(name)
	if len(v) > max {
		return "", false
	}
	return v, true
}

// safeNext keeps redirects after sign-in on this site: only a path (with
// its query) of this site passes; anything a browser could read as another
// host ("//host", "/\\host", "/\t/host") becomes "/".
func safeNext(next string) string {
	if next == "" || len(next) > maxNext || strings.ContainsFunc(next, notInPath) {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	return u.RequestURI()
}

// notInPath are the characters a return path may not hold: controls, which
// browsers drop or choke on, and the backslash, which they read as a slash.
func notInPath(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }

func roundUp(d time.Duration) string {
	m := int((d + time.Minute - 1) / time.Minute)
	if m <= 1 {
		return "a minute"
	}
	return strconv.Itoa(m) + " minutes"
}
