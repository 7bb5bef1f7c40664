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
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tokenwatch/tokenwatch"
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

// Client posts events.
type Client struct {
	HTTP *http.Client
	Now  func() time.Time
}

// NewClient returns a client whose requests time out after timeout, so
// that a slow endpoint holds up only its own delivery.
func NewClient(timeout time.Duration) *Client {
	return &Client{HTTP: &http.Client{Timeout: timeout}, Now: time.Now}
}

// Send posts a signed event body to an endpoint. A 2xx answer is success;
// 4xx answers other than 408 and 429 are permanent failures
// (tokenwatch.ErrPermanent); anything else may be retried.
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
	if err != nil {
		return tokenwatch.WrapError(tokenwatch.CodeUnavailable, err, "The webhook endpoint cannot be reached")
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
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
