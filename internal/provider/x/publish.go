package x

import (
	"context"
	"regexp"
	"strings"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// Publish posts the text with its link. POST /2/tweets answers the post's
// id (https://docs.x.com/x-api/posts/manage-tweets/quickstart); its link
// is the Post's web URL, https://x.com/{username}/status/{id}, the form X
// documents for a Post's URL ("the Tweet at
// https://twitter.com/Interior/status/507185938620219395",
// https://developer.x.com/en/docs/x-api/v1/tweets/post-and-engage/api-reference/get-statuses-oembed;
// accounts are at https://x.com/{username},
// https://docs.x.com/x-for-websites/oembed-api). The username is the
// account's, read at connection (/2/users/me); without a valid one, or
// without a numeric id, the post gets no link.
func (p *Provider) Publish(ctx context.Context, page *tokenwatch.Page, creds tokenwatch.Credentials, post provider.Post) (provider.Published, error) {
	var r struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if _, err := p.oauth.PostJSON(ctx, apiURL+"/tweets", map[string]string{"text": post.TextWithLink()}, creds.AccessToken, &r); err != nil {
		return provider.Published{}, err
	}
	return provider.Published{ID: r.Data.ID, URL: p.postURL(page.ProviderUserName, r.Data.ID)}, nil
}

// X usernames are 4 to 15 letters, digits and underscores (older ones may
// be shorter); Post ids are numbers (up to 19 digits).
var (
	username = regexp.MustCompile(`^[A-Za-z0-9_]{1,15}$`)
	postID   = regexp.MustCompile(`^[0-9]{1,19}$`)
)

// postURL is the web address of post id by username (with or without
// its "@"), or "".
func (p *Provider) postURL(user, id string) string {
	user = strings.TrimPrefix(user, "@")
	if !username.MatchString(user) || !postID.MatchString(id) {
		return ""
	}
	return provider.Link(p.oauth.URL(webURL + "/" + user + "/status/" + id))
}

// webURL is X's website.
const webURL = "https://x.com"
