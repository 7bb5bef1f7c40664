package googlebusiness

import (
	"context"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// Publish creates a standard local post, with a "Learn more" button for the
// link. localPosts.create answers the created LocalPost, whose searchUrl is
// "the link to the local post in Google search"
// (https://developers.google.com/my-business/reference/rest/v4/accounts.locations.localPosts).
func (p *Provider) Publish(ctx context.Context, page *tokenwatch.Page, creds tokenwatch.Credentials, post provider.Post) (provider.Published, error) {
	body := map[string]any{"languageCode": "en", "summary": post.Text, "topicType": "STANDARD"}
	if post.Link != "" {
		body["callToAction"] = map[string]string{"actionType": "LEARN_MORE", "url": post.Link}
	}
	if post.MediaURL != "" {
		body["media"] = []map[string]string{{"mediaFormat": "PHOTO", "sourceUrl": post.MediaURL}}
	}
	var r struct {
		Name      string `json:"name"`
		SearchURL string `json:"searchUrl"`
	}
	if _, err := p.oauth.PostJSON(ctx, postsURL+"/"+page.ProviderPageID+"/localPosts", body, creds.AccessToken, &r); err != nil {
		return provider.Published{}, err
	}
	return provider.Published{ID: r.Name, URL: provider.Link(r.SearchURL)}, nil
}
