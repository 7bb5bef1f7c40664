package threads

import (
	"context"
	"fmt"
	"net/url"
	"unicode"
	"unicode/utf8"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/meta"
)

// MaxText is the longest text of a Threads post: "Text posts are limited
// to 500 characters. Emojis are counted as the number of UTF-8 bytes."
// https://developers.facebook.com/docs/threads/posts
const MaxText = 500

// TextLength counts text as Threads does: one per character, but an emoji
// as its UTF-8 bytes. Emoji are taken as the runes of Unicode's "Symbol,
// other" category and the joiners, variation selectors and skin-tone
// modifiers emoji sequences are built with; counting those as bytes never
// undercounts what Threads counts.
func TextLength(text string) int {
	n := 0
	for _, r := range text {
		if unicode.Is(unicode.So, r) || r == 0x200D || r == 0x20E3 || (r >= 0xFE00 && r <= 0xFE0F) || (r >= 0x1F3FB && r <= 0x1F3FF) {
			n += utf8.RuneLen(r)
		} else {
			n++
		}
	}
	return n
}

// Publish creates a text (or image) container, waits for its status to be
// FINISHED, and publishes it. A text longer than Threads takes is refused
// before anything is sent.
// https://developers.facebook.com/docs/threads/posts,
// https://developers.facebook.com/docs/threads/troubleshooting
func (p *Provider) Publish(ctx context.Context, page *tokenwatch.Page, creds tokenwatch.Credentials, post provider.Post) (provider.Published, error) {
	text := post.TextWithLink()
	if n := TextLength(text); n > MaxText {
		return provider.Published{}, p.login.Refuse("text_too_long", fmt.Sprintf("Threads posts take at most %d characters (an emoji counts as its UTF-8 bytes); this one has %d", MaxText, n))
	}
	params := url.Values{"media_type": {"TEXT"}, "text": {text}}
	if post.MediaURL != "" {
		params.Set("media_type", "IMAGE")
		params.Set("image_url", post.MediaURL)
	}
	base := p.graph + "/" + url.PathEscape(page.ProviderPageID)
	return meta.PublishContainer(ctx, p.login.Client, meta.Container{
		Create: base + "/threads", Publish: base + "/threads_publish",
		Status:      func(id string) string { return p.graph + "/" + url.PathEscape(id) },
		StatusField: "status", ReasonField: "error_message", Poll: p.poll,
	}, params, creds.AccessToken)
}

// SetPoll changes how long and how often Publish reads a container's
// status (tests make it fast).
func (p *Provider) SetPoll(poll meta.Poll) { p.poll = poll }
