// Package mail writes and sends tokenwatch's alert e-mails: the digest a
// recipient gets after a sweep (or once a day, if they chose so), listing
// every page that crossed a threshold with what it puts at risk and what
// to do (a link to reconnect it, or whom to contact and a link to ask
// someone, for those who cannot), in HTML and plain text, times in the
// recipient's zone; its stable Message-ID and its one-click unsubscribe
// headers; and the senders (SMTP through a small pool of connections, or
// the demo's outbox).
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

// Digest is one recipient's e-mail: every page of theirs that crossed a
// threshold in a sweep, or, for a daily digest, since their last one. It is
// stored (as JSON) in the outbox when the alerts are recorded, so every
// attempt sends the same message.
type Digest struct {
	MessageID string    `json:"message_id"`
	To        string    `json:"to"`
	Name      string    `json:"name"`
	At        time.Time `json:"at"` // the sweep's moment, for "expires in 3 days"
	Items     []Item    `json:"items"`
	// Account is the account's name, in the subject of a message about
	// several pages.
	Account string `json:"account,omitempty"`
	// TimeZone is the recipient's zone: every time is written in it, the
	// zone named. Empty: each page's location's.
	TimeZone string `json:"time_zone,omitempty"`
	// Daily says it is the recipient's daily digest; More counts the
	// alerts it leaves out (too many for one e-mail).
	Daily bool `json:"daily,omitempty"`
	More  int  `json:"more,omitempty"`
	// BaseURL is the service's address, for the link to the recipient's
	// settings.
	BaseURL string `json:"base_url,omitempty"`
	// UnsubscribeURL is the recipient's one-click unsubscribe link. It
	// carries their secret, so it is never stored with the digest: the
	// job that sends it sets it just before rendering.
	UnsubscribeURL string `json:"-"`
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
	// CannotReconnect says the recipient may not reconnect the page (a
	// member): instead of a Reconnect button the e-mail names Contact (the
	// page admin) and offers AskURL, to ask someone to reconnect it.
	CannotReconnect bool   `json:"cannot_reconnect,omitempty"`
	Contact         string `json:"contact,omitempty"`
	AskURL          string `json:"ask_url,omitempty"`
	// Told lists, for an escalation, who was told the page was
	// disconnected, how and when.
	Told []Told `json:"told,omitempty"`
}

// Told is a person who was told about a page, and when.
type Told struct {
	Name  string    `json:"name"`
	Email string    `json:"email"`
	At    time.Time `json:"at"`
	// How is "by e-mail", "in the daily digest" or "in the app only".
	How string `json:"how"`
}

// zones caches time zones by name: loading one reads the zone database.
var zones sync.Map

// zone returns the zone named, UTC if it is unknown.
func zone(name string) *time.Location {
	if z, ok := zones.Load(name); ok {
		return z.(*time.Location)
	}
	z := tokenwatch.Location{TimeZone: name}.Loc()
	zones.Store(name, z)
	return z
}

func (it Item) loc() *time.Location { return zone(it.TimeZone) }

// Network is the page's network as users know it.
func (it Item) Network() string { return it.Provider.DisplayName() }

// Problem says what is wrong, in words: "expires in 3 days, on 2
// December", "access revoked".
func (it Item) Problem(at time.Time) string { return it.problemIn(at, it.loc()) }

// problemIn is Problem with the date in the zone loc.
func (it Item) problemIn(at time.Time, loc *time.Location) string {
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
	return wording.Deadline(it.Deadline, at, loc)
}

// Headline names the page and says what is wrong: "Demo Bakery Downtown
// (Facebook) expires in 3 days, on 2 December".
func (it Item) Headline(at time.Time) string {
	if it.Step == "escalated" {
		return fmt.Sprintf("%s (%s) is still disconnected: %s", it.Page, it.Network(), it.Problem(at))
	}
	return fmt.Sprintf("%s (%s) %s", it.Page, it.Network(), it.Problem(at))
}

// Advice is the sentence about what the state means and what to do.
func (it Item) Advice() string { return wording.Problem(it.State, it.Provider) }

// Risk says what the page puts at risk, empty if nothing.
func (it Item) Risk() string { return it.riskIn(it.loc()) }

// riskIn is Risk with the time in the zone loc, the zone named.
func (it Item) riskIn(loc *time.Location) string {
	switch it.PostsAtRisk {
	case 0:
		return ""
	case 1:
		return "1 scheduled post at risk, on " + zoned(it.EarliestPost, loc)
	}
	return fmt.Sprintf("%d scheduled posts at risk, the first on %s", it.PostsAtRisk, zoned(it.EarliestPost, loc))
}

// zoned writes a moment in a zone, naming it: "Wed 2 December 2026, 10:00
// CET (Europe/Paris)".
func zoned(t time.Time, loc *time.Location) string {
	l := t.In(loc)
	s := l.Format("Mon 2 January 2006, 15:04 MST")
	if name := loc.String(); name != "UTC" && name != l.Format("MST") {
		s += " (" + name + ")"
	}
	return s
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
	// Unsubscribe, when set, is the recipient's one-click unsubscribe link:
	// it goes in List-Unsubscribe, with List-Unsubscribe-Post (RFC 8058).
	Unsubscribe string
}

