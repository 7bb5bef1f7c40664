package webhook_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/webhook"
)

var testSecret = tokenwatch.NewSecret("whsec-targets-test-0123456789")

// countingServer counts the requests it gets.
func countingServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if h != nil {
			h(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func send(c *webhook.Client, url string) error {
	return c.Send(context.Background(), url, testSecret, webhook.PageExpired, "evt_1", []byte(`{"id":"evt_1"}`))
}

// A receiver's redirect is not followed: the signed event is not re-posted
// to the address it names (another port of the same machine, here), and
// the delivery fails for good, saying why.
func TestRedirectsAreNotFollowed(t *testing.T) {
	t.Parallel()
	elsewhere, got := countingServer(t, nil)
	for _, status := range []int{http.StatusTemporaryRedirect, http.StatusPermanentRedirect, http.StatusFound, http.StatusMovedPermanently} {
		endpoint, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, elsewhere.URL+"/admin", status)
		})
		err := send(webhook.NewClient(time.Second, webhook.AnyAddress), endpoint.URL)
		if !errors.Is(err, tokenwatch.ErrPermanent) || !strings.Contains(tokenwatch.ErrorMessage(err), "redirect") {
			t.Errorf("a %d answer: %v, want a permanent failure saying it is a redirect", status, err)
		}
	}
	if n := got.Load(); n != 0 {
		t.Errorf("the address redirected to got %d requests", n)
	}
}

// By default a client connects to public addresses only: an endpoint on
// this machine gets nothing, and the delivery fails for good.
func TestDeliveriesGoToPublicAddressesOnly(t *testing.T) {
	t.Parallel()
	local, got := countingServer(t, nil)
	err := send(webhook.NewClient(time.Second, webhook.PublicOnly), local.URL)
	if !errors.Is(err, tokenwatch.ErrPermanent) || !strings.Contains(tokenwatch.ErrorMessage(err), "not at a public address") {
		t.Errorf("to %s: %v, want a permanent refusal", local.URL, err)
	}
	if got.Load() != 0 {
		t.Error("the local endpoint got the event")
	}
	// A name that resolves to this machine is refused when connecting too.
	err = send(webhook.NewClient(time.Second, webhook.PublicOnly), strings.Replace(local.URL, "127.0.0.1", "localhost", 1))
	if !errors.Is(err, tokenwatch.ErrPermanent) || got.Load() != 0 {
		t.Errorf("to localhost: %v, %d requests", err, got.Load())
	}
	if err := send(webhook.NewClient(time.Second, webhook.AnyAddress), local.URL); err != nil || got.Load() != 1 {
		t.Errorf("a client for any address: %v, %d requests", err, got.Load())
	}
}

func TestCheckEndpoint(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, u := range []string{"http://127.0.0.1:8080/hook", "http://localhost/hook", "https://[::1]/", "http://10.0.0.5/",
		"http://169.254.169.254/latest/meta-data/", "http://192.168.1.1/", "http://[fe80::1]/", "http://0.0.0.0:9/", "http://[::ffff:127.0.0.1]/"} {
		err := webhook.CheckEndpoint(ctx, u, webhook.PublicOnly)
		if tokenwatch.ErrorCode(err) != tokenwatch.CodeInvalid || !strings.Contains(tokenwatch.ErrorMessage(err), "public internet") {
			t.Errorf("CheckEndpoint(%s) = %v, want a refusal", u, err)
		}
		if err := webhook.CheckEndpoint(ctx, u, webhook.AnyAddress); err != nil {
			t.Errorf("CheckEndpoint(%s, AnyAddress) = %v", u, err)
		}
	}
	for _, u := range []string{"ftp://hooks.example/", "https://", "hooks.example/x"} {
		if err := webhook.CheckEndpoint(ctx, u, webhook.AnyAddress); tokenwatch.ErrorCode(err) != tokenwatch.CodeInvalid {
			t.Errorf("CheckEndpoint(%s) = %v, want invalid", u, err)
		}
	}
	if err := webhook.CheckEndpoint(ctx, "https://8.8.8.8/hook", webhook.PublicOnly); err != nil {
		t.Errorf("a public address: %v", err)
	}
	// A signed event goes over TLS only, outside the demo and tests.
	if err := webhook.CheckEndpoint(ctx, "http://8.8.8.8/hook", webhook.PublicOnly); tokenwatch.ErrorCode(err) != tokenwatch.CodeInvalid ||
		!strings.Contains(tokenwatch.ErrorMessage(err), "https") {
		t.Errorf("plain http to a public address: %v, want a refusal naming https", err)
	}
}
