package sandbox

import (
	"encoding/json"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/tokenwatch/tokenwatch"
)

// controlRoutes serves the controls under /_sandbox/ as JSON endpoints (for
// the demo), an overview page, and sample media for posts.
func (s *Sandbox) controlRoutes() {
	type target struct {
		Provider tokenwatch.Provider `json:"provider"`
	}
	control(s, "POST /_sandbox/apps", func(v struct {
		target
		App
	}) (any, error) {
		s.AddApp(v.Provider, v.App)
		return v.App.ClientID, nil
	})
	control(s, "POST /_sandbox/accounts", func(v struct {
		target
		Account
	}) (any, error) {
		s.AddAccount(v.Provider, v.Account)
		return v.Account, nil
	})
	control(s, "POST /_sandbox/pages", func(v struct {
		target
		Page
	}) (any, error) {
		s.AddPage(v.Provider, v.Page)
		return v.Page, nil
	})
	control(s, "POST /_sandbox/roles", func(v struct {
		target
		PageID string `json:"page_id"`
		UserID string `json:"user_id"`
		Role   string `json:"role"`
	}) (any, error) {
		s.SetRole(v.Provider, v.PageID, v.UserID, v.Role)
		return "ok", nil
	})
	control(s, "POST /_sandbox/grants", func(v struct {
		target
		GrantRequest
	}) (any, error) {
		return s.IssueGrant(v.Provider, v.GrantRequest)
	})
	control(s, "POST /_sandbox/revoke", func(v struct {
		target
		Token  string `json:"token"`
		UserID string `json:"user_id"`
	}) (any, error) {
		if v.Token != "" {
			return "ok", s.Revoke(v.Token)
		}
		return s.RevokeUser(v.Provider, v.UserID), nil
	})
	control(s, "POST /_sandbox/expire", func(v struct {
		Token string `json:"token"`
	}) (any, error) {
		return "ok", s.Expire(v.Token)
	})
	control(s, "POST /_sandbox/scopes/remove", func(v struct {
		target
		UserID string `json:"user_id"`
		Scope  string `json:"scope"`
	}) (any, error) {
		s.RemoveScope(v.Provider, v.UserID, v.Scope)
		return "ok", nil
	})
	control(s, "POST /_sandbox/block", func(v struct {
		target
		UserID  string `json:"user_id"`
		Subcode int    `json:"subcode"`
		Unblock bool   `json:"unblock"`
	}) (any, error) {
		if v.Unblock {
			s.Unblock(v.Provider, v.UserID)
		} else {
			s.Block(v.Provider, v.UserID, v.Subcode)
		}
		return "ok", nil
	})
	control(s, "POST /_sandbox/faults", func(v struct {
		Fault
		RetryAfterSeconds int `json:"retry_after_seconds"`
		DelayMilliseconds int `json:"delay_ms"`
	}) (any, error) {
		v.Fault.RetryAfter = time.Duration(v.RetryAfterSeconds) * time.Second
		v.Fault.Delay = time.Duration(v.DelayMilliseconds) * time.Millisecond
		s.Fail(v.Fault)
		return "ok", nil
	})
	control(s, "DELETE /_sandbox/faults", func(struct{}) (any, error) {
		s.ClearFaults()
		return "ok", nil
	})
	control(s, "POST /_sandbox/options", func(v struct {
		target
		RotateRefresh    *bool `json:"rotate_refresh"`
		ReplayKillsGrant *bool `json:"replay_kills_grant"`
		RequirePKCE      *bool `json:"require_pkce"`
	}) (any, error) {
		s.Configure(v.Provider, func(o *Options) {
			setIf(&o.RotateRefresh, v.RotateRefresh)
			setIf(&o.ReplayKillsGrant, v.ReplayKillsGrant)
			setIf(&o.RequirePKCE, v.RequirePKCE)
		})
		return s.Options(v.Provider), nil
	})
	s.mux.HandleFunc("GET /_sandbox/calls", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		out := map[tokenwatch.Provider]map[Op]int{}
		for p, m := range s.calls {
			if q := r.URL.Query().Get("provider"); q == "" || q == string(p) {
				out[p] = map[Op]int{}
				for op, n := range m {
					out[p][op] = n
				}
			}
		}
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, out)
	})
	s.mux.HandleFunc("GET /_sandbox/posts", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Posts(tokenwatch.Provider(r.URL.Query().Get("provider"))))
	})
	s.mux.HandleFunc("GET /_sandbox/media/{name}", func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		switch {
		case strings.HasSuffix(name, ".png"), strings.HasSuffix(name, ".jpg"):
			w.Header().Set("Content-Type", "image/png")
		default:
			w.Header().Set("Content-Type", "video/mp4")
		}
		_, _ = w.Write([]byte("sandbox media " + name))
	})
	s.mux.HandleFunc("GET /_sandbox/{$}", s.overview)
}

