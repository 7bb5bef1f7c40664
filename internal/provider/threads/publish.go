package threads

import (
	"context"
	"net/url"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/meta"
)

// Publish creates a text (or image) container and publishes it.
func (p *Provider) Publish(ctx context.Context, page *tokenwatch.Page, creds tokenwatch.Credentials, post provider.Post) (string, error) {
	params := url.Values{"media_type": {"TEXT"}, "text": {post.TextWithLink()}}
	if post.MediaURL != "" {
		params.Set("media_type", "IMAGE")
		params.Set("image_url", post.MediaURL)
	}
	base := p.graph + "/" + url.PathEscape(page.ProviderPageID)
	return meta.PublishContainer(ctx, p.login.Client, base+"/threads", base+"/threads_publish", params, creds.AccessToken)
}
