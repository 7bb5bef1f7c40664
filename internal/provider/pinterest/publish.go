package pinterest

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// Limits of PinCreate in Pinterest's OpenAPI description.
const (
	maxDescription = 800
	maxLink        = 2048
)

// board is an entry of GET /v5/boards.
type board struct {
	ID    string `json:"id"`
	Owner struct {
		Username string `json:"username"`
	} `json:"owner"`
	IsAdsOnly bool   `json:"is_ads_only"`
	Privacy   string `json:"privacy"`
}

// maxBoardPages bounds the walk through the account's boards.
const maxBoardPages = 4

// Publish pins the post's image, with its text and link, to a board the
// account owns: pins/create takes only "a board or board section owned by
// the operation user_account", while boards/list also returns group
// boards the account collaborates on. Public boards are preferred to
// protected and secret ones; ad-only boards are skipped.
func (p *Provider) Publish(ctx context.Context, page *tokenwatch.Page, creds tokenwatch.Credentials, post provider.Post) (provider.Published, error) {
	if post.MediaURL == "" {
		return provider.Published{}, p.api.Refuse("media_required", "Pinterest pins need an image")
	}
	if n := utf8.RuneCountInString(post.Text); n > maxDescription {
		return provider.Published{}, p.api.Refuse("description_too_long", fmt.Sprintf("Pinterest pin descriptions hold at most %d characters; this one has %d", maxDescription, n))
	}
	if len(post.Link) > maxLink {
		return provider.Published{}, p.api.Refuse("link_too_long", fmt.Sprintf("Pinterest pin links hold at most %d characters", maxLink))
	}
	me, err := p.account(ctx, creds.AccessToken)
	if err != nil {
		return provider.Published{}, err
	}
	boardID, err := p.ownBoard(ctx, creds.AccessToken, me.Username)
	if err != nil {
		return provider.Published{}, err
	}
	body := map[string]any{
		"board_id":     boardID,
		"description":  post.Text,
		"media_source": map[string]string{"source_type": "image_url", "url": post.MediaURL},
	}
	if post.Link != "" {
		body["link"] = post.Link
	}
	var r struct {
		ID string `json:"id"`
	}
	if _, err := p.api.PostJSON(ctx, p.apiURL+"/pins", body, creds.AccessToken, &r); err != nil {
		return provider.Published{}, err
	}
	return provider.Published{ID: r.ID, URL: p.pinURL(r.ID)}, nil
}

// pinURL is the pin's page on Pinterest, https://www.pinterest.com/pin/{id},
// as Pinterest's own widgets link a pin ("href: $.v.config.pinterest +
// \"/pin/\" + pin.id", github.com/pinterest/widgets pinit_main.js); a pin id
// is digits (Pin.id's pattern ^\d+$ in the OpenAPI description), anything
// else gets no link.
func (p *Provider) pinURL(id string) string {
	if id == "" || strings.Trim(id, "0123456789") != "" {
		return ""
	}
	return provider.Link(p.api.URL(pinPage + id))
}

// pinPage is where Pinterest shows a pin.
const pinPage = "https://www.pinterest.com/pin/"

// ownBoard returns the id of the board to pin to: the first public board
// username owns, else the first other one it owns.
func (p *Provider) ownBoard(ctx context.Context, token tokenwatch.Secret, username string) (string, error) {
	var fallback string
	q := url.Values{"page_size": {"100"}}
	for range maxBoardPages {
		var r struct {
			Items    []board `json:"items"`
			Bookmark string  `json:"bookmark"`
		}
		if err := p.api.Get(ctx, p.apiURL+"/boards", q, token, &r); err != nil {
			return "", err
		}
		for _, b := range r.Items {
			if b.IsAdsOnly || (b.Owner.Username != "" && b.Owner.Username != username) {
				continue
			}
			if b.Privacy == "" || b.Privacy == "PUBLIC" {
				return b.ID, nil
			}
			if fallback == "" {
				fallback = b.ID
			}
		}
		if r.Bookmark == "" {
			break
		}
		q.Set("bookmark", r.Bookmark)
	}
	if fallback == "" {
		return "", p.api.Refuse("no_board", "the Pinterest account has no board of its own to pin to; create one on Pinterest")
	}
	return fallback, nil
}
