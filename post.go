package tokenwatch

import (
	"net/url"
	"strings"
	"time"
)

// PostStatus is where a scheduled post stands.
type PostStatus string

// Post statuses.
const (
	PostScheduled PostStatus = "scheduled" // waiting for its time
	PostHeld      PostStatus = "held"      // due, but a page needs reconnection; goes out once it is back
	PostPublished PostStatus = "published" // out on every page
	PostFailed    PostStatus = "failed"    // the provider refused it for a reason reconnecting does not fix
	PostMissed    PostStatus = "missed"    // held past the grace window
)

// Post is a scheduled post for one or more pages of a location.
type Post struct {
	ID         int64
	LocationID int64
	AuthorID   int64
	Text       string
	Link       string
	// MediaURL is a public image or video, for networks that cannot post
	// text alone (Instagram, Pinterest, TikTok, YouTube).
	MediaURL    string
	ScheduledAt time.Time
	Status      PostStatus
	PageIDs     []int64
	// Targets say where the post stands on each of its pages, in the
	// order of PageIDs.
	Targets   []PostTarget
	CreatedAt time.Time
	UpdatedAt time.Time
}

// PostTarget is a post on one of its pages: its own status there.
type PostTarget struct {
	PageID int64
	Status PostStatus
	// ProviderPostID is the network's id of the published post.
	ProviderPostID string
	// URL is the public link to the published post on the network, empty
	// when the network gives none; always an http(s) URL (PostURLOK).
	URL string
	// Note says why the post failed, waits or was missed on this page, or
	// how the network published it otherwise than asked.
	Note        string
	PublishedAt time.Time
}

// Notification is an in-app message for one user, shown in the list and as
// a pop-up. Dismissing it takes it off the list but does not hide the page
// from the Issues list.
type Notification struct {
	ID          int64
	UserID      int64
	PageID      int64 // zero when not about one page
	Kind        string
	Title       string
	Body        string
	CreatedAt   time.Time
	ReadAt      time.Time
	DismissedAt time.Time
	// ResolvedAt is when the page it warned about was fixed (a new
	// generation of its grant, or healthy again): no longer unread, no
	// longer counted.
	ResolvedAt time.Time
}

// MaxPostURL bounds the link to a published post.
const MaxPostURL = 2048

// PostURLOK reports whether raw may be stored and shown as the link to a
// published post: an absolute http or https URL with a host, without user
// credentials or control characters, at most MaxPostURL bytes. A link read
// from a network's answer is untrusted input; anything else (javascript:,
// data:, a relative path) is refused.
func PostURLOK(raw string) bool {
	if raw == "" || len(raw) > MaxPostURL || strings.ContainsFunc(raw, func(r rune) bool { return r < 0x20 || r == 0x7f || r == ' ' }) {
		return false
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.Opaque != "" {
		return false
	}
	return u.Scheme == "http" || u.Scheme == "https"
}
