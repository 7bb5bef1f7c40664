package facebook

import (
	"context"
	"net/url"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// Publish posts to the Page's feed with the page token.
func (p *Provider) Publish(ctx context.Context, page *tokenwatch.Page, creds tokenwatch.Credentials, post provider.Post) (string, error) {
	form := url.Values{"message": {post.Text}}
	if post.Link != "" {
		form.Set("link", post.Link)
	}
	var r struct {
		ID string `json:"id"`
	}
	err := p.login.PostForm(ctx, p.login.Graph()+"/"+url.PathEscape(page.ProviderPageID)+"/feed", form, creds.AccessToken, &r)
	return r.ID, err
}
