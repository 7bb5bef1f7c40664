package youtube

import (
	"context"
	"net/url"

	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// Pages lists the channels of the consenting identity (mine=true): Google
// lets only a channel's owner or manager pick it at consent.
func (p *Provider) Pages(ctx context.Context, grant *provider.Grant) ([]provider.Candidate, error) {
	var r struct {
		Items []struct {
			ID      string `json:"id"`
			Snippet struct {
				Title string `json:"title"`
			} `json:"snippet"`
		} `json:"items"`
	}
	q := url.Values{"part": {"snippet"}, "mine": {"true"}, "maxResults": {"50"}}
	if err := p.oauth.Get(ctx, apiURL+"/channels", q, grant.AccessToken, &r); err != nil {
		return nil, err
	}
	out := make([]provider.Candidate, 0, len(r.Items))
	for _, it := range r.Items {
		out = append(out, provider.Candidate{ID: it.ID, Name: it.Snippet.Title, Role: "owner", Eligible: true, Token: grant.Token})
	}
	return out, nil
}
