package googlebusiness

import (
	"context"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// Publish creates a standard local post, with a "Learn more" button for the link.
func (p *Provider) Publish(ctx context.Context, page *tokenwatch.Page, creds tokenwatch.Credentials, post provider.Post) (string, error) {
	body := map[string]any{"languageCode": "en", "summary": post.Text, "topicType": "STANDARD"}
	if post.Link != "" {
		body["callToAction"] = map[string]string{"actionType": "LEARN_MORE", "url": post.Link}
	}
	if post.MediaURL != "" {
		body["media"] = []map[string]string{{"mediaFormat": "PHOTO", "sourceUrl": post.MediaURL}}
	}
	var r struct {
		Name string `json:"name"`
	}
	_, err := p.oauth.PostJSON(ctx, postsURL+"/"+page.ProviderPageID+"/localPosts", body, creds.AccessToken, &r)
	return r.Name, err
}