// control registers a JSON control endpoint: the body decodes into T, the
// answer is what do returns.
func control[T any](s *Sandbox, pattern string, do func(T) (any, error)) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		var v T
		if r.ContentLength != 0 {
			if err := json.NewDecoder(r.Body).Decode(&v); err != nil {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": "bad JSON: " + err.Error()})
				return
			}
		}
		out, err := safely(func() (any, error) { return do(v) })
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, out)
	})
}

// safely turns the panic of an unknown provider into an error.
func safely(f func() (any, error)) (out any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errorString(strings.TrimPrefix(toString(r), "sandbox: "))
		}
	}()
	return f()
}

type errorString string

func (e errorString) Error() string { return string(e) }

func toString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return "unexpected failure"
}

func setIf(dst *bool, v *bool) {
	if v != nil {
		*dst = *v
	}
}

var overviewPage = template.Must(template.New("overview").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sandbox social network</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse;margin-bottom:1.5rem}
td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}</style></head><body>
<h1>Sandbox social network</h1>
{{range .Networks}}<h2>{{.Name}} <small><code>{{.Prefix}}</code></small></h2>
<table><tr><th>Accounts</th><td>{{range .Accounts}}{{.Name}} ({{.ID}}) {{end}}</td></tr>
<tr><th>Pages</th><td>{{range .Pages}}{{.}}<br>{{end}}</td></tr>
<tr><th>Grants</th><td>{{.Grants}} ({{.Revoked}} revoked)</td></tr></table>
{{end}}
<h2>Posts</h2><table><tr><th>When</th><th>Network</th><th>Page</th><th>Text</th></tr>
{{range .Posts}}<tr><td>{{.At.Format "2006-01-02 15:04:05"}}</td><td>{{.Provider}}</td><td>{{.PageID}}</td><td>{{.Text}}</td></tr>{{end}}</table>
</body></html>`))

// overview shows the sandbox's state to a person (no token is shown).
func (s *Sandbox) overview(w http.ResponseWriter, r *http.Request) {
	type netView struct {
		Name, Prefix    string
		Accounts        []Account
		Pages           []string
		Grants, Revoked int
	}
	s.mu.Lock()
	var nets []netView
	for _, p := range tokenwatch.Providers {
		n := s.nets[p]
		v := netView{Name: p.DisplayName(), Prefix: Prefix(p), Grants: len(n.grants)}
		for _, a := range n.accounts {
			v.Accounts = append(v.Accounts, *a)
		}
		for _, pg := range n.pages {
			var roles []string
			for user, role := range n.roles[pg.ID] {
				roles = append(roles, user+": "+role)
			}
			slices.Sort(roles)
			v.Pages = append(v.Pages, pg.Name+" ("+pg.ID+") — "+strings.Join(roles, ", "))
		}
		for _, g := range n.grants {
			if g.revoked {
				v.Revoked++
			}
		}
		nets = append(nets, v)
	}
	posts := append([]Post(nil), s.posts...)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = overviewPage.Execute(w, map[string]any{"Networks": nets, "Posts": posts})
}
