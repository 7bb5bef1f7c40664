// Package chat posts alerts to the chat channels of a location: Slack
// incoming webhooks (Block Kit messages with a text fallback) and Microsoft
// Teams webhooks (Adaptive Cards, through the Workflows app or the older
// connectors). It knows each network's message format, which webhook
// addresses are theirs, and how to read their answers: what went out, what
// to retry later and what will never work. A webhook address authorizes
// posting to its channel: it is handled as a secret and never appears in an
// error, a log line or a page (Hint shows which one it is).
package chat

import (
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tokenwatch/tokenwatch"
)

// Kind is a chat network.
type Kind string

// Kinds, the same words as the store's channel kinds.
const (
	Slack Kind = "slack"
	Teams Kind = "teams"
)

// Kinds lists the kinds in the order they are offered.
var Kinds = []Kind{Slack, Teams}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return k == Slack || k == Teams }

// Name is the network's name for people.
func (k Kind) Name() string {
	switch k {
	case Slack:
		return "Slack"
	case Teams:
		return "Microsoft Teams"
	}
	return string(k)
}

// Message is what an alert says in a channel: the page, its network and
// location, the deadline in the location's time zone (zone named), the
// posts at risk and a link to the page. It is stored in the outbox as JSON
// and turned into the network's format when sent.
type Message struct {
	// Title is the alert in a line: "Facebook page expires in 3 days –
	// Downtown".
	Title    string              `json:"title"`
	Page     string              `json:"page"`
	Provider tokenwatch.Provider `json:"provider"`
	Location string              `json:"location"`
	TimeZone string              `json:"time_zone"`
	State    tokenwatch.State    `json:"state"`
	Step     string              `json:"step"`
	// Advice says what the state means and what to do.
	Advice       string    `json:"advice"`
	Deadline     time.Time `json:"deadline,omitzero"`
	PostsAtRisk  int       `json:"posts_at_risk"`
	EarliestPost time.Time `json:"earliest_post,omitzero"`
	// PageURL is the page in tokenwatch (absolute), where it is reconnected.
	PageURL string `json:"page_url"`
}

// Network is the page's network as people know it.
func (m Message) Network() string { return m.Provider.DisplayName() }

func (m Message) loc() *time.Location { return tokenwatch.Location{TimeZone: m.TimeZone}.Loc() }

// DeadlineText is the deadline in the location's time, the zone named:
// "Wed 2 December 2026, 10:00 CET (Europe/Paris)"; "none" without one.
func (m Message) DeadlineText() string {
	if m.Deadline.IsZero() {
		return "none"
	}
	return zoned(m.Deadline, m.loc())
}

// RiskText says what the page puts at risk: "2 scheduled posts, the first
// on …", "none".
func (m Message) RiskText() string {
	switch m.PostsAtRisk {
	case 0:
		return "none"
	case 1:
		return "1 scheduled post, on " + zoned(m.EarliestPost, m.loc())
	}
	return strconv.Itoa(m.PostsAtRisk) + " scheduled posts, the first on " + zoned(m.EarliestPost, m.loc())
}

// zoned writes a moment in a zone, naming it.
func zoned(t time.Time, loc *time.Location) string {
	l := t.In(loc)
	s := l.Format("Mon 2 January 2006, 15:04 MST")
	if name := loc.String(); name != "UTC" && name != l.Format("MST") {
		s += " (" + name + ")"
	}
	return s
}

// CheckURL says whether raw is a webhook address of the kind that
// tokenwatch may post to: https on the network's own hosts (Slack:
// hooks.slack.com/services/…; Teams: *.webhook.office.com, and the Power
// Automate hosts of Workflows, *.logic.azure.com and
// *.environment.api.powerplatform.com). Loopback addresses (a test
// receiver, the demo) are accepted only when allowPrivate, as for webhook
// endpoints. The error never repeats the address. This is the one place
// that decides which hosts a channel may name.
func CheckURL(kind Kind, raw string, allowPrivate bool) error {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return tokenwatch.Errorf(tokenwatch.CodeInvalid, "That is not a web address. Paste the whole webhook address %s gave you.", kind.Name())
	}
	if u.User != nil {
		return tokenwatch.Errorf(tokenwatch.CodeInvalid, "A webhook address carries no user name or password.")
	}
	host := strings.ToLower(u.Hostname())
	if allowPrivate && isLoopback(host) {
		return nil
	}
	if u.Scheme != "https" || (u.Port() != "" && u.Port() != "443") {
		return tokenwatch.Errorf(tokenwatch.CodeInvalid, "A %s webhook address starts with https://.", kind.Name())
	}
	slack := host == "hooks.slack.com"
	teams := hasSuffix(host, ".webhook.office.com") || hasSuffix(host, ".logic.azure.com") || hasSuffix(host, ".environment.api.powerplatform.com")
	switch {
	case kind == Slack && slack && strings.HasPrefix(u.Path, "/services/"):
		return nil
	case kind == Slack && slack:
		return tokenwatch.Errorf(tokenwatch.CodeInvalid, "A Slack incoming webhook address starts with https://hooks.slack.com/services/.")
	case kind == Slack && teams:
		return tokenwatch.Errorf(tokenwatch.CodeInvalid, "That is a Microsoft Teams address: choose Microsoft Teams.")
	case kind == Slack:
		return tokenwatch.Errorf(tokenwatch.CodeInvalid, "A Slack incoming webhook address starts with https://hooks.slack.com/services/.")
	case kind == Teams && teams:
		return nil
	case kind == Teams && slack:
		return tokenwatch.Errorf(tokenwatch.CodeInvalid, "That is a Slack address: choose Slack.")
	case kind == Teams:
		return tokenwatch.Errorf(tokenwatch.CodeInvalid, "A Microsoft Teams webhook address is on a Power Automate host (….logic.azure.com or ….environment.api.powerplatform.com, from the Workflows app) or ….webhook.office.com.")
	}
	return tokenwatch.Errorf(tokenwatch.CodeInvalid, "Choose Slack or Microsoft Teams.")
}

// KnownHost reports whether raw names a host of a chat network: an
// address refused for another reason may still be a live secret.
func KnownHost(raw string) bool {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return false
	}
	host := strings.ToLower(u.Hostname())
	return host == "hooks.slack.com" || hasSuffix(host, ".webhook.office.com") || hasSuffix(host, ".logic.azure.com") ||
		hasSuffix(host, ".environment.api.powerplatform.com")
}

func hasSuffix(host, suffix string) bool {
	return strings.HasSuffix(host, suffix) && len(host) > len(suffix)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Hint shows which webhook an address is without giving it away: its host
// and its last four characters.
func Hint(raw string) string {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "…"
	}
	tail := raw
	if len(tail) > 4 {
		tail = tail[len(tail)-4:]
	}
	return u.Host + "/…" + tail
}
