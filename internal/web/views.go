package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// views holds the parsed templates, one per page, each with the layout.
type views struct {
	pages  map[string]*template.Template
	assets map[string]string // file name → content hash
}

func parseViews() (*views, error) {
	v := &views{pages: map[string]*template.Template{}, assets: map[string]string{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		v.assets[strings.TrimPrefix(p, "static/")] = hex.EncodeToString(sum[:])[:12]
		return nil
	})
	if err != nil {
		return nil, err
	}
	funcs := template.FuncMap{
		"asset": func(name string) (string, error) {
			h, ok := v.assets[name]
			if !ok {
				return "", fmt.Errorf("no asset %s", name)
			}
			return "/static/" + name + "?v=" + h, nil
		},
		"date": func(t time.Time, tz *time.Location) string {
			if t.IsZero() {
				return ""
			}
			return t.In(tz).Format("Mon 2 Jan 2006, 15:04")
		},
		"isoTime": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"add":     func(a, b int) int { return a + b },
		"sub":     func(a, b int) int { return a - b },
		// utcTime is a moment for operators, who read logs in UTC.
		"utcTime": func(t time.Time) string { return t.UTC().Format("Mon 2 Jan 2006, 15:04 MST") },
		// sprite is the URL of the icon sprite; icons are its fragments.
		"sprite": func() string { return "/static/icons.svg?v=" + v.assets["icons.svg"] },
		"action": func(p pageView, csrf, here string) pageAction { return pageAction{Page: p, CSRF: csrf, Return: here} },
		"selectField": func(id, name, label string, opts []option) selectField {
			return selectField{ID: id, Name: name, Label: label, Options: opts}
		},
	}
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/components.html")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		base := path.Base(name)
		if base == "layout.html" || base == "components.html" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(templateFS, name)
		if err != nil {
			return nil, err
		}
		v.pages[strings.TrimSuffix(base, ".html")] = t
	}
	return v, nil
}

// pageAction is what the "page-action" template needs: a page, and the
// form token for its Reconnect button.
type pageAction struct {
	Page pageView
	CSRF string
	// Return is where a reconnect goes back to: the page it was started on.
	Return string
}

// page is what every template gets.
type page struct {
	Title string
	User  *tokenwatch.User
	CSRF  string
	// Flash is a one-line error message at the top.
	Flash string
	// Notice is a one-line confirmation at the top.
	Notice string
	Data   any
	// Menu and Popup are filled in by render for signed-in users.
	Menu  *menu
	Popup *popup
	// Banner lists the service problems, for account owners.
	Banner []store.ServiceProblem
	// Here is the address of the page shown (for GET requests), where a
	// reconnect started on it goes back to.
	Here string
}

// render writes a page with the given status. Rendering into a buffer
// first means a template error becomes a clean 500, not half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	t, ok := s.views.pages[name]
	if !ok {
		s.serverError(w, r, fmt.Errorf("no template %s", name))
		return
	}
	if sess := sessionFrom(r.Context()); sess != nil {
		p.User, p.CSRF = sess.User, sess.CSRFToken
		s.addChrome(r, &p)
		if msg := takeFlash(w, r); msg != "" && p.Notice == "" {
			p.Notice = msg
		}
	}
	if r.Method == http.MethodGet {
		p.Here = r.URL.RequestURI()
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		s.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// fail renders an error page: the error's user-safe message with the
// matching status; internal errors are logged and shown as "Internal error".
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := tokenwatch.ErrorCode(err)
	if code == tokenwatch.CodeInternal {
		s.serverError(w, r, err)
		return
	}
	title := "Something went wrong"
	switch code {
	case tokenwatch.CodeNotFound:
		title = "Not found"
	case tokenwatch.CodeUnavailable:
		title = "Service unavailable"
	}
	s.render(w, r, tokenwatch.HTTPStatus(err), "error", page{Title: title, Data: tokenwatch.ErrorMessage(err)})
}

func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("internal error", "method", r.Method, "path", logPath(r), "err", err)
	http.Error(w, "Internal error", http.StatusInternalServerError)
}

// static serves the embedded assets; a request carrying the content hash
// may be cached for a year.
func (s *Server) static() http.Handler {
	sub, _ := fs.Sub(staticFS, "static")
	files := http.FileServerFS(sub)
	return http.StripPrefix("/static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h, ok := s.views.assets[r.URL.Path]; ok && r.URL.Query().Get("v") == h {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		}
		files.ServeHTTP(w, r)
	}))
}
