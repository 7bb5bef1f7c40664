package tiktok

import (
	"context"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// Publish starts a direct post of the video at the post's media URL, which
// TikTok pulls itself; the id is TikTok's publish id.
func (p *Provider) Publish(ctx context.Context, page *tokenwatch.Page, creds tokenwatch.Credentials, post provider.Post) (string, error) {
	if post.MediaURL == "" {
		return "", p.c.Refuse("media_required", "TikTok posts need a video")
	}
	body := map[string]any{
		"post_info":   map[string]string{"title": post.TextWithLink(), "privacy_level": "PUBLIC_TO_EVERYONE"},
		"source_info": map[string]string{"source": "PULL_FROM_URL", "video_url": post.MediaURL},
	}
	var r struct {
		Data struct {
			PublishID string `json:"publish_id"`
		} `json:"data"`
	}
	_, err := p.c.PostJSON(ctx, apiURL+"/post/publish/video/init/", body, creds.AccessToken, &r)
	return r.Data.PublishID, err
}
