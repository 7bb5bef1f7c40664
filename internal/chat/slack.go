package chat

import (
	"encoding/json"
	"net/http"
	"strings"
)

// Slack messages are Block Kit blocks with a text fallback (shown in
// notifications and where blocks cannot be), posted as JSON to the incoming
// webhook:
// https://api.slack.com/messaging/webhooks and
// https://api.slack.com/reference/block-kit/blocks (a header's text is
// plain text of at most 150 characters; a section's fields at most 10, each
// at most 2,000 characters; an actions block holds buttons with a url).

type slackText struct {
	Type  string `json:"type"` // "plain_text" or "mrkdwn"
	Text  string `json:"text"`
	Emoji bool   `json:"emoji,omitempty"`
}

type slackElement struct {
	Type     string    `json:"type"` // "button"
	Text     slackText `json:"text"`
	URL      string    `json:"url"`
	Style    string    `json:"style,omitempty"`
	ActionID string    `json:"action_id"`
}

type slackBlock struct {
	Type     string         `json:"type"`
	Text     *slackText     `json:"text,omitempty"`
	Fields   []slackText    `json:"fields,omitempty"`
	Elements []slackElement `json:"elements,omitempty"`
}

type slackMessage struct {
	Text   string       `json:"text"`
	Blocks []slackBlock `json:"blocks"`
}

// SlackBody returns the JSON body of a Slack incoming webhook post.
func SlackBody(m Message) ([]byte, error) {
	title := cut(m.Title, 150)
	body := slackMessage{
		// The fallback names the page too: a notification shows only it.
		Text: m.Title + ": " + m.Page + " (" + m.Network() + "). " + m.PageURL,
		Blocks: []slackBlock{
			{Type: "header", Text: &slackText{Type: "plain_text", Text: title}},
			{Type: "section", Text: &slackText{Type: "mrkdwn", Text: "*" + mrkdwn(m.Page) + "* (" + mrkdwn(m.Network()) + ") at " + mrkdwn(m.Location) +
				"\n" + mrkdwn(m.Advice)}},
			{Type: "section", Fields: []slackText{
				{Type: "mrkdwn", Text: "*Deadline*\n" + mrkdwn(m.DeadlineText())},
				{Type: "mrkdwn", Text: "*Posts at risk*\n" + mrkdwn(m.RiskText())},
				{Type: "mrkdwn", Text: "*Location*\n" + mrkdwn(m.Location)},
				{Type: "mrkdwn", Text: "*Network*\n" + mrkdwn(m.Network())},
			}},
			{Type: "actions", Elements: []slackElement{{Type: "button", Text: slackText{Type: "plain_text", Text: "Reconnect"},
				URL: m.PageURL, Style: "primary", ActionID: "reconnect"}}},
		},
	}
	return json.Marshal(body)
}

// mrkdwn escapes the three characters Slack's mrkdwn reserves
// (https://api.slack.com/reference/surfaces/formatting#escaping), so that a
// page name cannot make a link or a mention.
func mrkdwn(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// cut shortens s to at most n characters.
func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// slackVerdict reads Slack's answer to a post. Slack answers 200 "ok";
// refusals are 4xx with a word saying why: 400 invalid_payload, 403
// action_prohibited, 404 channel_not_found (or no_service: the webhook was
// removed), 410 channel_is_archived; 500 rollup_error is Slack's own
// trouble (https://api.slack.com/changelog/2016-05-17-changes-to-errors-for-incoming-webhooks).
// Too many posts are answered 429 with Retry-After in seconds
// (https://api.slack.com/docs/rate-limits).
func slackVerdict(status int, body string, h http.Header) verdict {
	switch {
	case status >= 200 && status < 300:
		return delivered
	case status == http.StatusTooManyRequests:
		return rateLimited(h)
	case status == http.StatusRequestTimeout, status >= 500:
		return retry
	}
	return refused
}
