package linkedin

import (
	"context"
	"net/http"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// Publish creates a post as the organization; LinkedIn returns its id in
// the x-restli-id header of a 201. The text goes in commentary, which is
// little text: it is escaped so that LinkedIn shows all of it.
// https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api
//
// The post has no link: LinkedIn's API documentation gives none for a post
// URN (the /feed/update/{urn}/ pages third parties link to are not
// documented by LinkedIn), and none is made up.
func (p *Provider) Publish(ctx context.Context, page *tokenwatch.Page, creds tokenwatch.Credentials, post provider.Post) (provider.Published, error) {
	body := map[string]any{
		"author":                    orgURN + page.ProviderPageID,
		"commentary":                escapeLittle(post.Text),
		"visibility":                "PUBLIC",
		"distribution":              map[string]any{"feedDistribution": "MAIN_FEED", "targetEntities": []any{}, "thirdPartyDistributionChannels": []any{}},
		"lifecycleState":            "PUBLISHED",
		"isReshareDisabledByAuthor": false,
	}
	if post.Link != "" {
		body["content"] = map[string]any{"article": map[string]string{"source": post.Link, "title": post.Link}}
	}
	req := p.rest(http.MethodPost, restURL+"/posts", creds.AccessToken)
	req.JSON = body
	h, err := p.oauth.Do(ctx, req, nil)
	if err != nil {
		return provider.Published{}, err
	}
	return provider.Published{ID: h.Get("X-Restli-Id")}, nil
}
