package admin

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/access"
	twmail "github.com/tokenwatch/tokenwatch/internal/mail"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// RequestTTL is how long a reconnect request's link works.
const RequestTTL = InvitationTTL

// Ask is a request to someone to reconnect a page: whom, a message, and
// whether another network account than the page's may answer (as long as
// it holds the role the page needs).
type Ask struct {
	Recipient  string
	Message    string
	AnyAccount bool
	// Role is the network role the page needs, in the network's words, and
	// Network its name, for the e-mail.
	Role string
}

// AskToReconnect sends a single-use link, bound to one page, to someone who
// may have no tokenwatch account, so that they reconnect it. Anyone who
// sees the page may ask, members included. An e-mail that cannot be sent
// withdraws the request and says why.
func (s *Service) AskToReconnect(ctx context.Context, a Actor, pageID int64, in Ask) (*store.ReconnectRequest, error) {
	p, err := s.Page(ctx, a, pageID)
	if err != nil {
		return nil, err
	}
	if err := allow(access.Decide(a.Actor, access.Ask, pageTarget(p)), "page", "You may not ask for this page to be reconnected."); err != nil {
		return nil, err
	}
	addr, err := mail.ParseAddress(strings.TrimSpace(in.Recipient))
	if err != nil || addr.Name != "" || len(addr.Address) > 254 {
		return nil, tokenwatch.Errorf(tokenwatch.CodeInvalid, "%q is not an e-mail address.", in.Recipient)
	}
	msg := strings.TrimSpace(in.Message)
	if utf8.RuneCountInString(msg) > 1000 || !utf8.ValidString(msg) || strings.ContainsFunc(msg, func(r rune) bool { return r < 0x20 && r != '\n' && r != '\r' && r != '\t' }) {
		return nil, tokenwatch.Errorf(tokenwatch.CodeInvalid, "The message has at most 1,000 characters of text.")
	}
	if s.opts.Mail == nil {
		return nil, tokenwatch.Errorf(tokenwatch.CodeUnavailable, "Requests go by e-mail, and this tokenwatch has no e-mail set up (TOKENWATCH_SMTP_URL).")
	}
	account, err := s.store.GetAccount(ctx, p.AccountID)
	if err != nil {
		return nil, err
	}
	r := &store.ReconnectRequest{AccountID: p.AccountID, PageID: p.ID, RequestedBy: a.actorID(), Recipient: tokenwatch.NormalizeEmail(addr.Address),
		Message: msg, AnyAccount: in.AnyAccount, ExpiresAt: s.opts.Now().Add(RequestTTL)}
	secret, err := s.store.CreateReconnectRequest(ctx, r)
	if err != nil {
		return nil, err
	}
	who := fmt.Sprintf("the %s account %s", p.Provider.DisplayName(), p.ProviderUserName)
	if in.AnyAccount || p.ProviderUserName == "" {
		who = fmt.Sprintf("a %s account", p.Provider.DisplayName())
	}
	m, err := twmail.RenderReconnectRequest(twmail.ReconnectRequest{To: r.Recipient, From: a.Name, Account: account.Name, Page: p.Name,
		Network: p.Provider.DisplayName(), Who: who, Role: "with " + in.Role, Message: msg,
		Link: strings.TrimRight(s.opts.BaseURL, "/") + "/r/" + secret.Reveal(), ExpiresAt: r.ExpiresAt.UTC(), Domain: twmail.Domain(s.opts.MailFrom)})
	if err == nil {
		err = s.opts.Mail.Send(ctx, m)
	}
	if err != nil {
		s.opts.Logger.Warn("reconnect request e-mail not sent", "request", r.ID, "err", tokenwatch.ErrorMessage(err))
		if rerr := s.store.RevokeReconnectRequest(context.WithoutCancel(ctx), r.ID); rerr != nil {
			s.opts.Logger.Error("withdrawing an unsent reconnect request", "request", r.ID, "err", rerr)
		}
		return nil, tokenwatch.Errorf(tokenwatch.CodeUnavailable, "The e-mail to %s could not be sent (%s), so nothing was asked. Try again later.",
			r.Recipient, tokenwatch.ErrorMessage(err))
	}
	detail := "to " + r.Recipient
	if in.AnyAccount {
		detail += ", any account with the role"
	}
	return r, s.record(ctx, a, store.AuditEntry{Action: "page.reconnect_requested", LocationID: p.LocationID, PageID: p.ID, Subject: pageSubject(p), Detail: detail})
}

// WithdrawRequest ends a reconnect request's link: its requester, or
// whoever may reconnect the page, may.
func (s *Service) WithdrawRequest(ctx context.Context, a Actor, id int64) (*store.ReconnectRequest, error) {
	r, err := s.store.GetReconnectRequest(ctx, id)
	if tokenwatch.IsNotFound(err) || (err == nil && r.AccountID != a.AccountID) {
		return nil, tokenwatch.Errorf(tokenwatch.CodeNotFound, "No such request.")
	}
	if err != nil {
		return nil, err
	}
	p, err := s.Page(ctx, a, r.PageID)
	if err != nil {
		return nil, err
	}
	if r.RequestedBy != a.actorID() || a.Kind != access.KindUser {
		if err := allow(access.Decide(a.Actor, access.Reconnect, pageTarget(p)), "page", "Only who asked, or who may reconnect the page, can withdraw a request."); err != nil {
			return nil, err
		}
	}
	if err := s.store.RevokeReconnectRequest(ctx, r.ID); err != nil {
		return nil, err
	}
	return r, s.record(ctx, a, store.AuditEntry{Action: "page.reconnect_request_withdrawn", LocationID: p.LocationID, PageID: p.ID,
		Subject: pageSubject(p), Detail: "to " + r.Recipient})
}
