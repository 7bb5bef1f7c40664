// Package webhook sends an account's page events to the endpoints it
// registered: JSON bodies (page.expiring, page.expired, page.revoked,
// page.reconnected) signed with HMAC-SHA256 over the timestamp and the
// body, so a receiver can check they come from tokenwatch and are fresh.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/publicnet"
)

// Event types.
const (
	PageExpiring    = "page.expiring"
	PageExpired     = "page.expired"
	PageRevoked     = "page.revoked"
	PageReconnected = "page.reconnected"
)

// Headers of every request.
const (
	HeaderEvent     = "Tokenwatch-Event"     // the event type
	HeaderEventID   = "Tokenwatch-Event-Id"  // the same on every retry
	HeaderTimestamp = "Tokenwatch-Timestamp" // Unix seconds of this attempt
	HeaderSignature = "Tokenwatch-Signature" // "v1=" + hex HMAC-SHA256(secret, timestamp + "." + body)
)

// TypeOf returns the event type of an alert step. Problems that are not
// an expiry (a revoked grant, a missing permission, a blocked account) all
// mean the page no longer publishes until reconnected: page.revoked, with
// the page's state saying which.
func TypeOf(step string) string {
	switch step {
	case "expired":
		return PageExpired
	case "revoked", "permission_missing", "account_blocked":
		return PageRevoked
	}
	return PageExpiring
}

// Event is the JSON body of a webhook request.
type Event struct {
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	CreatedAt time.Time `json:"created_at"`
	Data      Data      `json:"data"`
}

// Data is what an event is about.
type Data struct {
	Page Page `json:"page"`
	// Step is the alert ("10d", "3d", "expired", "revoked", ...); empty for
	// page.reconnected.
	Step         string `json:"step,omitempty"`
	ReconnectURL string `json:"reconnect_url,omitempty"`
}

// Page is a page as events describe it (never with a token).
type Page struct {
	ID         int64               `json:"id"`
	AccountID  int64               `json:"account_id"`
	LocationID int64               `json:"location_id"`
	Location   string              `json:"location"`
	Network    tokenwatch.Provider `json:"network"`
	Name       string              `json:"name"`
	State      tokenwatch.State    `json:"state"`
	Deadline   *time.Time          `json:"deadline"`
	Generation int64               `json:"generation"`
}

// EventID is the id of the event of a page's step in a generation: the
// same alert always gives the same id, so receivers can drop repeats.
func EventID(pageID, generation int64, step string) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%d:%d:%s", pageID, generation, step))
	return "evt_" + hex.EncodeToString(sum[:12])
}

// Sign returns the signature header value of a body sent at timestamp.
func Sign(secret tokenwatch.Secret, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret.Reveal()))
	mac.Write([]byte(strconv.FormatInt(timestamp, 10)))
	mac.Write([]byte("."))
	mac.Write(body)
	return "v1=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks a request's signature and that its timestamp is within
// tolerance of now, as a receiver should.
func Verify(secret tokenwatch.Secret, header http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	ts, err := strconv.ParseInt(header.Get(HeaderTimestamp), 10, 64)
	if err != nil {
		return tokenwatch.Errorf(tokenwatch.CodeUnauthorized, "no valid %s header", HeaderTimestamp)
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return tokenwatch.Errorf(tokenwatch.CodeUnauthorized, "the timestamp is too old or in the future")
	}
	want := Sign(secret, ts, body)
	for _, got := range strings.Split(header.Get(HeaderSignature), ",") {
		if hmac.Equal([]byte(strings.TrimSpace(got)), []byte(want)) {
			return nil
		}
	}
	return tokenwatch.Errorf(tokenwatch.CodeUnauthorized, "the signature does not match")
}

// Targets says which addresses endpoints may have.
type Targets int

