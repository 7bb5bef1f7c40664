package threads_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/meta"
	"github.com/tokenwatch/tokenwatch/internal/provider/providertest"
	"github.com/tokenwatch/tokenwatch/internal/provider/threads"
	"github.com/tokenwatch/tokenwatch/internal/sandbox"
)

const profile = "1784140001"

var fast = meta.Poll{Interval: time.Millisecond, Timeout: 200 * time.Millisecond}

func connect(t *testing.T, configure func(*sandbox.Options)) (*sandbox.Server, *threads.Provider, *tokenwatch.Page, tokenwatch.Credentials) {
	t.Helper()
	sb, err := sandbox.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	sb.AddApp(tokenwatch.Threads, sandbox.App{ClientID: "app", ClientSecret: "secret-0123456789"})
	sb.AddAccount(tokenwatch.Threads, sandbox.Account{ID: profile, Name: "bakery"})
	if configure != nil {
		sb.Configure(tokenwatch.Threads, configure)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(transport.CloseIdleConnections)
	p := threads.New(provider.Config{ClientID: "app", ClientSecret: tokenwatch.NewSecret("secret-0123456789"),
		BaseURL: sb.BaseURL(tokenwatch.Threads), HTTPClient: &http.Client{Transport: transport, Timeout: 5 * time.Second}})
	p.SetPoll(fast)
	issued, err := sb.IssueGrant(tokenwatch.Threads, sandbox.GrantRequest{ClientID: "app", UserID: profile, Scopes: p.Info().Scopes})
	if err != nil {
		t.Fatal(err)
	}
	return sb, p, &tokenwatch.Page{ProviderPageID: profile}, tokenwatch.Credentials{AccessToken: tokenwatch.NewSecret(issued.AccessToken)}
}

// A container is IN_PROGRESS for a while: Publish reads its status until
// FINISHED and only then calls threads_publish.
// https://developers.facebook.com/docs/threads/troubleshooting
func TestPublishWaitsForTheContainer(t *testing.T) {
	t.Parallel()
	sb, p, page, creds := connect(t, func(o *sandbox.Options) { o.ContainerReads = 3 })
	pub, err := p.Publish(context.Background(), page, creds, provider.Post{Text: "Fresh bread at 7"})
	if err != nil || pub.ID == "" || !strings.HasPrefix(pub.URL, sb.BaseURL(tokenwatch.Threads)+"/") {
		t.Fatalf("Publish = %+v, %v; want an id and the media's permalink", pub, err)
	}
	if n := len(sb.Posts(tokenwatch.Threads)); n != 1 || sb.Calls(tokenwatch.Threads, sandbox.OpPublish) != 1 {
		t.Errorf("%d posts after %d threads_publish calls, want one of each", n, sb.Calls(tokenwatch.Threads, sandbox.OpPublish))
	}
}

// Still in progress after the wait: transient; ERROR: the post is refused
// with Threads' error_message.
func TestContainerInProgressOrInError(t *testing.T) {
	t.Parallel()
	sb, p, page, creds := connect(t, func(o *sandbox.Options) { o.ContainerDelay = time.Hour })
	_, err := p.Publish(context.Background(), page, creds, provider.Post{Text: "Fresh bread at 7"})
	var pe *provider.Error
	if !errors.As(err, &pe) || pe.Class != tokenwatch.ClassTransient || pe.Rejected || pe.Code != "container_in_progress" {
		t.Fatalf("in progress: %v, want transient container_in_progress", err)
	}
	if sb.Calls(tokenwatch.Threads, sandbox.OpPublish) != 0 {
		t.Error("threads_publish was called for a container in progress")
	}
	sb.Configure(tokenwatch.Threads, func(o *sandbox.Options) { o.ContainerDelay, o.ContainerError = 0, "FAILED_DOWNLOADING_VIDEO" })
	_, err = p.Publish(context.Background(), page, creds, provider.Post{Text: "Fresh bread at 8", MediaURL: "https://cdn.example/v.mp4"})
	if !errors.As(err, &pe) || !pe.Rejected || !strings.Contains(pe.Message, "FAILED_DOWNLOADING_VIDEO") {
		t.Fatalf("error: %v, want a refused post naming FAILED_DOWNLOADING_VIDEO", err)
	}
}

// "Text posts are limited to 500 characters. Emojis are counted as the
// number of UTF-8 bytes." A longer text is refused before anything is
// sent; the sandbox refuses it too.
// https://developers.facebook.com/docs/threads/posts
func TestTextOfAtMost500Characters(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		text string
		want int
	}{
		{"500 letters", strings.Repeat("a", 500), 500},
		{"accented letters count one each", strings.Repeat("é", 500), 500},
		{"CJK characters count one each", strings.Repeat("麵", 500), 500},
		{"an emoji counts its 4 bytes", strings.Repeat("a", 496) + "🍞", 500},
		{"one emoji too many", strings.Repeat("a", 497) + "🍞", 501},
		{"a joined emoji counts every part", "👩‍🍳", 11},
	} {
		if got := threads.TextLength(tc.text); got != tc.want {
			t.Errorf("%s: TextLength = %d, want %d", tc.name, got, tc.want)
		}
	}
	sb, p, page, creds := connect(t, nil)
	ctx := context.Background()
	_, err := p.Publish(ctx, page, creds, provider.Post{Text: strings.Repeat("a", 497) + "🍞"})
	var pe *provider.Error
	if !errors.As(err, &pe) || !pe.Rejected || pe.Code != "text_too_long" {
		t.Fatalf("a 501-character text: %v, want refused before sending", err)
	}
	// The link counts: it is sent as part of the text.
	_, err = p.Publish(ctx, page, creds, provider.Post{Text: strings.Repeat("a", 490), Link: "https://bakery.example/today"})
	if !errors.As(err, &pe) || pe.Code != "text_too_long" {
		t.Errorf("text and link over 500: %v", err)
	}
	if _, err := p.Publish(ctx, page, creds, provider.Post{Text: strings.Repeat("a", 496) + "🍞"}); err != nil {
		t.Errorf("a 500-character text: %v", err)
	}
	if len(sb.Posts(tokenwatch.Threads)) != 1 {
		t.Errorf("posts = %+v, want the 500-character one only", sb.Posts(tokenwatch.Threads))
	}
}

// Answers copied from Meta's documentation, one file per behaviour (see
// each file's source), played through the provider's parser and triage.
func TestRecorded(t *testing.T) {
	t.Parallel()
	providertest.RunRecorded(t, func(c provider.Config) provider.Provider {
		p := threads.New(c)
		p.SetPoll(fast)
		return p
	}, "testdata/recorded")
}
