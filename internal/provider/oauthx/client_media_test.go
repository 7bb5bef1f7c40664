package oauthx

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// TestFetchStaysOnPublicAddresses: media URLs come from posts, so a client
// for the real network does not fetch from this machine or a private
// network; a client moved to a test server (or the sandbox) may.
func TestFetchStaysOnPublicAddresses(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("video")) }))
	t.Cleanup(srv.Close)

	real := NewClient(tokenwatch.YouTube, provider.Config{}, nil)
	for _, u := range []string{srv.URL + "/v.mp4", "file:///etc/passwd", "http://10.0.0.1/v.mp4"} {
		if _, _, err := real.Fetch(context.Background(), u); !provider.IsRejected(err) {
			t.Errorf("Fetch(%s) on the real network: %v, want a refusal", u, err)
		}
	}
	moved := NewClient(tokenwatch.YouTube, provider.Config{BaseURL: srv.URL}, nil)
	body, _, err := moved.Fetch(context.Background(), srv.URL+"/v.mp4")
	if err != nil {
		t.Fatal(err)
	}
	defer body.Close()
	if b, _ := io.ReadAll(body); string(b) != "video" {
		t.Errorf("got %q", b)
	}
}