const (
	// PublicOnly endpoints are on the public internet: an account's
	// endpoint may not make tokenwatch post to its own machine, its
	// private network or a cloud's metadata service. The default.
	PublicOnly Targets = iota
	// AnyAddress lets endpoints be loopback, private or link-local
	// addresses: for the demo and tests, or an operator who chose so.
	AnyAddress
)

// CheckEndpoint says whether rawURL may be registered as an endpoint: an
// http(s) URL; unless targets is AnyAddress, an https one whose host is
// public (not a loopback, private or link-local address, nor a name
// resolving to one).
// Delivery checks the address again at every connection.
func CheckEndpoint(ctx context.Context, rawURL string, targets Targets) error {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return tokenwatch.Errorf(tokenwatch.CodeInvalid, "%q is not an http(s) URL.", rawURL)
	}
	if targets == AnyAddress {
		return nil
	}
	if err := publicnet.CheckHost(ctx, u.Hostname(), nil); err != nil {
		return tokenwatch.WrapError(tokenwatch.CodeInvalid, err,
			"%v: webhooks go to the public internet only, not to this machine or a private network.", err)
	}
	if u.Scheme != "https" {
		return tokenwatch.Errorf(tokenwatch.CodeInvalid, "%q: a webhook URL must use https.", rawURL)
	}
	return nil
}

// Client posts events.
type Client struct {
	HTTP *http.Client
	Now  func() time.Time
}

// NewClient returns a client whose requests time out after timeout, so
// that a slow endpoint holds up only its own delivery, and connect only to
// the targets allowed. It never follows a redirect: the endpoint is the
// address registered, and a signed event is not re-posted wherever an
// answer points.
func NewClient(timeout time.Duration, targets Targets) *Client {
	c := &http.Client{Timeout: timeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if targets != AnyAddress {
		c.Transport = publicnet.Transport()
	}
	return &Client{HTTP: c, Now: time.Now}
}

// Send posts a signed event body to an endpoint. A 2xx answer is success;
// a redirect, 4xx answers other than 408 and 429, and an address that is
// not allowed are permanent failures (tokenwatch.ErrPermanent); anything
// else may be retried.
func (c *Client) Send(ctx context.Context, url string, secret tokenwatch.Secret, eventType, eventID string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return tokenwatch.WrapError(tokenwatch.CodeInvalid, tokenwatch.Permanent(err), "The webhook URL is not valid")
	}
	ts := c.Now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "tokenwatch-webhook/1")
	req.Header.Set(HeaderEvent, eventType)
	req.Header.Set(HeaderEventID, eventID)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(secret, ts, body))
	resp, err := c.HTTP.Do(req)
	if errors.Is(err, publicnet.ErrNotPublic) {
		return tokenwatch.WrapError(tokenwatch.CodeInvalid, tokenwatch.Permanent(err),
			"The webhook endpoint is not at a public address; webhooks go to the public internet only")
	}
	if err != nil {
		return tokenwatch.WrapError(tokenwatch.CodeUnavailable, err, "The webhook endpoint cannot be reached")
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return tokenwatch.WrapError(tokenwatch.CodeInvalid, tokenwatch.Permanent(fmt.Errorf("HTTP %d", resp.StatusCode)),
			"The webhook endpoint answered with a redirect (HTTP %d), which tokenwatch does not follow: register the address it redirects to", resp.StatusCode)
	case resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusRequestTimeout && resp.StatusCode != http.StatusTooManyRequests:
		return tokenwatch.WrapError(tokenwatch.CodeInvalid, tokenwatch.Permanent(fmt.Errorf("HTTP %d", resp.StatusCode)),
			"The webhook endpoint refused the event: HTTP %d", resp.StatusCode)
	}
	return tokenwatch.Errorf(tokenwatch.CodeUnavailable, "The webhook endpoint failed: HTTP %d", resp.StatusCode)
}

// Marshal returns an event's body.
func Marshal(e Event) (string, error) {
	b, err := json.Marshal(e)
	return string(b), err
}
