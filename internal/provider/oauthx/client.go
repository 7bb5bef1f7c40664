// Package oauthx is the HTTP and OAuth 2.0 plumbing the network packages
// share: endpoints moved to a configured base URL, JSON and form calls with
// the access token in the Authorization header, failures turned into triaged
// *provider.Error values with every credential scrubbed out, and token
// responses turned into provider.Token values.
package oauthx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/publicnet"
)

// DefaultTimeout bounds every call when the configuration brings no client.
const DefaultTimeout = 30 * time.Second

// MediaTimeout bounds a media download or upload (a video), which may take
// much longer than an API call.
const MediaTimeout = 15 * time.Minute

// maxBody bounds what is read of a response.
const maxBody = 4 << 20

// Triage classifies a network's failed response (status and body). It fills
// Class, Code and Message; the client adds the rest. It may return nil for
// a body it does not recognise.
type Triage func(status int, body []byte) *provider.Error

// Client calls one network.
type Client struct {
	name    tokenwatch.Provider
	doer    provider.HTTPDoer
	media   provider.HTTPDoer // long transfers: media downloads and uploads
	baseURL string
	triage  Triage
	// delay reads a network's own rate-limit headers when Retry-After is
	// absent (see SetRetryAfter).
	delay func(http.Header, time.Time) (time.Duration, bool)
}

// SetRetryAfter makes the client read the delay a network asks for from
// its own headers (Meta's X-Business-Use-Case-Usage) when a failed
// response carries no Retry-After.
func (c *Client) SetRetryAfter(delay func(h http.Header, now time.Time) (time.Duration, bool)) {
	c.delay = delay
}

// NewClient returns a client for network name configured by cfg, whose
// failures are classified by triage.
func NewClient(name tokenwatch.Provider, cfg provider.Config, triage Triage) *Client {
	doer, media := cfg.HTTPClient, cfg.HTTPClient
	if doer == nil {
		doer = &http.Client{Timeout: DefaultTimeout}
		// Media URLs come from posts: unless the network itself is moved
		// (the sandbox, a test server), they may not reach this machine or
		// its private network.
		m := &http.Client{Timeout: MediaTimeout}
		if cfg.BaseURL == "" {
			m.Transport = publicnet.Transport()
		}
		media = m
	}
	return &Client{name: name, doer: doer, media: media, baseURL: strings.TrimRight(cfg.BaseURL, "/"), triage: triage}
}

// Name is the network the client calls.
func (c *Client) Name() tokenwatch.Provider { return c.name }

// URL returns where the real endpoint real is reached: real itself, or the
// configured base URL followed by real's path and query.
func (c *Client) URL(real string) string {
	if c.baseURL == "" {
		return real
	}
	u, err := url.Parse(real)
	if err != nil {
		return real
	}
	out := c.baseURL + u.EscapedPath()
	if u.RawQuery != "" {
		out += "?" + u.RawQuery
	}
	return out
}

// Request is one call to the network. URL is the real endpoint; the client
// moves it to the base URL.
type Request struct {
	Method string
	URL    string
	Query  url.Values
	// At most one body: Form (x-www-form-urlencoded), JSON, or Body with
	// ContentType.
	Form        url.Values
	JSON        any
	Body        io.Reader
	ContentType string
	// Token is sent as a bearer token in the Authorization header.
	Token tokenwatch.Secret
	// BasicUser and BasicPassword, when set, are sent as basic auth (a
	// client id and secret).
	BasicUser     string
	BasicPassword tokenwatch.Secret
	Header        http.Header
	// Media marks a long transfer (an upload): it gets MediaTimeout.
	Media bool
}

// secrets lists every credential the request carries, so that none of them
// can come back in an error message.
func (r *Request) secrets() []string {
	s := []string{r.Token.Reveal(), r.BasicPassword.Reveal()}
	for _, vs := range []url.Values{r.Query, r.Form} {
		for k, v := range vs {
			if sensitiveParams[k] {
				s = append(s, v...)
			}
		}
	}
	return s
}

