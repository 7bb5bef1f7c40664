package sandbox

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// consentPage is the sandbox's consent screen: server-rendered, one
// "Continue as" button per account of the network, no script.
var consentPage = template.Must(template.New("consent").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Network}} sandbox: sign in</title>
<style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem}
button{display:block;width:100%;margin:.5rem 0;padding:.7rem;font-size:1rem;cursor:pointer}
.cancel{background:none;border:1px solid #999}.note{color:#666;font-size:.9rem}</style></head>
<body><h1>{{.Network}} <small>(sandbox)</small></h1>
<p>The app <strong>{{.ClientID}}</strong> asks for access to your account:</p>
<ul>{{range .Scopes}}<li><code>{{.}}</code></li>{{else}}<li>basic access</li>{{end}}</ul>
<form method="post">
{{range .Accounts}}<button name="account" value="{{.ID}}">Continue as {{.Name}}</button>
{{else}}<p>This sandbox network has no accounts yet.</p>{{end}}
<button class="cancel" name="cancel" value="1">Cancel</button>
</form>
<p class="note">This is tokenwatch's sandbox social network: no real account is involved.</p>
</body></html>`))

var consentError = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Network}} sandbox: error</title></head>
<body><h1>{{.Network}} <small>(sandbox)</small></h1><p>This request cannot be authorized: {{.Message}}</p></body></html>`))

// consent serves the consent screen at path. idKey names the client id
// parameter (client_id; client_key at TikTok).
func (rt *router) consent(path, idKey string) {
	h := func(c *call) {
		q := c.r.URL.Query()
		app, msg := c.n.apps[q.Get(idKey)], ""
		switch {
		case app == nil:
			msg = "unknown " + idKey
		case !slices.Contains(app.RedirectURIs, q.Get("redirect_uri")):
			msg = "redirect_uri is not registered for this app"
		case q.Get("response_type") != "code":
			msg = "response_type must be code"
		case q.Get("code_challenge") != "" && q.Get("code_challenge_method") != "S256":
			msg = "code_challenge_method must be S256"
		case c.n.opts.RequirePKCE && q.Get("code_challenge") == "":
			msg = "a PKCE code_challenge is required"
		}
		if msg != "" {
			// Like the real ones: a bad client or redirect URI is never
			// redirected to.
			c.w.Header().Set("Content-Type", "text/html; charset=utf-8")
			c.w.WriteHeader(http.StatusBadRequest)
			_ = consentError.Execute(c.w, map[string]string{"Network": c.n.name.DisplayName(), "Message": msg})
			return
		}
		if c.r.Method == http.MethodGet {
			c.w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_ = consentPage.Execute(c.w, map[string]any{
				"Network": c.n.name.DisplayName(), "ClientID": app.ClientID,
				"Scopes": splitScopes(q.Get("scope")), "Accounts": c.n.accounts,
			})
			return
		}
		back, _ := url.Parse(q.Get("redirect_uri"))
		v := back.Query()
		v.Set("state", q.Get("state"))
		if c.r.PostForm.Get("cancel") != "" {
			v.Set("error", "access_denied")
		} else if a := c.n.account(c.r.PostForm.Get("account")); a == nil {
			http.Error(c.w, "unknown account", http.StatusBadRequest)
			return
		} else {
			code := randomToken()
			c.n.codes[code] = &authCode{app: app, userID: a.ID, redirectURI: q.Get("redirect_uri"),
				scopes: splitScopes(q.Get("scope")), challenge: q.Get("code_challenge"), expiresAt: c.s.now().Add(10 * time.Minute)}
			v.Set("code", code)
		}
		back.RawQuery = v.Encode()
		http.Redirect(c.w, c.r, back.String(), http.StatusFound)
	}
	rt.handle("GET "+path, OpConsent, h)
	rt.handle("POST "+path, OpConsent, h)
}