// OneClick is the List-Unsubscribe-Post value of RFC 8058, section 3.1.
const OneClick = "List-Unsubscribe=One-Click"

// Headers are the message's own header fields (beyond From, To, Subject,
// Date, Message-ID and the MIME ones), in order: what the senders add.
func (m Message) Headers() [][2]string {
	if m.Unsubscribe == "" {
		return nil
	}
	return [][2]string{{"List-Unsubscribe", "<" + m.Unsubscribe + ">"}, {"List-Unsubscribe-Post", OneClick}}
}

//go:embed templates
var templateFS embed.FS

var (
	textTemplate = template.Must(template.New("digest.txt").ParseFS(templateFS, "templates/digest.txt"))
	htmlTemplate = htmltemplate.Must(htmltemplate.New("digest.html").ParseFS(templateFS, "templates/digest.html"))
)

type view struct {
	Digest
	Subject  string
	Intro    string
	Items    []itemView
	Zone     string
	Settings string
}

type itemView struct {
	Item
	Problem, Advice, Risk, DeadlineAt string
	Escalated                         bool
	Told                              []toldView
}

type toldView struct {
	Told
	When string
}

// Render writes the digest as an e-mail, every time in the recipient's
// zone with the zone named.
func Render(d Digest) (Message, error) {
	v := view{Digest: d, Subject: Subject(d), Intro: intro(d)}
	if d.BaseURL != "" {
		v.Settings = strings.TrimRight(d.BaseURL, "/") + "/me/notifications"
	}
	for _, it := range d.Items {
		loc := d.loc(it)
		iv := itemView{Item: it, Problem: it.problemIn(d.At, loc), Advice: it.Advice(), Risk: it.riskIn(loc), Escalated: it.Step == "escalated"}
		if !it.Deadline.IsZero() {
			iv.DeadlineAt = zoned(it.Deadline, loc)
		}
		for _, t := range it.Told {
			iv.Told = append(iv.Told, toldView{Told: t, When: zoned(t.At, loc)})
		}
		v.Items = append(v.Items, iv)
	}
	if d.TimeZone != "" {
		v.Zone = zone(d.TimeZone).String()
	}
	var text, html bytes.Buffer
	if err := textTemplate.Execute(&text, v); err != nil {
		return Message{}, err
	}
	if err := htmlTemplate.Execute(&html, v); err != nil {
		return Message{}, err
	}
	return Message{MessageID: d.MessageID, To: d.To, Subject: v.Subject, Text: text.String(), HTML: html.String(), Unsubscribe: d.UnsubscribeURL}, nil
}

// loc is the zone the digest writes an item's times in: the recipient's,
// or else the item's location's.
func (d Digest) loc(it Item) *time.Location {
	if d.TimeZone != "" {
		return zone(d.TimeZone)
	}
	return it.loc()
}

func intro(d Digest) string {
	n := len(d.Items)
	switch {
	case n == 1 && d.Items[0].Step == "escalated":
		return "A page is still disconnected after its alert. As an owner of the account, here is who was told, and when."
	case d.Daily && n+d.More == 1:
		return "Since your last digest, a page you work with needs reconnecting before tokenwatch can keep publishing to it."
	case d.Daily:
		return fmt.Sprintf("Since your last digest, %d pages you work with need reconnecting before tokenwatch can keep publishing to them.", n+d.More)
	case n == 1:
		return "A page you work with needs reconnecting before tokenwatch can keep publishing to it."
	}
	return fmt.Sprintf("%d pages you work with need reconnecting before tokenwatch can keep publishing to them.", n)
}

// Subject says what is wrong in a line short enough for a phone:
// "Facebook page expires in 3 days – Downtown" for one page, "3 pages need
// reconnecting – Demo Brand" for several, "Daily digest: …" for a daily
// digest.
func Subject(d Digest) string {
	var s string
	if n := len(d.Items) + d.More; n == 1 {
		it := d.Items[0]
		s = it.Network() + " page " + subjectProblem(it, d.At, d.loc(it)) + " – " + it.Location
	} else {
		s = fmt.Sprintf("%d pages need reconnecting", n)
		if d.Account != "" {
			s += " – " + d.Account
		}
	}
	if d.Daily {
		s = "Daily digest: " + s
	}
	return s
}

// subjectProblem is the problem in a few words: "expires in 3 days",
// "has expired", "access revoked", "still expired".
func subjectProblem(it Item, at time.Time, loc *time.Location) string {
	if it.Step == "escalated" {
		switch it.State {
		case tokenwatch.StateExpired:
			return "still expired"
		case tokenwatch.StateRevoked:
			return "still revoked"
		}
		return "still disconnected"
	}
	switch it.State {
	case tokenwatch.StateExpired:
		return "has expired"
	case tokenwatch.StateRevoked:
		return "access revoked"
	case tokenwatch.StatePermissionMissing:
		return "lost a permission"
	case tokenwatch.StateAccountBlocked:
		return "account needs attention"
	}
	p := it.problemIn(at, loc)
	if i := strings.Index(p, ", "); i >= 0 {
		return p[:i] // "expires in 3 days", without the date
	}
	return p
}
