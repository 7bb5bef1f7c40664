package posts_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/access"
	"github.com/tokenwatch/tokenwatch/internal/posts"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/store/storetest"
)

var now = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func TestValidate(t *testing.T) {
	t.Parallel()
	ok := posts.Draft{LocationID: 1, PageIDs: []int64{2}, Text: "Fresh bread at 7", At: now.Add(time.Hour)}
	with := func(change func(*posts.Draft)) posts.Draft { d := ok; change(&d); return d }
	tests := []struct {
		name  string
		draft posts.Draft
		want  string // "field: words", "" for none
	}{
		{"a text, a page, a time to come", ok, ""},
		{"a link alone is enough", with(func(d *posts.Draft) { d.Text, d.Link = "", "https://bakery.example/today" }), ""},
		{"nothing to say", with(func(d *posts.Draft) { d.Text = "  " }), "text: Write a text"},
		{"no page", with(func(d *posts.Draft) { d.PageIDs = nil }), "pages: Choose at least one page"},
		{"no location", with(func(d *posts.Draft) { d.LocationID = 0 }), "location: Choose a location"},
		{"too long", with(func(d *posts.Draft) { d.Text = strings.Repeat("é", posts.MaxText+1) }), "text: The text is 5001 characters long"},
		{"the limit counts characters, not bytes", with(func(d *posts.Draft) { d.Text = strings.Repeat("é", posts.MaxText) }), ""},
		{"not UTF-8", with(func(d *posts.Draft) { d.Text = "bread \xff" }), "text: The text is not valid UTF-8"},
		{"a control character", with(func(d *posts.Draft) { d.Text = "bread\x00 at 7" }), "text: The text holds control characters"},
		{"an escape sequence", with(func(d *posts.Draft) { d.Text = "bread \x1b[31mred" }), "text: The text holds control characters"},
		{"line breaks and tabs are fine", with(func(d *posts.Draft) { d.Text = "Bread\r\n\tat 7" }), ""},
		{"a link that is not a web address", with(func(d *posts.Draft) { d.Link = "javascript:alert(1)" }), "link: The link must be"},
		{"media that is not a web address", with(func(d *posts.Draft) { d.MediaURL = "file:///etc/passwd" }), "media_url: The media address"},
		{"no time", with(func(d *posts.Draft) { d.At = time.Time{} }), "at: Choose when"},
		{"a time passed", with(func(d *posts.Draft) { d.At = now }), "at: That time has passed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ""
			if ps := posts.Validate(tc.draft, now); len(ps) > 0 {
				got = ps[0].Field + ": " + ps[0].Message
			}
			if (tc.want == "") != (got == "") || !strings.HasPrefix(got, tc.want) {
				t.Errorf("Validate = %q, want %q", got, tc.want)
			}
		})
	}
}

// Schedule stores what is valid, for whoever may post at the location,
// and refuses pages of other locations or accounts.
func TestSchedule(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Open(t, filepath.Join(t.TempDir(), "posts.db"), store.Options{})
	f := storetest.Seed(t, st)
	member := access.Actor{Kind: access.KindUser, AccountID: f.Account.ID, UserID: f.Member.ID,
		Roles: map[int64]tokenwatch.Role{f.Downtown.ID: tokenwatch.RoleMember, f.Harbor.ID: tokenwatch.RoleMember}}
	downtownOnly := access.Actor{Kind: access.KindUser, AccountID: f.Account.ID, UserID: f.DowntownOnly.ID,
		Roles: map[int64]tokenwatch.Role{f.Downtown.ID: tokenwatch.RoleMember}}
	d := posts.Draft{LocationID: f.Downtown.ID, PageIDs: []int64{f.DowntownPage.ID}, Text: " Fresh bread ", At: time.Now().Add(time.Hour), AuthorID: f.Member.ID}
	p, err := posts.Schedule(ctx, st, member, d, time.Now())
	if err != nil || p.ID == 0 || p.Text != "Fresh bread" {
		t.Fatalf("Schedule = %+v, %v", p, err)
	}
	bad := d
	bad.PageIDs = []int64{f.DowntownPage.ID, f.HarborPage.ID}
	var invalid *posts.Invalid
	if _, err := posts.Schedule(ctx, st, member, bad, time.Now()); !errors.As(err, &invalid) || invalid.Problems[0].Field != "pages" ||
		tokenwatch.ErrorCode(err) != tokenwatch.CodeInvalid {
		t.Errorf("a page of another location: %v", err)
	}
	elsewhere := d
	elsewhere.LocationID, elsewhere.PageIDs = f.Harbor.ID, []int64{f.HarborPage.ID}
	if _, err := posts.Schedule(ctx, st, downtownOnly, elsewhere, time.Now()); !tokenwatch.IsNotFound(err) {
		t.Errorf("posting at a location one takes no part in: %v, want not found", err)
	}
	empty := d
	empty.Text = ""
	if _, err := posts.Schedule(ctx, st, member, empty, time.Now()); !errors.As(err, &invalid) || invalid.Problems[0].Field != "text" {
		t.Errorf("an empty draft: %v", err)
	}
}