// Do sends r and decodes a successful JSON response into out (unless out is
// nil). Any failure comes back as a *provider.Error. The response header is
// returned for callers that need it (ids in headers).
func (c *Client) Do(ctx context.Context, r Request, out any) (http.Header, error) {
	body, header, err := c.send(ctx, r)
	if err != nil {
		return header, err
	}
	if out != nil && len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, out); err != nil {
			return header, &provider.Error{Provider: c.name, Class: tokenwatch.ClassTransient, Code: "bad_response",
				Message: "the network sent a response that could not be read", Status: http.StatusOK}
		}
	}
	return header, nil
}

// Get is Do for a GET with a bearer token.
func (c *Client) Get(ctx context.Context, rawURL string, query url.Values, token tokenwatch.Secret, out any) error {
	_, err := c.Do(ctx, Request{Method: http.MethodGet, URL: rawURL, Query: query, Token: token}, out)
	return err
}

// PostForm is Do for a form POST with a bearer token (which may be empty).
func (c *Client) PostForm(ctx context.Context, rawURL string, form url.Values, token tokenwatch.Secret, out any) error {
	_, err := c.Do(ctx, Request{Method: http.MethodPost, URL: rawURL, Form: form, Token: token}, out)
	return err
}

// PostJSON is Do for a JSON POST with a bearer token.
func (c *Client) PostJSON(ctx context.Context, rawURL string, in any, token tokenwatch.Secret, out any) (http.Header, error) {
	return c.Do(ctx, Request{Method: http.MethodPost, URL: rawURL, JSON: in, Token: token}, out)
}

func (c *Client) send(ctx context.Context, r Request) ([]byte, http.Header, error) {
	req, err := c.newRequest(ctx, r)
	if err != nil {
		return nil, nil, &provider.Error{Provider: c.name, Class: tokenwatch.ClassTransient, Code: "bad_request",
			Message: "could not build the request", Rejected: true}
	}
	doer := c.doer
	if r.Media {
		doer = c.media
	}
	resp, err := doer.Do(req)
	if err != nil {
		return nil, nil, c.NetworkError(req, err, r.secrets()...)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, resp.Header, c.NetworkError(req, err, r.secrets()...)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return body, resp.Header, c.Fail(resp.StatusCode, resp.Header, body, r.secrets()...)
	}
	return body, resp.Header, nil
}

func (c *Client) newRequest(ctx context.Context, r Request) (*http.Request, error) {
	target := c.URL(r.URL)
	if len(r.Query) > 0 {
		sep := "?"
		if strings.Contains(target, "?") {
			sep = "&"
		}
		target += sep + r.Query.Encode()
	}
	var body io.Reader
	contentType := ""
	switch {
	case r.Form != nil:
		body, contentType = strings.NewReader(r.Form.Encode()), "application/x-www-form-urlencoded"
	case r.JSON != nil:
		b, err := json.Marshal(r.JSON)
		if err != nil {
			return nil, err
		}
		body, contentType = bytes.NewReader(b), "application/json"
	case r.Body != nil:
		body, contentType = r.Body, r.ContentType
	}
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return nil, err
	}
	for k, vs := range r.Header {
		req.Header[k] = vs
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	if !r.Token.IsZero() {
		req.Header.Set("Authorization", "Bearer "+r.Token.Reveal())
	}
	if r.BasicUser != "" {
		req.SetBasicAuth(url.QueryEscape(r.BasicUser), url.QueryEscape(r.BasicPassword.Reveal()))
	}
	return req, nil
}

// NetworkError is a request that got no response: always transient. The
// message names the endpoint without its query, which may hold a token.
func (c *Client) NetworkError(req *http.Request, err error, secrets ...string) error {
	cause := err
	var ue *url.Error
	if errors.As(err, &ue) {
		cause = ue.Err
	}
	msg := "no response"
	if req != nil {
		msg = fmt.Sprintf("%s %s%s: no response", req.Method, req.URL.Host, req.URL.Path)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		msg += " in time"
	} else if cause != nil {
		msg += ": " + cause.Error()
	}
	return &provider.Error{Provider: c.name, Class: tokenwatch.ClassTransient, Code: "network", Message: Scrub(msg, secrets...)}
}

