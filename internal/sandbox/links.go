package sandbox

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/tokenwatch/tokenwatch"
)

// The sandbox stands in for each network's website as well as its API: a
// published post has a page, at a path shaped like the real network's
// link to it, so that the link tokenwatch shows for a post opens the post.
// The links the networks answer (Facebook's permalink_url, Instagram's and
// Threads' permalink, Google Business Profile's searchUrl) are answered
// under the sandbox's public URL; the links tokenwatch builds itself
// (YouTube's watch page, X's status page, a Pinterest pin) reach it
// through the provider's base URL.

// SetPublicURL sets the address at which browsers reach the sandbox (the
// demo serves it under /sandbox beside the app): the links to posts its
// answers carry start with it. Unset, they start with the address the
// request came to.
func (s *Sandbox) SetPublicURL(u string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.publicURL = strings.TrimRight(u, "/")
}

// site is where this network's website is reached from a browser.
func (c *call) site() string {
	base := c.s.publicURL
	if base == "" {
		base = "http://" + c.r.Host
	}
	return base + Prefix(c.n.name)
}

// post returns the post published on this network with id, or nil.
func (c *call) post(id string) *Post {
	for i := range c.s.posts {
		if p := &c.s.posts[i]; p.Provider == c.n.name && p.ID == id {
			return p
		}
	}
	return nil
}

// permalink is the link to a published post that the network answers: the
// path of the real network's link to it, under the sandbox's site.
func (c *call) permalink(p *Post) string {
	switch c.n.name {
	case tokenwatch.Facebook:
		// https://www.facebook.com/{page}/posts/{id}
		return c.site() + "/" + url.PathEscape(p.PageID) + "/posts/" + url.PathEscape(p.ID)
	case tokenwatch.Instagram, tokenwatch.InstagramFacebook:
		// https://www.instagram.com/p/{shortcode}/: the sandbox's shortcode
		// is the media's id.
		return c.site() + "/p/" + url.PathEscape(p.ID) + "/"
	case tokenwatch.Threads:
		// https://www.threads.net/@{username}/post/{shortcode}
		return c.site() + "/@" + url.PathEscape(strings.TrimPrefix(c.userNameOf(p.UserID), "@")) + "/post/" + url.PathEscape(p.ID)
	case tokenwatch.GoogleBusiness:
		// https://local.google.com/place?id=…&use=posts&lpsid=…
		return c.site() + "/place?" + url.Values{"id": {p.PageID}, "use": {"posts"}, "lpsid": {p.ID}}.Encode()
	}
	return ""
}

