// Package mail writes and sends tokenwatch's alert e-mails: the digest a
// recipient gets after a sweep, listing every page that crossed a
// threshold with what it puts at risk and a link to reconnect it, in HTML
// and plain text; its stable Message-ID; and the senders (SMTP through a
// small pool of connections, or the demo's outbox).
package mail

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	htmltemplate "html/template"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"text/template"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/wording"
)

// Digest is one recipient's e-mail after a sweep: every page of theirs
// that crossed a threshold. It is stored (as JSON) in the outbox when the
// alerts are recorded, so every attempt sends the same message.
type Digest struct {
	MessageID string    `json:"message_id"`
	To        string    `json:"to"`
	Name      string    `json:"name"`
	At        time.Time `json:"at"` // the sweep's moment, for "expires in 3 days"
	Items     []Item    `json:"items"`
}

// Item is one page in a digest.
type Item struct {
	PageID   int64               `json:"page_id"`
	Provider tokenwatch.Provider `json:"provider"`
	Page     string              `json:"page"`
	Location string              `json:"location"`
	TimeZone string              `json:"time_zone"`
	Step     string              `json:"step"`
	State    tokenwatch.State    `json:"state"`
	Deadline time.Time           `json:"deadline,omitzero"`
	// PostsAtRisk are the scheduled posts that will not go out unless the
	// page is reconnected; EarliestPost is the first of them.
	PostsAtRisk  int       `json:"posts_at_risk"`
	EarliestPost time.Time `json:"earliest_post,omitzero"`
	ReconnectURL string    `json:"reconnect_url"`
}

// zones caches time zones by name: loading one reads the zone database.
var zones sync.Map

func (it Item) loc() *time.Location {
	if z, ok := zones.Load(it.TimeZone); ok {
		return z.(*time.Location)
	}
	z := tokenwatch.Location{TimeZone: it.TimeZone}.Loc()
	zones.Store(it.TimeZone, z)
	return z
}

// Network is the page's network as users know it.
func (it Item) Network() string { return it.Provider.DisplayName() }

// Problem says what is wrong, in words: "expires in 3 days, on 2
// December", "access revoked".
func (it Item) Problem(at time.Time) string {
	switch it.State {
	case tokenwatch.StateRevoked:
		return "access revoked"
	case tokenwatch.StatePermissionMissing:
		return "a permission is missing"
	case tokenwatch.StateAccountBlocked:
		return "the account needs attention"
	case tokenwatch.StateDisconnected:
		return "disconnected"
	}
	return wording.Deadline(it.Deadline, at, it.loc())
}

// Headline names the page and says what is wrong: "Demo Bakery Downtown
// (Facebook) expires in 3 days, on 2 December".
func (it Item) Headline(at time.Time) string {
	return fmt.Sprintf("%s (%s) %s", it.Page, it.Network(), it.Problem(at))
}

// Advice is the sentence about what the state means and what to do.
func (it Item) Advice() string { return wording.Problem(it.State, it.Provider) }

// Risk says what the page puts at risk, empty if nothing.
func (it Item) Risk() string {
	switch it.PostsAtRisk {
	case 0:
		return ""
	case 1:
		return "1 scheduled post at risk, on " + it.EarliestPost.In(it.loc()).Format("Mon 2 January, 15:04")
	}
	return fmt.Sprintf("%d scheduled posts at risk, the first on %s", it.PostsAtRisk, it.EarliestPost.In(it.loc()).Format("Mon 2 January, 15:04"))
}

// MessageID returns the Message-ID (without angle brackets) of the e-mail
// that carries the given alerts: the same alerts always give the same id,
// so a message sent again after a crash can be recognised and dropped.
func MessageID(alertKeys []string, domain string) string {
	keys := slices.Clone(alertKeys)
	slices.Sort(keys)
	sum := sha256.Sum256([]byte(strings.Join(keys, "\n")))
	if domain == "" {
		domain = "tokenwatch.invalid"
	}
	return "alert-" + hex.EncodeToString(sum[:16]) + "@" + domain
}

// Domain returns the domain of a sender address ("tokenwatch
// <alerts@example.com>" gives "example.com"), empty if it has none.
func Domain(from string) string {
	a, err := mail.ParseAddress(from)
	if err != nil {
		return ""
	}
	_, d, _ := strings.Cut(a.Address, "@")
	return d
}

// Message is a rendered e-mail.
type Message struct {
	MessageID string
	To        string
	Subject   string
	Text      string
	HTML      string
}

//go:embed templates
var templateFS embed.FS

var (
	textTemplate = template.Must(template.New("digest.txt").ParseFS(templateFS, "templates/digest.txt"))
	htmlTemplate = htmltemplate.Must(htmltemplate.New("digest.html").ParseFS(templateFS, "templates/digest.html"))
)

type view struct {
	Digest
	Subject string
	Items   []itemView
}

type itemView struct {
	Item
	Headline, Problem, Advice, Risk string
}

// Render writes the digest as an e-mail.
func Render(d Digest) (Message, error) {
	v := view{Digest: d, Subject: Subject(d)}
	for _, it := range d.Items {
		v.Items = append(v.Items, itemView{Item: it, Headline: it.Headline(d.At), Problem: it.Problem(d.At), Advice: it.Advice(), Risk: it.Risk()})
	}
	var text, html bytes.Buffer
	if err := textTemplate.Execute(&text, v); err != nil {
		return Message{}, err
	}
	if err := htmlTemplate.Execute(&html, v); err != nil {
		return Message{}, err
	}
	return Message{MessageID: d.MessageID, To: d.To, Subject: v.Subject, Text: text.String(), HTML: html.String()}, nil
}

// Subject says what is wrong: "2 pages need reconnecting: Demo Bakery
// Downtown (Facebook) expires in 3 days, …".
func Subject(d Digest) string {
	if len(d.Items) == 1 {
		it := d.Items[0]
		return fmt.Sprintf("Reconnect %s (%s): %s", it.Page, it.Network(), it.Problem(d.At))
	}
	var parts []string
	for i, it := range d.Items {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more", len(d.Items)-3))
			break
		}
		parts = append(parts, fmt.Sprintf("%s (%s) %s", it.Page, it.Network(), shortProblem(it, d.At)))
	}
	return fmt.Sprintf("%d pages need reconnecting: %s", len(d.Items), strings.Join(parts, ", "))
}

// shortProblem drops the date: "expires in 3 days".
func shortProblem(it Item, at time.Time) string {
	p := it.Problem(at)
	if i := strings.Index(p, ", "); i >= 0 {
		return p[:i]
	}
	return p
}
