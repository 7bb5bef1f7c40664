package chat

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
)

// Teams messages are Adaptive Cards in the envelope Teams webhooks take,
// both the Workflows app's "Post to a channel when a webhook request is
// received" and the older connectors:
// {"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","content":{…}}]}
// (https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using#send-adaptive-cards-using-an-incoming-webhook;
// Action.OpenUrl is among the actions a webhook card may carry).

type teamsFact struct {
	Title string `json:"title"`
	Value string `json:"value"`
}

type teamsElement struct {
	Type   string      `json:"type"`
	Text   string      `json:"text,omitempty"`
	Weight string      `json:"weight,omitempty"`
	Size   string      `json:"size,omitempty"`
	Color  string      `json:"color,omitempty"`
	Wrap   bool        `json:"wrap,omitempty"`
	Facts  []teamsFact `json:"facts,omitempty"`
}

type teamsAction struct {
	Type  string `json:"type"`
	Title string `json:"title"`
	URL   string `json:"url"`
}

type adaptiveCard struct {
	Schema  string         `json:"$schema"`
	Type    string         `json:"type"`
	Version string         `json:"version"`
	Body    []teamsElement `json:"body"`
	Actions []teamsAction  `json:"actions"`
}

type teamsAttachment struct {
	ContentType string       `json:"contentType"`
	ContentURL  *string      `json:"contentUrl"`
	Content     adaptiveCard `json:"content"`
}

type teamsMessage struct {
	Type        string            `json:"type"`
	Attachments []teamsAttachment `json:"attachments"`
}

// AdaptiveCardType is the content type of an Adaptive Card attachment.
const AdaptiveCardType = "application/vnd.microsoft.card.adaptive"

// TeamsBody returns the JSON body of a Teams webhook post.
func TeamsBody(m Message) ([]byte, error) {
	card := adaptiveCard{
		Schema: "http://adaptivecards.io/schemas/adaptive-card.json", Type: "AdaptiveCard", Version: "1.4",
		Body: []teamsElement{
			{Type: "TextBlock", Text: m.Title, Weight: "Bolder", Size: "Medium", Color: "Attention", Wrap: true},
			{Type: "TextBlock", Text: m.Page + " (" + m.Network() + ") at " + m.Location + ". " + m.Advice, Wrap: true},
			{Type: "FactSet", Facts: []teamsFact{
				{Title: "Deadline", Value: m.DeadlineText()},
				{Title: "Posts at risk", Value: m.RiskText()},
				{Title: "Location", Value: m.Location},
				{Title: "Network", Value: m.Network()},
			}},
		},
		Actions: []teamsAction{{Type: "Action.OpenUrl", Title: "Reconnect", URL: m.PageURL}},
	}
	return json.Marshal(teamsMessage{Type: "message", Attachments: []teamsAttachment{{ContentType: AdaptiveCardType, Content: card}}})
}

// connectorFailure is how the older connectors report a refusal: an answer
// 200 whose body says "Webhook message delivery failed with error:
// Microsoft Teams endpoint returned HTTP error 400 …"
// (https://github.com/MicrosoftDocs/msteams-docs/issues/402,
// https://github.com/MicrosoftDocs/msteams-docs/issues/4145).
var connectorFailure = regexp.MustCompile(`Microsoft Teams endpoint returned HTTP error (\d{3})`)

// teamsVerdict reads Teams' answer to a post. Workflows accept a post with
// 202 Accepted and run the flow afterwards
// (https://github.com/keel-hq/keel/pull/843); the older connectors answer
// 200 "1", or 200 with a failure inside (connectorFailure), where a 429
// means too many posts (https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using#rate-limiting-for-connectors).
// 4xx answers are refusals (400 a card the flow cannot read, 401/403 a flow
// that only its tenant may trigger, 404 a flow or webhook removed, 413 too
// large), except 408 and 429; 5xx may pass.
func teamsVerdict(status int, body string, h http.Header) verdict {
	if status >= 200 && status < 300 {
		m := connectorFailure.FindStringSubmatch(body)
		if m == nil {
			return delivered
		}
		status, _ = strconv.Atoi(m[1])
		h = nil
	}
	switch {
	case status == http.StatusTooManyRequests:
		return rateLimited(h)
	case status == http.StatusRequestTimeout, status >= 500:
		return retry
	}
	return refused
}
