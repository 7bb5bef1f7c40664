// Package posts validates and schedules posts, whoever asks: the web UI's
// post form and the API. Validate is pure and says, field by field, what is
// wrong in words to show; Schedule checks who may post where and stores the
// post.
package posts

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/access"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// Limits of a post.
const (
	MaxText = 5000
	MaxLink = 2000
)

// Draft is a post as someone asks for it.
type Draft struct {
	LocationID int64
	PageIDs    []int64
	Text       string
	Link       string
	MediaURL   string
	At         time.Time
	AuthorID   int64
}

// Problem is what is wrong with one field of a draft.
type Problem struct {
	Field, Message string
}

// Validate checks a draft at now and returns what is wrong, in the order of
// the fields (location, pages, text, link, media, at); none means it can be
// scheduled.
func Validate(d Draft, now time.Time) []Problem {
	var out []Problem
	fail := func(field, format string, args ...any) {
		for _, p := range out {
			if p.Field == field {
				return
			}
		}
		out = append(out, Problem{field, fmt.Sprintf(format, args...)})
	}
	if d.LocationID == 0 {
		fail("location", "Choose a location to post to.")
	}
	if len(d.PageIDs) == 0 {
		fail("pages", "Choose at least one page to post to.")
	}
	text := strings.TrimSpace(d.Text)
	switch n := utf8.RuneCountInString(text); {
	case !utf8.ValidString(d.Text):
		fail("text", "The text is not valid UTF-8.")
	case strings.ContainsFunc(d.Text, isControl):
		fail("text", "The text holds control characters; only line breaks and tabs may be in it.")
	case text == "" && d.Link == "":
		fail("text", "Write a text, or give a link below.")
	case n > MaxText:
		fail("text", "The text is %d characters long; %d at most.", n, MaxText)
	}
	if d.Link != "" && !webURL(d.Link, MaxLink) {
		fail("link", "The link must be a full web address, starting with https://.")
	}
	if d.MediaURL != "" && !webURL(d.MediaURL, MaxLink) {
		fail("media_url", "The media address must be a full web address, starting with https://.")
	}
	switch {
	case d.At.IsZero():
		fail("at", "Choose when to publish the post.")
	case !d.At.After(now):
		fail("at", "That time has passed; choose a time to come.")
	}
	return out
}

// isControl is a control character other than a line break or a tab.
func isControl(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }

func webURL(s string, max int) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && len(s) <= max && utf8.ValidString(s)
}

// Invalid is a draft that cannot be scheduled, with what is wrong.
type Invalid struct{ Problems []Problem }

func (e *Invalid) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.Field + ": " + p.Message
	}
	return strings.Join(msgs, "; ")
}

// Schedule validates a draft, checks that actor may post to every page of
// it (pages of the draft's location), and stores it. A draft with mistakes
// comes back as an *Invalid wrapped in an invalid-input error.
func Schedule(ctx context.Context, st *store.Store, actor access.Actor, d Draft, now time.Time) (*tokenwatch.Post, error) {
	if ps := Validate(d, now); len(ps) > 0 {
		return nil, tokenwatch.WrapError(tokenwatch.CodeInvalid, &Invalid{ps}, "%s", ps[0].Message)
	}
	loc, err := st.GetLocation(ctx, d.LocationID)
	if err != nil || access.Decide(actor, access.Post, access.Target{AccountID: loc.AccountID, LocationID: loc.ID}) != access.Allowed {
		return nil, tokenwatch.Errorf(tokenwatch.CodeNotFound, "location not found")
	}
	for _, id := range d.PageIDs {
		p, err := st.GetPage(ctx, id)
		if err != nil || p.AccountID != loc.AccountID {
			return nil, tokenwatch.Errorf(tokenwatch.CodeNotFound, "page %d not found", id)
		}
		if p.LocationID != loc.ID {
			problem := Problem{"pages", fmt.Sprintf("A post goes to pages of one location: %q is not at %s.", p.Name, loc.Name)}
			return nil, tokenwatch.WrapError(tokenwatch.CodeInvalid, &Invalid{[]Problem{problem}}, "%s", problem.Message)
		}
	}
	post := &tokenwatch.Post{LocationID: loc.ID, AuthorID: d.AuthorID, Text: strings.TrimSpace(d.Text), Link: d.Link, MediaURL: d.MediaURL,
		ScheduledAt: d.At, PageIDs: d.PageIDs}
	if err := st.CreatePost(ctx, post); err != nil {
		return nil, err
	}
	return post, nil
}
