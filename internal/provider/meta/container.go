package meta

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/oauthx"
)

// Poll bounds the wait for a media container to be processed: its status
// is read at once, then every Interval, for at most Timeout.
type Poll struct {
	Interval, Timeout time.Duration
}

// DefaultPoll is the wait for a container. Meta suggests reading a
// container's status about once a minute for at most five minutes (video)
// and Threads waiting about 30 seconds on average before publishing; the
// images and text tokenwatch posts are usually ready within seconds, and
// posts are published one after another, so the wait is shorter: a
// container still in progress after it is retried later.
// https://developers.facebook.com/docs/threads/posts,
// https://developers.facebook.com/docs/threads/troubleshooting,
// https://developers.facebook.com/docs/instagram-platform/content-publishing
var DefaultPoll = Poll{Interval: 5 * time.Second, Timeout: 90 * time.Second}

// Container is one network's two-step publishing: a media container is
// created at Create, its status read at Status(id) until FINISHED, then it
// is published at Publish.
type Container struct {
	Create, Publish string
	Status          func(id string) string
	// StatusField names the status ("status_code" at Instagram, "status"
	// at Threads); ReasonField the reason of an ERROR ("status" at
	// Instagram, an error subcode; "error_message" at Threads).
	StatusField, ReasonField string
	Poll                     Poll
}

// Container status codes, as both Instagram and Threads document them.
const (
	StatusInProgress = "IN_PROGRESS"
	StatusFinished   = "FINISHED"
	StatusError      = "ERROR"
	StatusExpired    = "EXPIRED"
	StatusPublished  = "PUBLISHED"
)

// PublishContainer creates a media container with params, waits for it to
// be FINISHED, publishes it, and returns the published object's id and
// link. A container in ERROR refuses the post with Meta's reason; one
// still in progress after the wait, or expired, is a transient failure
// (the post is tried again later, with a new container).
//
// media_publish answers the media's id alone; its link is the media's
// permalink field, read with one more call (GET /{media-id}?fields=permalink,
// https://developers.facebook.com/docs/instagram-platform/reference/instagram-media,
// https://developers.facebook.com/docs/threads/threads-media). The call is
// worth it: the link is what the post's author opens to see the post. Meta
// omits the field for media flagged for copyright; a failed read leaves
// the post published without a link.
func PublishContainer(ctx context.Context, c *oauthx.Client, ct Container, params url.Values, token tokenwatch.Secret) (provider.Published, error) {
	var created struct {
		ID string `json:"id"`
	}
	if err := c.PostForm(ctx, ct.Create, params, token, &created); err != nil {
		return provider.Published{}, err
	}
	if err := waitFinished(ctx, c, ct, created.ID, token); err != nil {
		return provider.Published{}, err
	}
	var published struct {
		ID string `json:"id"`
	}
	if err := c.PostForm(ctx, ct.Publish, url.Values{"creation_id": {created.ID}}, token, &published); err != nil {
		return provider.Published{}, err
	}
	return provider.Published{ID: published.ID, URL: Permalink(ctx, c, ct.Status(published.ID), "permalink", token)}, nil
}

// Permalink reads the link field of a published object at node (a Page
// post's permalink_url, a media's permalink) and returns it when it is an
// http(s) URL; "" when the read fails or the field is absent: the object
// is published whatever the answer.
func Permalink(ctx context.Context, c *oauthx.Client, node, field string, token tokenwatch.Secret) string {
	var r map[string]any
	if err := c.Get(ctx, node, url.Values{"fields": {field}}, token, &r); err != nil {
		return ""
	}
	link, _ := r[field].(string)
	return provider.Link(link)
}

func waitFinished(ctx context.Context, c *oauthx.Client, ct Container, id string, token tokenwatch.Secret) error {
	poll := ct.Poll
	if poll.Interval <= 0 {
		poll = DefaultPoll
	}
	deadline := time.Now().Add(poll.Timeout)
	fields := url.Values{"fields": {ct.StatusField + "," + ct.ReasonField}}
	for {
		var r map[string]any
		if err := c.Get(ctx, ct.Status(id), fields, token, &r); err != nil {
			return err
		}
		status, _ := r[ct.StatusField].(string)
		reason := fmt.Sprint(r[ct.ReasonField])
		if r[ct.ReasonField] == nil {
			reason = ""
		}
		switch status {
		case StatusFinished:
			return nil
		case StatusError:
			msg := c.Name().DisplayName() + " could not process the post's media"
			if reason != "" {
				msg += " (" + reason + ")"
			}
			return &provider.Error{Provider: c.Name(), Class: tokenwatch.ClassTransient, Code: "container_error", Status: http.StatusOK,
				Message: oauthx.Scrub(msg, token.Reveal()), Rejected: true}
		case StatusExpired, StatusPublished:
			return &provider.Error{Provider: c.Name(), Class: tokenwatch.ClassTransient, Code: "container_" + status, Status: http.StatusOK,
				Message: "the media container is " + status + " and cannot be published; the post will be tried again"}
		}
		if time.Now().Add(poll.Interval).After(deadline) {
			return &provider.Error{Provider: c.Name(), Class: tokenwatch.ClassTransient, Code: "container_in_progress", Status: http.StatusOK,
				Message: fmt.Sprintf("the media was still being processed after %v; the post will be tried again", poll.Timeout)}
		}
		t := time.NewTimer(poll.Interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return &provider.Error{Provider: c.Name(), Class: tokenwatch.ClassTransient, Code: "container_in_progress",
				Message: "stopped waiting for the media to be processed"}
		case <-t.C:
		}
	}
}
