package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/admin"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

type settingsData struct {
	Thresholds      string
	Defaults        string
	ThresholdsError string
	Endpoints       []endpointRow
	WebhookURL      string
	WebhookError    string
	Keys            []*store.APIKey
	KeyName         string
	KeyError        string
	// ReturnURLs are those the account allows its API sessions, one per
	// line.
	ReturnURLs      string
	ReturnURLsError string
	// NewSecret is a secret just made (a webhook's signing secret or an
	// API key), shown this once; NewSecretOf says what it is for.
	NewSecret, NewSecretOf string
}

type endpointRow struct {
	*store.WebhookEndpoint
	Deliveries []store.EndpointDelivery
}

// settings shows the account's settings to its owners.
func (s *Server) settings(w http.ResponseWriter, r *http.Request) {
	s.renderSettings(w, r, http.StatusOK, settingsData{})
}

func (s *Server) renderSettings(w http.ResponseWriter, r *http.Request, status int, d settingsData) {
	v, err := s.viewerOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !v.User.AccountOwner {
		s.fail(w, r, tokenwatch.Errorf(tokenwatch.CodeForbidden, "Only the account's owners can change its settings."))
		return
	}
	ctx := r.Context()
	acct, err := s.store.GetAccount(ctx, v.User.AccountID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if d.ThresholdsError == "" {
		d.Thresholds = admin.FormatThresholds(acct.AlertThresholds)
	}
	d.Defaults = admin.FormatThresholds(lifecycle.DefaultThresholds)
	eps, err := s.store.WebhookEndpoints(ctx, []int64{acct.ID}, false)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, ep := range eps[acct.ID] {
		ds, err := s.store.EndpointDeliveries(ctx, ep.ID, 5)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.Endpoints = append(d.Endpoints, endpointRow{WebhookEndpoint: ep, Deliveries: ds})
	}
	if d.Keys, err = s.store.ListAPIKeys(ctx, acct.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.ReturnURLsError == "" {
		urls, err := s.store.ReturnURLs(ctx, acct.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.ReturnURLs = strings.Join(urls, "\n")
	}
	if d.NewSecret != "" {
		w.Header().Set("Cache-Control", "no-store")
	}
	s.render(w, r, status, "settings", page{Title: "Settings", Data: d})
}

// settingsThresholds sets the account's alert thresholds.
func (s *Server) settingsThresholds(w http.ResponseWriter, r *http.Request) {
	a, err := s.adminActor(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	text, _ := field(r, "thresholds", 200)
	if _, err := s.opts.Admin.SetThresholds(r.Context(), a, text); err != nil {
		if tokenwatch.ErrorCode(err) == tokenwatch.CodeInvalid {
			s.renderSettings(w, r, http.StatusBadRequest, settingsData{Thresholds: text, ThresholdsError: tokenwatch.ErrorMessage(err)})
			return
		}
		s.fail(w, r, err)
		return
	}
	setFlash(w, "Alert thresholds saved: they apply from the next sweep.")
	http.Redirect(w, r, "/settings", http.StatusSeeOther)
}

// settingsWebhookAdd registers a webhook endpoint and shows its secret once.
func (s *Server) settingsWebhookAdd(w http.ResponseWriter, r *http.Request) {
	a, err := s.adminActor(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	raw, _ := field(r, "url", 2000)
	ep, secret, err := s.opts.Admin.AddWebhook(r.Context(), a, raw)
	if err != nil {
		if c := tokenwatch.ErrorCode(err); c == tokenwatch.CodeInvalid || c == tokenwatch.CodeConflict {
			s.renderSettings(w, r, http.StatusBadRequest, settingsData{WebhookURL: raw, WebhookError: tokenwatch.ErrorMessage(err)})
			return
		}
		s.fail(w, r, err)
		return
	}
	s.renderSettings(w, r, http.StatusOK, settingsData{NewSecret: secret.Reveal(), NewSecretOf: "the signing secret of " + ep.URL})
}

// settingsKeyCreate makes an API key and shows it once.
func (s *Server) settingsKeyCreate(w http.ResponseWriter, r *http.Request) {
	a, err := s.adminActor(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	name, _ := field(r, "name", 200)
	k, secret, err := s.opts.Admin.CreateAPIKey(r.Context(), a, name, r.PostForm["scope"]...)
	if err != nil {
		if tokenwatch.ErrorCode(err) == tokenwatch.CodeInvalid {
			s.renderSettings(w, r, http.StatusBadRequest, settingsData{KeyName: name, KeyError: tokenwatch.ErrorMessage(err)})
			return
		}
		s.fail(w, r, err)
		return
	}
	s.renderSettings(w, r, http.StatusOK, settingsData{NewSecret: secret.Reveal(), NewSecretOf: "the API key " + k.Name})
}

// settingsWebhook tests, disables or enables an endpoint. A test event that
// is not delivered says why, on the settings.
func (s *Server) settingsWebhook(r *http.Request, a admin.Actor, id int64) (string, string, error) {
	const next = "/settings#webhooks"
	switch r.PathValue("op") {
	case "test":
		err := s.opts.Admin.TestWebhook(r.Context(), a, id)
		if tokenwatch.ErrorCode(err) == tokenwatch.CodeUnavailable {
			return tokenwatch.ErrorMessage(err), next, nil
		}
		return "The test event was delivered.", next, err
	case "disable", "enable":
		return "Saved.", next, s.opts.Admin.SetWebhookActive(r.Context(), a, id, r.PathValue("op") == "enable")
	}
	return "", "", errNotFound("action")
}

// settingsKeyRevoke revokes an API key.
func (s *Server) settingsKeyRevoke(r *http.Request, a admin.Actor, id int64) (string, string, error) {
	return "API key " + strconv.FormatInt(id, 10) + " is revoked: it no longer works.", "/settings#keys", s.opts.Admin.RevokeAPIKey(r.Context(), a, id)
}

// settingsReturnURLs sets the return URLs the account allows its API
// sessions.
func (s *Server) settingsReturnURLs(w http.ResponseWriter, r *http.Request) {
	a, err := s.adminActor(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	text, _ := field(r, "return_urls", 20000)
	if err := s.opts.Admin.SetReturnURLs(r.Context(), a, strings.Split(text, "\n")); err != nil {
		if tokenwatch.ErrorCode(err) == tokenwatch.CodeInvalid {
			s.renderSettings(w, r, http.StatusBadRequest, settingsData{ReturnURLs: text, ReturnURLsError: tokenwatch.ErrorMessage(err)})
			return
		}
		s.fail(w, r, err)
		return
	}
	setFlash(w, "Return URLs saved.")
	http.Redirect(w, r, "/settings#return-urls", http.StatusSeeOther)
}
