package chat_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/chat"
)

func TestCheckURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind         chat.Kind
		url          string
		allowPrivate bool
		ok           bool
	}{
		{chat.Slack, "https://hooks.slack.com/services/T000/B000/XXXX", false, true},
		{chat.Slack, "https://hooks.slack.com:443/services/T000/B000/XXXX", false, true},
		{chat.Slack, "http://hooks.slack.com/services/T000/B000/XXXX", false, false},       // https only
		{chat.Slack, "https://hooks.slack.com:8443/services/T000/B000/XXXX", false, false}, // not Slack's port
		{chat.Slack, "https://hooks.slack.com/workflows/T000/A000/1/XXXX", false, false},   // not an incoming webhook
		{chat.Slack, "https://hooks.slack.com.evil.example/services/T/B/X", false, false},  // a look-alike
		{chat.Slack, "https://evilhooks.slack.com/services/T/B/X", false, false},
		{chat.Slack, "https://user:pw@hooks.slack.com/services/T/B/X", false, false},
		{chat.Slack, "https://prod-23.westeurope.logic.azure.com/workflows/abc", false, false}, // a Teams address
		{chat.Teams, "https://prod-23.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=x", false, true},
		{chat.Teams, "https://default1234.09.environment.api.powerplatform.com:443/powerautomate/automations/direct/workflows/abc/triggers/manual/paths/invoke?sig=x", false, true},
		{chat.Teams, "https://contoso.webhook.office.com/webhookb2/abc/IncomingWebhook/def/ghi", false, true},
		{chat.Teams, "https://logic.azure.com/workflows/abc", false, false}, // the bare domain is no flow's host
		{chat.Teams, "https://hooks.slack.com/services/T/B/X", false, false},
		{chat.Teams, "https://teams.example.com/hook", false, false},
		{chat.Slack, "http://127.0.0.1:8080/hook", false, false}, // loopback: only when private targets are allowed
		{chat.Slack, "http://127.0.0.1:8080/hook", true, true},
		{chat.Teams, "http://localhost:9/hook", true, true},
		{chat.Teams, "http://[::1]:9/hook", true, true},
		{chat.Slack, "http://10.0.0.5/hook", true, false}, // private but not loopback: never
		{chat.Slack, "not a url", false, false},
		{chat.Slack, "", false, false},
	}
	for _, tt := range tests {
		err := chat.CheckURL(tt.kind, tt.url, tt.allowPrivate)
		if (err == nil) != tt.ok {
			t.Errorf("CheckURL(%s, %q, private %v) = %v, want ok %v", tt.kind, tt.url, tt.allowPrivate, err, tt.ok)
		}
		if err != nil && (tokenwatch.ErrorCode(err) != tokenwatch.CodeInvalid || (tt.url != "" && strings.Contains(err.Error(), tt.url))) {
			t.Errorf("CheckURL(%q): %v: want an invalid error that does not repeat the address", tt.url, err)
		}
	}
	if h := chat.Hint("https://hooks.slack.com/services/T000/B000/abcdefghWXYZ"); h != "hooks.slack.com/…WXYZ" {
		t.Errorf("Hint = %q", h)
	}
}

var message = chat.Message{Title: "Facebook page expires in 3 days – Downtown", Page: "Demo Bakery <Downtown> & Co", Provider: tokenwatch.Facebook,
	Location: "Downtown", TimeZone: "Europe/Paris", State: tokenwatch.StateExpiring, Step: "3d",
	Advice:   "The connection to Facebook is about to end. Reconnect it to keep publishing.",
	Deadline: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC), PostsAtRisk: 2, EarliestPost: time.Date(2026, 11, 30, 11, 0, 0, 0, time.UTC),
	PageURL: "https://tw.example/pages/42"}

