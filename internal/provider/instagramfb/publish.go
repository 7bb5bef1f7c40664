package instagramfb

import (
	"context"
	"net/url"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/meta"
)

// Publish creates an image container, waits for its status_code to be
// FINISHED, and publishes it; Instagram does not take text alone, and
// media_publish refuses a container still being processed (9007/2207027).
// https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-container
func (p *Provider) Publish(ctx context.Context, page *tokenwatch.Page, creds tokenwatch.Credentials, post provider.Post) (provider.Published, error) {
	if post.MediaURL == "" {
		return provider.Published{}, p.login.Refuse("media_required", "Instagram posts need an image")
	}
	graph := p.login.Graph()
	base := graph + "/" + url.PathEscape(page.ProviderPageID)
	params := url.Values{"image_url": {post.MediaURL}, "caption": {post.TextWithLink()}}
	pub, err := meta.PublishContainer(ctx, p.login.Client, meta.Container{
		Create: base + "/media", Publish: base + "/media_publish",
		Status:      func(id string) string { return graph + "/" + url.PathEscape(id) },
		StatusField: "status_code", ReasonField: "status", Poll: p.poll,
	}, params, creds.AccessToken)
	return pub, explainBusinessRole(err, page.Scopes)
}

// SetPoll changes how long and how often Publish reads a container's
// status (tests make it fast).
func (p *Provider) SetPoll(poll meta.Poll) { p.poll = poll }