// Fail turns a failed response into a *provider.Error using the network's
// triage, with the guarantees every network shares: a 5xx or a 429 is
// never a page problem (a 5xx is transient whatever the body says; a 429 is
// transient unless the triage reads it as a refusal of tokenwatch's own app,
// such as a usage cap or an exhausted quota, which networks also answer
// with 429), Retry-After is honoured, and no credential is left in the
// message.
func (c *Client) Fail(status int, header http.Header, body []byte, secrets ...string) *provider.Error {
	var e *provider.Error
	if c.triage != nil {
		e = c.triage(status, body)
	}
	if e == nil {
		e = &provider.Error{Class: ClassForStatus(status), Code: strconv.Itoa(status)}
	}
	e.Provider, e.Status = c.name, status
	switch {
	case status >= 500 || status == http.StatusTooManyRequests && e.Class != tokenwatch.ClassService:
		e.Class, e.Rejected, e.RefreshMayFix = tokenwatch.ClassTransient, false, false
	case status == http.StatusTooManyRequests:
		e.Rejected, e.RefreshMayFix = false, false
	}
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	if e.Message == "" {
		e.Message = "HTTP " + strconv.Itoa(status) // a status without a name (529, 499)
	}
	// Scrub first: a cut through a token would leave its beginning behind,
	// no longer recognisable as the token.
	e.Message = truncate(Scrub(e.Message, secrets...), 300)
	e.Code = truncate(Scrub(e.Code, secrets...), 80)
	if d, ok := retryAfter(header, time.Now()); ok {
		e.RetryAfter = d
	} else if c.delay != nil {
		if d, ok := c.delay(header, time.Now()); ok {
			e.RetryAfter = d
		}
	}
	return e
}

// ClassForStatus is the class an HTTP status means when the body says
// nothing more: 401 is a dead token, 403 a missing permission, anything
// else (5xx, 429, odd 4xx) changes nothing.
func ClassForStatus(status int) tokenwatch.ErrorClass {
	switch status {
	case http.StatusUnauthorized:
		return tokenwatch.ClassMustReconnect
	case http.StatusForbidden:
		return tokenwatch.ClassPermissionMissing
	}
	return tokenwatch.ClassTransient
}

// RejectedStatus reports whether a status refuses the request itself (a 4xx
// that is not about the token, the permissions or the rate): sending the
// same request again would fail again.
func RejectedStatus(status int) bool {
	return status >= 400 && status < 500 && status != http.StatusUnauthorized &&
		status != http.StatusForbidden && status != http.StatusTooManyRequests && status != http.StatusRequestTimeout
}

// retryAfter reads Retry-After, or X's x-rate-limit-reset (a Unix time).
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := h.Get("Retry-After")
	if v == "" {
		if reset, err := strconv.ParseInt(h.Get("X-Rate-Limit-Reset"), 10, 64); err == nil && reset > 0 {
			return max(time.Unix(reset, 0).Sub(now), 0), true
		}
		return 0, false
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// truncate cuts s to at most n bytes, on a character boundary, marking the
// cut with an ellipsis; bytes that are not UTF-8 become U+FFFD first, so
// what comes back is always valid UTF-8 (it is shown on pages and in mail).
func truncate(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// Refuse is the error for a request tokenwatch will not send because the
// network would refuse it (a post without the media the network needs).
func (c *Client) Refuse(code, message string) error {
	return &provider.Error{Provider: c.name, Class: tokenwatch.ClassTransient, Code: code, Message: message, Rejected: true}
}

// Fetch downloads media a post links to (a public URL, sent without
// credentials and not moved to the base URL). A URL that does not answer
// with the media refuses the post.
func (c *Client) Fetch(ctx context.Context, mediaURL string) (io.ReadCloser, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, mediaURL, nil)
	if err != nil || (req.URL.Scheme != "http" && req.URL.Scheme != "https") {
		return nil, "", c.Refuse("media_url", "the media URL is not a valid http(s) URL")
	}
	resp, err := c.media.Do(req)
	if err != nil {
		if errors.Is(err, publicnet.ErrNotPublic) {
			return nil, "", c.Refuse("media_url", "the media URL does not point to a public address")
		}
		return nil, "", c.NetworkError(req, err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, "", c.Refuse("media_unavailable", fmt.Sprintf("the media could not be downloaded (status %d)", resp.StatusCode))
	}
	return resp.Body, resp.Header.Get("Content-Type"), nil
}
