package x

import (
	"context"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// Publish posts the text with its link.
func (p *Provider) Publish(ctx context.Context, page *tokenwatch.Page, creds tokenwatch.Credentials, post provider.Post) (string, error) {
	var r struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	_, err := p.oauth.PostJSON(ctx, apiURL+"/tweets", map[string]string{"text": post.TextWithLink()}, creds.AccessToken, &r)
	return r.Data.ID, err
}