// TestSlackBlockKit checks the message against Block Kit
// (https://api.slack.com/reference/block-kit/blocks): a text fallback, a
// plain-text header, mrkdwn escaped (https://api.slack.com/reference/surfaces/formatting#escaping),
// fields for the deadline (zone named) and the posts at risk, a button to
// the page.
func TestSlackBlockKit(t *testing.T) {
	t.Parallel()
	b, err := chat.SlackBody(message)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Text   string `json:"text"`
		Blocks []struct {
			Type string `json:"type"`
			Text *struct {
				Type, Text string
			} `json:"text"`
			Fields []struct {
				Type, Text string
			} `json:"fields"`
			Elements []struct {
				Type string `json:"type"`
				Text struct {
					Type, Text string
				} `json:"text"`
				URL string `json:"url"`
			} `json:"elements"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got.Text, message.Title) || !strings.Contains(got.Text, message.PageURL) {
		t.Errorf("fallback text %q", got.Text)
	}
	if len(got.Blocks) != 4 || got.Blocks[0].Type != "header" || got.Blocks[0].Text.Type != "plain_text" || got.Blocks[0].Text.Text != message.Title {
		t.Fatalf("blocks %s", b)
	}
	if s := got.Blocks[1].Text; s.Type != "mrkdwn" || !strings.Contains(s.Text, "*Demo Bakery &lt;Downtown&gt; &amp; Co* (Facebook) at Downtown") {
		t.Errorf("the page section %+v", s)
	}
	fields := map[string]string{}
	for _, f := range got.Blocks[2].Fields {
		name, value, _ := strings.Cut(f.Text, "\n")
		fields[name] = value
	}
	if fields["*Deadline*"] != "Wed 2 December 2026, 10:00 CET (Europe/Paris)" ||
		fields["*Posts at risk*"] != "2 scheduled posts, the first on Mon 30 November 2026, 12:00 CET (Europe/Paris)" ||
		fields["*Location*"] != "Downtown" || fields["*Network*"] != "Facebook" {
		t.Errorf("fields %v", fields)
	}
	if e := got.Blocks[3].Elements; got.Blocks[3].Type != "actions" || len(e) != 1 || e[0].Type != "button" || e[0].URL != message.PageURL || e[0].Text.Text != "Reconnect" {
		t.Errorf("actions %+v", got.Blocks[3])
	}
}

// TestTeamsAdaptiveCard checks the envelope and the card
// (https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using#send-adaptive-cards-using-an-incoming-webhook):
// type "message", one attachment of the Adaptive Card content type, a card
// with the title, the facts and an Action.OpenUrl to the page.
func TestTeamsAdaptiveCard(t *testing.T) {
	t.Parallel()
	b, err := chat.TeamsBody(message)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Type        string `json:"type"`
		Attachments []struct {
			ContentType string  `json:"contentType"`
			ContentURL  *string `json:"contentUrl"`
			Content     struct {
				Schema  string `json:"$schema"`
				Type    string `json:"type"`
				Version string `json:"version"`
				Body    []struct {
					Type  string `json:"type"`
					Text  string `json:"text"`
					Facts []struct{ Title, Value string }
				} `json:"body"`
				Actions []struct {
					Type, Title, URL string
				} `json:"actions"`
			} `json:"content"`
		} `json:"attachments"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Type != "message" || len(got.Attachments) != 1 || got.Attachments[0].ContentType != "application/vnd.microsoft.card.adaptive" {
		t.Fatalf("envelope %s", b)
	}
	card := got.Attachments[0].Content
	if card.Type != "AdaptiveCard" || card.Version != "1.4" || card.Schema != "http://adaptivecards.io/schemas/adaptive-card.json" ||
		card.Body[0].Text != message.Title || !strings.Contains(card.Body[1].Text, "Demo Bakery <Downtown> & Co (Facebook) at Downtown") {
		t.Errorf("card %+v", card)
	}
	facts := map[string]string{}
	for _, f := range card.Body[2].Facts {
		facts[f.Title] = f.Value
	}
	if card.Body[2].Type != "FactSet" || facts["Deadline"] != "Wed 2 December 2026, 10:00 CET (Europe/Paris)" || !strings.HasPrefix(facts["Posts at risk"], "2 scheduled posts") {
		t.Errorf("facts %v", facts)
	}
	if len(card.Actions) != 1 || card.Actions[0].Type != "Action.OpenUrl" || card.Actions[0].URL != message.PageURL {
		t.Errorf("actions %+v", card.Actions)
	}
}

// answer is what a network answers, as its documentation says.
type answer struct {
	source     string // where the behaviour is documented
	kind       chat.Kind
	status     int
	body       string
	retryAfter string
	// want: "sent", "retry", "slow down" (rate limited) or "refused" (for good).
	want  string
	after time.Duration
}

var answers = []answer{
	{"https://docs.slack.dev/tools/python-slack-sdk/webhook (a post answers 200 \"ok\")", chat.Slack, 200, "ok", "", "sent", 0},
	{"https://api.slack.com/changelog/2016-05-17-changes-to-errors-for-incoming-webhooks", chat.Slack, 400, "invalid_payload", "", "refused", 0},
	{"https://api.slack.com/changelog/2016-05-17-changes-to-errors-for-incoming-webhooks", chat.Slack, 403, "action_prohibited", "", "refused", 0},
	{"https://api.slack.com/changelog/2016-05-17-changes-to-errors-for-incoming-webhooks", chat.Slack, 404, "channel_not_found", "", "refused", 0},
	{"https://api.slack.com/messaging/webhooks#handling_errors (the webhook was removed or disabled)", chat.Slack, 404, "no_service", "", "refused", 0},
	{"https://api.slack.com/changelog/2016-05-17-changes-to-errors-for-incoming-webhooks", chat.Slack, 410, "channel_is_archived", "", "refused", 0},
	{"https://api.slack.com/changelog/2016-05-17-changes-to-errors-for-incoming-webhooks", chat.Slack, 500, "rollup_error", "", "retry", 0},
	{"https://api.slack.com/docs/rate-limits (429 with Retry-After in seconds)", chat.Slack, 429, `{"ok":false,"error":"ratelimited"}`, "30", "slow down", 30 * time.Second},
	{"https://github.com/keel-hq/keel/pull/843 (a Workflows webhook answers 202)", chat.Teams, 202, "", "", "sent", 0},
	{"https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using (a connector answers 1)", chat.Teams, 200, "1", "", "sent", 0},
	{"https://github.com/MicrosoftDocs/msteams-docs/issues/402 (a connector hides its refusal in a 200)", chat.Teams, 200,
		"Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 400 with ContextId tcid=0,server=x", "", "refused", 0},
	{"https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using#rate-limiting-for-connectors", chat.Teams, 200,
		"Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 429 with ContextId tcid=0", "", "slow down", 0},
	{"a Workflows flow that was deleted", chat.Teams, 404, `{"error":{"code":"WorkflowNotFound","message":"The workflow 'x' could not be found."}}`, "", "refused", 0},
	{"a Workflows flow limited to its tenant's users", chat.Teams, 401, `{"error":{"code":"DirectApiAuthorizationRequired"}}`, "", "refused", 0},
	{"Power Automate throttling", chat.Teams, 429, `{"error":{"code":"WorkflowRequestsThrottled"}}`, "12", "slow down", 12 * time.Second},
	{"Power Automate's own trouble", chat.Teams, 502, "", "", "retry", 0},
	{"a redirect (tokenwatch follows none)", chat.Slack, 302, "", "", "refused", 0},
}

func TestAnswers(t *testing.T) {
	t.Parallel()
	for _, a := range answers {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if a.retryAfter != "" {
				w.Header().Set("Retry-After", a.retryAfter)
			}
			if a.status == 302 {
				w.Header().Set("Location", "https://elsewhere.example/")
			}
			w.WriteHeader(a.status)
			w.Write([]byte(a.body))
		}))
		hook := tokenwatch.NewSecret(srv.URL + "/services/T000/B000/secret-part-1234")
		got, err := chat.NewClient(2*time.Second).Send(context.Background(), a.kind, hook, message)
		srv.Close()
		verdict := "sent"
		var rl *chat.RateLimited
		switch {
		case err == nil:
		case errors.Is(err, tokenwatch.ErrPermanent):
			verdict = "refused"
		case errors.As(err, &rl):
			verdict = "slow down"
		default:
			verdict = "retry"
		}
		if verdict != a.want || (rl != nil && rl.After != a.after) || got.Status != a.status {
			t.Errorf("%s %d %q (%s): %s %v, answer %v; want %s", a.kind, a.status, a.body, a.source, verdict, err, got, a.want)
		}
		if err != nil && (strings.Contains(err.Error(), "secret-part") || !strings.Contains(tokenwatch.ErrorMessage(err), a.kind.Name())) {
			t.Errorf("%s %d: the error %q holds the address or does not name the network", a.kind, a.status, err)
		}
	}
}

// TestAddressStaysSecret: a webhook that cannot be reached, or that echoes
// its own address, gives errors and answers without it.
func TestAddressStaysSecret(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no route for http://"+r.Host+r.URL.Path, http.StatusNotFound)
	}))
	hook := tokenwatch.NewSecret(srv.URL + "/services/T/B/very-secret-token")
	c := chat.NewClient(2 * time.Second)
	a, err := c.Send(context.Background(), chat.Slack, hook, message)
	if err == nil || strings.Contains(err.Error(), "very-secret-token") || strings.Contains(a.Body, "very-secret-token") || !strings.Contains(a.Body, "[webhook]") {
		t.Errorf("an echoing endpoint: %v, answer %q", err, a.Body)
	}
	srv.Close() // nobody listens there now
	_, err = c.Send(context.Background(), chat.Slack, hook, message)
	if err == nil || errors.Is(err, tokenwatch.ErrPermanent) || strings.Contains(err.Error(), "very-secret-token") {
		t.Errorf("an endpoint that is down: %v, want a temporary error without the address", err)
	}
}
