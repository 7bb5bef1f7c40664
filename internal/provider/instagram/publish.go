package instagram

import (
	"context"
	"net/url"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/meta"
)

// Publish creates an image container and publishes it.
func (p *Provider) Publish(ctx context.Context, page *tokenwatch.Page, creds tokenwatch.Credentials, post provider.Post) (string, error) {
	if post.MediaURL == "" {
		return "", p.login.Refuse("media_required", "Instagram posts need an image")
	}
	base := p.graph + "/" + url.PathEscape(page.ProviderPageID)
	params := url.Values{"image_url": {post.MediaURL}, "caption": {post.TextWithLink()}}
	return meta.PublishContainer(ctx, p.login.Client, base+"/media", base+"/media_publish", params, creds.AccessToken)
}
