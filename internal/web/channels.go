package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/access"
	"github.com/tokenwatch/tokenwatch/internal/chat"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// channelsData is what the page of a location's chat channels shows.
type channelsData struct {
	Location *tokenwatch.Location
	Channels []channelView
	Kinds    []option
	// Form is what was typed in the add form, when it comes back with
	// Error; URL only when it could not be a live webhook (it is a secret).
	Form  channelForm
	Error string
	// Tested is the answer to "Send a test message", shown by its channel.
	Tested *testResult
	// AllowPrivate says loopback webhooks are accepted (tests, the demo).
	AllowPrivate bool
}

type channelForm struct{ Kind, Name, URL string }

type channelView struct {
	*store.Channel
	KindName string
	Added    string
	// Recent are its latest messages, newest first.
	Recent []channelMessage
	Tested *testResult
}

type channelMessage struct {
	Title, Status, Error string
	When                 string
}

type testResult struct {
	ChannelID int64
	OK        bool
	Said      string
}

// recentMessages bounds the messages shown per channel.
const recentMessages = 5

// channelLocation reads the location of a channels address and checks
// that the viewer may manage its channels: ids of other accounts, and of
// locations the viewer takes no part in, are not found; members are told
// they may not.
func (s *Server) channelLocation(r *http.Request) (*tokenwatch.Location, error) {
	v, err := s.viewerOf(r)
	if err != nil {
		return nil, err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return nil, errNotFound("location")
	}
	loc, err := s.store.GetLocation(r.Context(), id)
	if tokenwatch.IsNotFound(err) {
		return nil, errNotFound("location")
	}
	if err != nil {
		return nil, err
	}
	switch access.Decide(v.Actor, access.Channels, access.Target{AccountID: loc.AccountID, LocationID: loc.ID}) {
	case access.Allowed:
		return loc, nil
	case access.Forbidden:
		return nil, tokenwatch.Errorf(tokenwatch.CodeForbidden, "Only the owners and managers of %s manage its channels.", loc.Name)
	}
	return nil, errNotFound("location")
}

