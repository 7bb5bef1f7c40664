package tiktok

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"unicode/utf16"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/oauthx"
)

// creatorInfo is what /v2/post/publish/creator_info/query/ says of the
// creator (developers.tiktok.com/doc/content-posting-api-reference-query-creator-info).
type creatorInfo struct {
	PrivacyLevelOptions []string `json:"privacy_level_options"`
	CommentDisabled     bool     `json:"comment_disabled"`
	DuetDisabled        bool     `json:"duet_disabled"`
	StitchDisabled      bool     `json:"stitch_disabled"`
}

// privacyPreference lists the privacy levels from the most public down:
// a public account offers PUBLIC_TO_EVERYONE, a private one
// FOLLOWER_OF_CREATOR; both offer MUTUAL_FOLLOW_FRIENDS and SELF_ONLY.
var privacyPreference = []string{"PUBLIC_TO_EVERYONE", "FOLLOWER_OF_CREATOR", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"}

// privacyLevel is the most public of the levels TikTok offers.
func privacyLevel(offered []string) string {
	for _, l := range privacyPreference {
		if slices.Contains(offered, l) {
			return l
		}
	}
	return ""
}

// maxTitle is the longest caption TikTok takes, in UTF-16 code units.
const maxTitle = 2200

// Publish makes a direct post of the video at the post's media URL, which
// TikTok pulls itself (PULL_FROM_URL: the URL's prefix must be verified by
// the app). As TikTok requires, it first asks creator_info what the
// creator may do now and posts at one of the privacy levels offered; the
// id is TikTok's publish id.
//
// The post has no link: video/init answers a publish_id only, and TikTok
// gives the post's id (publicaly_available_post_id, from the status
// endpoint) only once its moderation is over, which may take hours
// (https://developers.tiktok.com/doc/content-posting-api-reference-get-video-status).
func (p *Provider) Publish(ctx context.Context, page *tokenwatch.Page, creds tokenwatch.Credentials, post provider.Post) (provider.Published, error) {
	if post.MediaURL == "" {
		return provider.Published{}, p.c.Refuse("media_required", "TikTok posts need a video")
	}
	title := post.TextWithLink()
	if n := len(utf16.Encode([]rune(title))); n > maxTitle {
		return provider.Published{}, p.c.Refuse("title_too_long", fmt.Sprintf("TikTok captions hold at most %d characters; this one has %d", maxTitle, n))
	}
	var ci creatorInfo
	err := p.api(ctx, oauthx.Request{Method: http.MethodPost, URL: p.apiURL + "/post/publish/creator_info/query/",
		Token: creds.AccessToken, Header: http.Header{"Content-Type": {"application/json; charset=UTF-8"}}}, &ci)
	if err != nil {
		return provider.Published{}, err
	}
	level := privacyLevel(ci.PrivacyLevelOptions)
	if level == "" {
		return provider.Published{}, p.c.Refuse("no_privacy_level", "TikTok offers this account no privacy level to post at")
	}
	body := map[string]any{
		"post_info": map[string]any{
			"title": title, "privacy_level": level,
			"disable_comment": ci.CommentDisabled, "disable_duet": ci.DuetDisabled, "disable_stitch": ci.StitchDisabled,
			// Required; tokenwatch posts no paid partnerships.
			"brand_content_toggle": false,
		},
		"source_info": map[string]string{"source": "PULL_FROM_URL", "video_url": post.MediaURL},
	}
	var d struct {
		PublishID string `json:"publish_id"`
	}
	if err := p.api(ctx, oauthx.Request{Method: http.MethodPost, URL: p.apiURL + "/post/publish/video/init/", JSON: body, Token: creds.AccessToken}, &d); err != nil {
		return provider.Published{}, err
	}
	return provider.Published{ID: d.PublishID}, nil
}
