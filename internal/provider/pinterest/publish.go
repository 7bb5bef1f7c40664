package pinterest

import (
	"context"
	"net/url"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// Publish pins the post's image, with its text and link, to the account's
// first board.
func (p *Provider) Publish(ctx context.Context, page *tokenwatch.Page, creds tokenwatch.Credentials, post provider.Post) (string, error) {
	if post.MediaURL == "" {
		return "", p.oauth.Refuse("media_required", "Pinterest pins need an image")
	}
	var boards struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if err := p.oauth.Get(ctx, apiURL+"/boards", url.Values{"page_size": {"1"}}, creds.AccessToken, &boards); err != nil {
		return "", err
	}
	if len(boards.Items) == 0 {
		return "", p.oauth.Refuse("no_board", "the Pinterest account has no board to pin to")
	}
	body := map[string]any{
		"board_id":     boards.Items[0].ID,
		"description":  post.Text,
		"media_source": map[string]string{"source_type": "image_url", "url": post.MediaURL},
	}
	if post.Link != "" {
		body["link"] = post.Link
	}
	var r struct {
		ID string `json:"id"`
	}
	_, err := p.oauth.PostJSON(ctx, apiURL+"/pins", body, creds.AccessToken, &r)
	return r.ID, err
}
