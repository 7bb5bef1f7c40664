package facebook

import (
	"context"
	"net/url"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/meta"
)

// Publish posts to the Page's feed with the page token. The feed answers
// the post's id alone; its link is the Page Post's permalink_url ("the
// permanent static URL to the post on www.facebook.com"), read with one
// more call that a page token may make on its own Page's posts
// (https://developers.facebook.com/docs/graph-api/reference/pagepost). A
// failed read leaves the post published, without a link.
func (p *Provider) Publish(ctx context.Context, page *tokenwatch.Page, creds tokenwatch.Credentials, post provider.Post) (provider.Published, error) {
	form := url.Values{"message": {post.Text}}
	if post.Link != "" {
		form.Set("link", post.Link)
	}
	var r struct {
		ID string `json:"id"`
	}
	graph := p.login.Graph()
	if err := p.login.PostForm(ctx, graph+"/"+url.PathEscape(page.ProviderPageID)+"/feed", form, creds.AccessToken, &r); err != nil {
		return provider.Published{}, err
	}
	return provider.Published{ID: r.ID, URL: meta.Permalink(ctx, p.login.Client, graph+"/"+url.PathEscape(r.ID), "permalink_url", creds.AccessToken)}, nil
}
