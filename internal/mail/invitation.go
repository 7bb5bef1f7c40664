package mail

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	htmltemplate "html/template"
	"text/template"
	"time"
)

// Invitation is an e-mail asking someone to join an account.
type Invitation struct {
	To      string
	Account string
	// From names who invited ("Olga Owner <owner@demo.test>").
	From string
	// What says what they are invited as ("manager at Downtown").
	What string
	// Link is the single-use address to accept at (a secret: it is in the
	// e-mail only).
	Link      string
	ExpiresAt time.Time
	Domain    string
}

var (
	invitationText = template.Must(template.New("invitation.txt").Parse(`Hello,

{{.From}} invites you to tokenwatch for {{.Account}}, as {{.What}}.

tokenwatch keeps the connections of {{.Account}}'s social pages alive and tells
you when one needs reconnecting. To join, choose your name and a password here:

{{.Link}}

The link works once, until {{.ExpiresAt.Format "Monday 2 January 2006, 15:04 MST"}}.
If you did not expect this invitation, ignore it: nothing happens without you.
-- 
tokenwatch
`))
	invitationHTML = htmltemplate.Must(htmltemplate.New("invitation.html").Parse(`<!doctype html>
<html><body style="font-family: sans-serif; line-height: 1.5">
<p>Hello,</p>
<p>{{.From}} invites you to tokenwatch for <strong>{{.Account}}</strong>, as {{.What}}.</p>
<p>tokenwatch keeps the connections of {{.Account}}'s social pages alive and tells you when one needs reconnecting.</p>
<p><a href="{{.Link}}" style="display: inline-block; padding: .5em 1em; background: #1d4ed8; color: #fff; text-decoration: none; border-radius: 4px">Join {{.Account}}</a></p>
<p>The link works once, until {{.ExpiresAt.Format "Monday 2 January 2006, 15:04 MST"}}. If you did not expect this invitation, ignore it: nothing happens without you.</p>
</body></html>
`))
)

// RenderInvitation writes an invitation as an e-mail.
func RenderInvitation(inv Invitation) (Message, error) {
	var text, html bytes.Buffer
	if err := invitationText.Execute(&text, inv); err != nil {
		return Message{}, err
	}
	if err := invitationHTML.Execute(&html, inv); err != nil {
		return Message{}, err
	}
	return Message{MessageID: oneOffID("invite", inv.Domain), To: inv.To, Subject: "Join " + inv.Account + " on tokenwatch",
		Text: text.String(), HTML: html.String()}, nil
}

// oneOffID is the Message-ID of a message sent once, not an alert.
func oneOffID(kind, domain string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails
	if domain == "" {
		domain = "tokenwatch.invalid"
	}
	return kind + "-" + hex.EncodeToString(b) + "@" + domain
}

// ReconnectRequest is an e-mail asking someone, who may have no tokenwatch
// account, to reconnect one page.
type ReconnectRequest struct {
	To      string
	From    string // who asks ("Mia Member <member@demo.test>")
	Account string
	Page    string // "Demo Bakery Riverside"
	Network string
	// Who must answer: "the Facebook account Marco Manager", or "a
	// Facebook account with full control of the Page".
	Who, Role string
	Message   string
	Link      string
	ExpiresAt time.Time
	Domain    string
}

var (
	requestText = template.Must(template.New("request.txt").Parse(`Hello,

{{.From}} asks you to reconnect the {{.Network}} page "{{.Page}}" for {{.Account}} in tokenwatch.
{{with .Message}}
Their message:
  {{.}}
{{end}}
Until it is reconnected, its scheduled posts are held. You need no tokenwatch account:
open this link, then sign in to {{.Network}} as {{.Who}} ({{.Role}}) and confirm.

{{.Link}}

The link works once, for this page only, until {{.ExpiresAt.Format "Monday 2 January 2006, 15:04 MST"}}.
If you did not expect this, ignore it: nothing happens without you.
-- 
tokenwatch
`))
	requestHTML = htmltemplate.Must(htmltemplate.New("request.html").Parse(`<!doctype html>
<html><body style="font-family: sans-serif; line-height: 1.5">
<p>Hello,</p>
<p>{{.From}} asks you to reconnect the {{.Network}} page <strong>{{.Page}}</strong> for {{.Account}} in tokenwatch.</p>
{{with .Message}}<blockquote style="border-left: 3px solid #ccc; margin: 0; padding-left: 1em">{{.}}</blockquote>{{end}}
<p>Until it is reconnected, its scheduled posts are held. You need no tokenwatch account: open the link, then sign in to {{.Network}} as {{.Who}} ({{.Role}}) and confirm.</p>
<p><a href="{{.Link}}" style="display: inline-block; padding: .5em 1em; background: #b3261e; color: #fff; text-decoration: none; border-radius: 4px">Reconnect {{.Page}}</a></p>
<p>The link works once, for this page only, until {{.ExpiresAt.Format "Monday 2 January 2006, 15:04 MST"}}. If you did not expect this, ignore it: nothing happens without you.</p>
</body></html>
`))
)

// RenderReconnectRequest writes a reconnect request as an e-mail.
func RenderReconnectRequest(r ReconnectRequest) (Message, error) {
	var text, html bytes.Buffer
	if err := requestText.Execute(&text, r); err != nil {
		return Message{}, err
	}
	if err := requestHTML.Execute(&html, r); err != nil {
		return Message{}, err
	}
	return Message{MessageID: oneOffID("request", r.Domain), To: r.To, Subject: "Please reconnect " + r.Page + " (" + r.Network + ")",
		Text: text.String(), HTML: html.String()}, nil
}