// channels lists a location's Slack and Teams channels with their latest
// messages, and the form that adds one.
func (s *Server) channels(w http.ResponseWriter, r *http.Request) {
	loc, err := s.channelLocation(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderChannels(w, r, http.StatusOK, loc, channelForm{Kind: string(chat.Slack)}, "", nil)
}

func (s *Server) renderChannels(w http.ResponseWriter, r *http.Request, status int, loc *tokenwatch.Location, form channelForm, problem string, tested *testResult) {
	list, err := s.store.LocationChannels(r.Context(), loc.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	tz, err := s.viewerZone(r.Context(), sessionFrom(r.Context()).User.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data := channelsData{Location: loc, Form: form, Error: problem, Tested: tested, AllowPrivate: s.opts.AllowPrivateChannels}
	for _, k := range chat.Kinds {
		data.Kinds = append(data.Kinds, option{Value: string(k), Label: k.Name(), Selected: string(k) == form.Kind})
	}
	for _, c := range list {
		cv := channelView{Channel: c, KindName: chat.Kind(c.Kind).Name(), Added: zoned(c.CreatedAt, tz)}
		if tested != nil && tested.ChannelID == c.ID {
			cv.Tested = tested
		}
		ds, err := s.store.ChannelDeliveries(r.Context(), c.ID, recentMessages)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, d := range ds {
			cv.Recent = append(cv.Recent, describeDelivery(d, tz))
		}
		data.Channels = append(data.Channels, cv)
	}
	s.render(w, r, status, "channels", page{Title: "Channels of " + loc.Name, Data: data})
}

// describeDelivery says what became of a message to a channel.
func describeDelivery(d *store.Delivery, tz *time.Location) channelMessage {
	m := channelMessage{Title: "An alert", Error: d.LastError, When: zoned(d.CreatedAt, tz)}
	var msg chat.Message
	if json.Unmarshal([]byte(d.Payload), &msg) == nil && msg.Title != "" {
		m.Title = msg.Title + ": " + msg.Page
	}
	switch d.Status {
	case store.DeliverySent:
		m.Status = "delivered"
	case store.DeliveryFailed:
		m.Status = "given up"
	default:
		m.Status = "waiting"
		if d.Attempts > 0 {
			m.Status = "waiting, " + plural(d.Attempts, "attempt failed", "attempts failed")
		}
	}
	return m
}

// channelAdd adds a channel to the location. A refused address comes back
// with the form filled in (the address itself only when it cannot be a
// live webhook: the networks' addresses are secrets).
func (s *Server) channelAdd(w http.ResponseWriter, r *http.Request) {
	loc, err := s.channelLocation(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	form := channelForm{Kind: r.PostFormValue("kind"), Name: strings.TrimSpace(r.PostFormValue("name")), URL: strings.TrimSpace(r.PostFormValue("url"))}
	kind := chat.Kind(form.Kind)
	err = nil
	switch {
	case !kind.Valid():
		err = tokenwatch.Errorf(tokenwatch.CodeInvalid, "Choose Slack or Microsoft Teams.")
	case form.URL == "":
		err = tokenwatch.Errorf(tokenwatch.CodeInvalid, "Paste the webhook address %s gave you.", kind.Name())
	case len(form.Name) > 100:
		err = tokenwatch.Errorf(tokenwatch.CodeInvalid, "A channel's name has at most 100 characters.")
	default:
		err = chat.CheckURL(kind, form.URL, s.opts.AllowPrivateChannels)
	}
	if err != nil {
		if chat.KnownHost(form.URL) {
			form.URL = ""
		}
		s.renderChannels(w, r, tokenwatch.HTTPStatus(err), loc, form, tokenwatch.ErrorMessage(err), nil)
		return
	}
	if form.Name == "" {
		form.Name = kind.Name()
	}
	c := &store.Channel{LocationID: loc.ID, Kind: string(kind), Name: form.Name, URLHint: chat.Hint(form.URL), CreatedBy: sessionFrom(r.Context()).User.ID}
	if err := s.store.CreateChannel(r.Context(), c, tokenwatch.NewSecret(form.URL)); err != nil {
		s.fail(w, r, err)
		return
	}
	setFlash(w, kind.Name()+" channel “"+c.Name+"” added. Send it a test message to check that it arrives.")
	http.Redirect(w, r, channelsPath(loc.ID), http.StatusSeeOther)
}

// channelRemove removes a channel of the location.
func (s *Server) channelRemove(w http.ResponseWriter, r *http.Request) {
	loc, err := s.channelLocation(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("cid"), 10, 64)
	if err == nil {
		err = s.store.DeleteChannel(r.Context(), loc.ID, id)
	}
	if err != nil {
		s.fail(w, r, errNotFound("channel"))
		return
	}
	setFlash(w, "The channel was removed: it gets no more alerts.")
	http.Redirect(w, r, channelsPath(loc.ID), http.StatusSeeOther)
}

// channelTest sends a test message to a channel now and shows what the
// network answered.
func (s *Server) channelTest(w http.ResponseWriter, r *http.Request) {
	loc, err := s.channelLocation(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("cid"), 10, 64)
	if err != nil {
		s.fail(w, r, errNotFound("channel"))
		return
	}
	c, webhook, err := s.store.ChannelURL(r.Context(), id)
	if err != nil || c.LocationID != loc.ID {
		s.fail(w, r, errNotFound("channel"))
		return
	}
	kind := chat.Kind(c.Kind)
	res := &testResult{ChannelID: c.ID}
	if err := chat.CheckURL(kind, webhook.Reveal(), s.opts.AllowPrivateChannels); err != nil {
		res.Said = tokenwatch.ErrorMessage(err)
		s.renderChannels(w, r, http.StatusOK, loc, channelForm{Kind: string(chat.Slack)}, "", res)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
	defer cancel()
	answer, err := s.opts.Chat.Send(ctx, kind, webhook, s.testMessage(loc))
	if err != nil {
		res.Said = tokenwatch.ErrorMessage(err)
	} else {
		res.OK, res.Said = true, kind.Name()+" took the message ("+answer.String()+"). Look for it in the channel."
	}
	s.renderChannels(w, r, http.StatusOK, loc, channelForm{Kind: string(chat.Slack)}, "", res)
}

// testMessage is what "Send a test message" posts: an alert as the
// location's channels get them, saying it is a test.
func (s *Server) testMessage(loc *tokenwatch.Location) chat.Message {
	now := s.now()
	return chat.Message{Title: "Test message – " + loc.Name, Page: "Example page", Provider: tokenwatch.Facebook, Location: loc.Name,
		TimeZone: loc.TimeZone, State: tokenwatch.StateExpiring, Step: "test",
		Advice:   "This is a test from tokenwatch: nothing needs reconnecting. Alerts about " + loc.Name + "'s pages will look like this.",
		Deadline: now.Add(3 * 24 * time.Hour).Truncate(time.Hour), PageURL: strings.TrimRight(s.opts.BaseURL, "/") + channelsPath(loc.ID)}
}

func channelsPath(locationID int64) string {
	return "/locations/" + strconv.FormatInt(locationID, 10) + "/channels"
}
