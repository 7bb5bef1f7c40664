package chat

import (
	"bytes"
	"context"
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
)

// verdict is what an answer means for the message.
type verdict struct {
	outcome outcome
	// after is how long the network asked to wait (rate limited).
	after time.Duration
}

type outcome int

const (
	outcomeDelivered outcome = iota
	outcomeRetry
	outcomeThrottled
	outcomeRefused
)

var (
	delivered = verdict{outcome: outcomeDelivered}
	retry     = verdict{outcome: outcomeRetry}
	refused   = verdict{outcome: outcomeRefused}
)

// rateLimited is a 429: retry, after the Retry-After seconds if given.
func rateLimited(h http.Header) verdict {
	v := verdict{outcome: outcomeThrottled}
	if s, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After"))); err == nil && s > 0 {
		v.after = min(time.Duration(s)*time.Second, time.Hour)
	}
	return v
}

// Answer is what a network answered to a post: its status and the start
// of its body.
type Answer struct {
	Status int
	Body   string
}

func (a Answer) String() string {
	if a.Status == 0 {
		return "no answer"
	}
	s := "HTTP " + strconv.Itoa(a.Status)
	if a.Body != "" {
		s += ": " + a.Body
	}
	return s
}

// RateLimited is in the chain of the error of a post the network refused
// for now because of too many posts; RetryAfter is how long it asked to
// wait (zero if it did not say).
type RateLimited struct{ After time.Duration }

func (e *RateLimited) Error() string { return "rate limited, retry after " + e.After.String() }

// RetryAfter says how long to wait before trying again.
func (e *RateLimited) RetryAfter() time.Duration { return e.After }

// Client posts messages to chat webhooks.
type Client struct {
	HTTP *http.Client
}

// NewClient returns a client whose posts time out after timeout and that
// follows no redirect (a webhook that redirects is refused: the address
// was checked, where it leads was not).
func NewClient(timeout time.Duration) *Client {
	return &Client{HTTP: &http.Client{Timeout: timeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Body returns the body of a post of m to a channel of the kind.
func Body(kind Kind, m Message) ([]byte, error) {
	switch kind {
	case Slack:
		return SlackBody(m)
	case Teams:
		return TeamsBody(m)
	}
	return nil, tokenwatch.Errorf(tokenwatch.CodeInvalid, "%q is not a chat network", kind)
}

// Send posts m to the channel at webhook and returns what the network
// answered. The error says, in words safe to show, what happened: a
// refusal that retrying cannot fix holds tokenwatch.ErrPermanent; too many
// posts holds a *RateLimited; anything else may pass later. Neither the
// error nor the answer holds the webhook address.
func (c *Client) Send(ctx context.Context, kind Kind, webhook tokenwatch.Secret, m Message) (Answer, error) {
	body, err := Body(kind, m)
	if err != nil {
		return Answer{}, tokenwatch.Permanent(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, webhook.Reveal(), bytes.NewReader(body))
	if err != nil {
		return Answer{}, tokenwatch.WrapError(tokenwatch.CodeInvalid, tokenwatch.Permanent(errors.New("malformed webhook address")),
			"The %s webhook address is not valid", kind.Name())
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "tokenwatch-chat/1")
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return Answer{}, tokenwatch.WrapError(tokenwatch.CodeUnavailable, withoutURL(err), "%s cannot be reached", kind.Name())
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	a := Answer{Status: resp.StatusCode, Body: clean(string(raw), webhook)}
	var v verdict
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return a, tokenwatch.WrapError(tokenwatch.CodeInvalid, tokenwatch.Permanent(errors.New(a.String())),
			"%s answered with a redirect (%s), which tokenwatch does not follow: check the webhook address", kind.Name(), a)
	case kind == Slack:
		v = slackVerdict(resp.StatusCode, string(raw), resp.Header)
	default:
		v = teamsVerdict(resp.StatusCode, string(raw), resp.Header)
	}
	switch v.outcome {
	case outcomeDelivered:
		return a, nil
	case outcomeThrottled:
		return a, tokenwatch.WrapError(tokenwatch.CodeRateLimited, &RateLimited{After: v.after}, "%s asks to slow down (%s)", kind.Name(), a)
	case outcomeRefused:
		return a, tokenwatch.WrapError(tokenwatch.CodeInvalid, tokenwatch.Permanent(errors.New(a.String())), "%s refused the message: %s", kind.Name(), a)
	}
	return a, tokenwatch.Errorf(tokenwatch.CodeUnavailable, "%s failed: %s", kind.Name(), a)
}

// withoutURL drops the request's address from a transport error (a
// *url.Error prints it).
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", strings.ToLower(ue.Op), ue.Err)
	}
	return err
}

// clean makes the start of an answer's body fit to show: one line, valid
// UTF-8, at most 200 characters, never the webhook address.
func clean(body string, webhook tokenwatch.Secret) string {
	if w := webhook.Reveal(); w != "" {
		body = strings.ReplaceAll(body, w, "[webhook]")
	}
	body = strings.ToValidUTF8(body, "")
	body = strings.Join(strings.Fields(body), " ")
	if utf8.RuneCountInString(body) > 200 {
		body = cut(body, 200)
	}
	return body
}
