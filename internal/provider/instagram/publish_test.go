package instagram_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/instagram"
	"github.com/tokenwatch/tokenwatch/internal/provider/meta"
	"github.com/tokenwatch/tokenwatch/internal/provider/providertest"
	"github.com/tokenwatch/tokenwatch/internal/sandbox"
)

const account = "17841405822304914"

var fast = meta.Poll{Interval: time.Millisecond, Timeout: 200 * time.Millisecond}

func connect(t *testing.T, configure func(*sandbox.Options)) (*sandbox.Server, *instagram.Provider, *tokenwatch.Page, tokenwatch.Credentials) {
	t.Helper()
	sb, err := sandbox.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	sb.AddApp(tokenwatch.Instagram, sandbox.App{ClientID: "app", ClientSecret: "secret-0123456789"})
	sb.AddAccount(tokenwatch.Instagram, sandbox.Account{ID: account, Name: "bakery"})
	if configure != nil {
		sb.Configure(tokenwatch.Instagram, configure)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(transport.CloseIdleConnections)
	p := instagram.New(provider.Config{ClientID: "app", ClientSecret: tokenwatch.NewSecret("secret-0123456789"),
		BaseURL: sb.BaseURL(tokenwatch.Instagram), HTTPClient: &http.Client{Transport: transport, Timeout: 5 * time.Second}})
	p.SetPoll(fast)
	issued, err := sb.IssueGrant(tokenwatch.Instagram, sandbox.GrantRequest{ClientID: "app", UserID: account, Scopes: p.Info().Scopes})
	if err != nil {
		t.Fatal(err)
	}
	return sb, p, &tokenwatch.Page{ProviderPageID: account}, tokenwatch.Credentials{AccessToken: tokenwatch.NewSecret(issued.AccessToken)}
}

var post = provider.Post{Text: "Fresh bread", MediaURL: "https://cdn.example/bread.jpg"}

// A container is IN_PROGRESS for a while: Publish reads its status_code
// until FINISHED and only then calls media_publish, which refuses an
// unfinished container (9007/2207027).
// https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-container
func TestPublishWaitsForTheContainer(t *testing.T) {
	t.Parallel()
	sb, p, page, creds := connect(t, func(o *sandbox.Options) { o.ContainerReads = 3 })
	pub, err := p.Publish(context.Background(), page, creds, post)
	if err != nil || pub.ID == "" || !strings.HasPrefix(pub.URL, sb.BaseURL(tokenwatch.Instagram)+"/") {
		t.Fatalf("Publish = %+v, %v; want an id and the media's permalink", pub, err)
	}
	if n := len(sb.Posts(tokenwatch.Instagram)); n != 1 || sb.Calls(tokenwatch.Instagram, sandbox.OpPublish) != 1 {
		t.Errorf("%d posts after %d media_publish calls, want one of each", n, sb.Calls(tokenwatch.Instagram, sandbox.OpPublish))
	}
}

// Still in progress after the wait: transient (tried again later), and
// media_publish was never called.
func TestContainerStillInProgressIsTransient(t *testing.T) {
	t.Parallel()
	sb, p, page, creds := connect(t, func(o *sandbox.Options) { o.ContainerDelay = time.Hour })
	_, err := p.Publish(context.Background(), page, creds, post)
	var pe *provider.Error
	if !errors.As(err, &pe) || pe.Class != tokenwatch.ClassTransient || pe.Rejected || pe.Code != "container_in_progress" {
		t.Fatalf("Publish = %v, want transient container_in_progress", err)
	}
	if sb.Calls(tokenwatch.Instagram, sandbox.OpPublish) != 0 {
		t.Error("media_publish was called for a container in progress")
	}
}

// A container in ERROR refuses the post with Instagram's reason.
func TestContainerErrorRefusesThePost(t *testing.T) {
	t.Parallel()
	_, p, page, creds := connect(t, func(o *sandbox.Options) { o.ContainerReads, o.ContainerError = 1, "2207026" })
	_, err := p.Publish(context.Background(), page, creds, post)
	var pe *provider.Error
	if !errors.As(err, &pe) || !pe.Rejected || pe.Class != tokenwatch.ClassTransient || !strings.Contains(pe.Message, "2207026") {
		t.Fatalf("Publish = %v, want a refused post naming 2207026", err)
	}
}

// Answers copied from Meta's documentation, one file per behaviour (see
// each file's source), played through the provider's parser and triage.
func TestRecorded(t *testing.T) {
	t.Parallel()
	providertest.RunRecorded(t, func(c provider.Config) provider.Provider {
		p := instagram.New(c)
		p.SetPoll(fast)
		return p
	}, "testdata/recorded")
}