// postPage shows a published post, as the network's website would.
var postPage = template.Must(template.New("post").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Network}} post (sandbox)</title></head>
<body><header><p>{{.Network}} · sandbox social network</p></header>
<main><article data-post="{{.ID}}"><h1>Post on {{.Page}}</h1><p class="text">{{.Text}}</p>{{with .Link}}<p class="link">{{.}}</p>{{end}}
<p><time datetime="{{.At}}">{{.At}}</time></p></article></main></body></html>
`))

// showPost answers the page of the post id (on page, when the link names
// one): 404 when the network has no such post.
func (c *call) showPost(id, page string) {
	p := c.post(id)
	if p == nil || (page != "" && p.PageID != page) {
		http.Error(c.w, "This content isn't available right now.", http.StatusNotFound)
		return
	}
	name := p.PageID
	if pg := c.n.page(p.PageID); pg != nil {
		name = pg.Name
	} else if a := c.n.account(p.PageID); a != nil {
		name = a.Name
	}
	c.w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = postPage.Execute(c.w, map[string]string{"Network": c.n.name.DisplayName(), "ID": p.ID, "Page": name, "Text": p.Text,
		"Link": p.Link, "At": p.At.UTC().Format("2006-01-02T15:04:05Z")})
}

// webRoutes serves the pages of published posts, at the paths of each
// network's links to its posts. LinkedIn and TikTok have none: tokenwatch
// gives their posts no link.
func webRoutes(rt *router) {
	switch rt.n.name {
	case tokenwatch.Facebook:
		rt.handle("GET /{page}/posts/{id}", "", func(c *call) { c.showPost(c.r.PathValue("id"), c.r.PathValue("page")) })
	case tokenwatch.Instagram, tokenwatch.InstagramFacebook:
		rt.handle("GET /p/{code}/{$}", "", func(c *call) { c.showPost(c.r.PathValue("code"), "") })
	case tokenwatch.Threads:
		rt.handle("GET /{handle}/post/{code}", "", func(c *call) {
			if !strings.HasPrefix(c.r.PathValue("handle"), "@") {
				http.NotFound(c.w, c.r)
				return
			}
			c.showPost(c.r.PathValue("code"), "")
		})
	case tokenwatch.GoogleBusiness:
		rt.handle("GET /place", "", func(c *call) { c.showPost(c.r.Form.Get("lpsid"), c.r.Form.Get("id")) })
	case tokenwatch.YouTube:
		// https://www.youtube.com/watch?v={id}
		rt.handle("GET /watch", "", func(c *call) { c.showPost(c.r.Form.Get("v"), "") })
	case tokenwatch.X:
		// https://x.com/{username}/status/{id}: X finds the post by its id.
		rt.handle("GET /{user}/status/{id}", "", func(c *call) { c.showPost(c.r.PathValue("id"), "") })
	case tokenwatch.Pinterest:
		// https://www.pinterest.com/pin/{id}
		rt.handle("GET /pin/{id}", "", func(c *call) { c.showPost(c.r.PathValue("id"), "") })
	}
}

// metaFields are the fields the sandbox's Graph API answers on a published
// object, by network, with the node type Meta names in its errors.
var metaFields = map[tokenwatch.Provider]struct {
	node   string
	fields []string
}{
	// https://developers.facebook.com/docs/graph-api/reference/pagepost
	tokenwatch.Facebook: {"Post", []string{"id", "message", "created_time", "permalink_url"}},
	// https://developers.facebook.com/docs/instagram-platform/reference/instagram-media
	tokenwatch.InstagramFacebook: {"IGMedia", []string{"id", "caption", "media_type", "media_url", "permalink", "shortcode", "timestamp", "username"}},
	tokenwatch.Instagram:         {"IGMedia", []string{"id", "caption", "media_type", "media_url", "permalink", "shortcode", "timestamp", "username"}},
	// https://developers.facebook.com/docs/threads/threads-media
	tokenwatch.Threads: {"ThreadsMedia", []string{"id", "media_product_type", "media_type", "permalink", "shortcode", "text", "timestamp", "username"}},
}

// publishedObject answers GET /{id} on a published post or media with the
// fields asked for and its id, as the token's holder may read
// it: its page's token or a user with a role on it. A field the node does
// not have is refused as Meta refuses it.
func (c *call) publishedObject(p *Post) {
	t, ok := c.auth()
	if !ok || !c.owns(t, p.PageID) || !c.businessAccess(t, p.PageID) {
		return
	}
	spec := metaFields[c.n.name]
	asked := splitScopes(c.r.Form.Get("fields"))
	if len(asked) == 0 {
		asked = []string{"id"}
	}
	id := p.ID
	if c.n.name == tokenwatch.Facebook {
		id = p.PageID + "_" + p.ID
	}
	at := p.At.UTC().Format("2006-01-02T15:04:05+0000")
	// The Graph API answers the id with whatever fields are asked.
	out := map[string]string{"id": id}
	for _, f := range asked {
		switch f {
		case "id":
			out[f] = id
		case "message", "caption", "text":
			out[f] = p.Text
		case "created_time", "timestamp":
			out[f] = at
		case "permalink_url", "permalink":
			if slices.Contains(spec.fields, f) {
				out[f] = c.permalink(p)
			}
		case "shortcode":
			out[f] = p.ID
		case "username":
			out[f] = c.userNameOf(p.UserID)
		case "media_type":
			out[f] = "IMAGE"
			if c.n.name == tokenwatch.Threads && p.MediaURL == "" {
				out[f] = "TEXT_POST"
			}
		case "media_product_type":
			out[f] = "THREADS"
		case "media_url":
			out[f] = p.MediaURL
		}
		if _, ok := out[f]; !ok || !slices.Contains(spec.fields, f) {
			metaError(c.w, http.StatusBadRequest, 100, 0, "(#100) Tried accessing nonexisting field ("+f+") on node type ("+spec.node+")")
			return
		}
	}
	writeJSON(c.w, http.StatusOK, out)
}
