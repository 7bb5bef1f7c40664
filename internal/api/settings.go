package api

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/access"
	"github.com/tokenwatch/tokenwatch/internal/admin"
	"github.com/tokenwatch/tokenwatch/internal/config"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

func (h *Server) settings(ctx context.Context, accountID int64) (Settings, error) {
	acct, err := h.store.GetAccount(ctx, accountID)
	if err != nil {
		return Settings{}, err
	}
	urls, err := h.store.ReturnURLs(ctx, accountID)
	if err != nil {
		return Settings{}, err
	}
	s := Settings{AlertThresholds: []string{}, ReturnUrls: urls}
	for _, d := range acct.AlertThresholds {
		s.AlertThresholds = append(s.AlertThresholds, duration(d))
	}
	return s, nil
}

// duration writes a threshold the way thresholds are read: whole days as
// "10d", else hours or minutes.
func duration(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return itoa(int64(d/(24*time.Hour))) + "d"
	case d%time.Hour == 0:
		return itoa(int64(d/time.Hour)) + "h"
	}
	return d.String()
}

func (h *Server) GetSettings(w http.ResponseWriter, r *http.Request) {
	if err := allow(r, access.See, accountTarget(r), "account"); err != nil {
		writeProblem(w, err)
		return
	}
	s, err := h.settings(r.Context(), keyFrom(r.Context()).AccountID)
	if err != nil {
		h.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, s)
}

func (h *Server) UpdateSettings(w http.ResponseWriter, r *http.Request) {
	if err := allow(r, access.Settings, accountTarget(r), "account"); err != nil {
		writeProblem(w, err)
		return
	}
	var in SettingsPatch
	if err := decode(r, &in); err != nil {
		writeProblem(w, err)
		return
	}
	ctx := r.Context()
	if in.AlertThresholds != nil {
		var ds []time.Duration
		if len(*in.AlertThresholds) > 0 {
			var err error
			if ds, err = config.ParseThresholds(strings.Join(*in.AlertThresholds, ",")); err != nil {
				writeProblem(w, invalid("alert_thresholds", err.Error()))
				return
			}
		}
		if _, err := h.opts.Admin.SetThresholds(ctx, adminActor(r), admin.FormatThresholds(ds)); err != nil {
			h.fail(w, withField(err, "alert_thresholds"))
			return
		}
	}
	if in.ReturnUrls != nil {
		for _, u := range *in.ReturnUrls {
			if err := admin.CheckReturnURL(u, h.opts.AllowPrivateWebhooks); err != nil {
				writeProblem(w, invalid("return_urls", tokenwatch.ErrorMessage(err)))
				return
			}
		}
		if err := h.opts.Admin.SetReturnURLs(ctx, adminActor(r), *in.ReturnUrls); err != nil {
			h.fail(w, withField(err, "return_urls"))
			return
		}
	}
	h.GetSettings(w, r)
}

// allowedReturn says whether a session's return URL starts with one the
// account allows (same scheme and host, and a path under the allowed one).
func allowedReturn(raw string, allowed []string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" {
		return false
	}
	for _, a := range allowed {
		b, err := url.Parse(a)
		if err != nil {
			continue
		}
		path := strings.TrimSuffix(b.Path, "/")
		if u.Scheme == b.Scheme && strings.EqualFold(u.Host, b.Host) && (u.Path == path || strings.HasPrefix(u.Path, path+"/")) {
			return true
		}
	}
	return false
}

func webhookView(e *store.WebhookEndpoint) Webhook {
	return Webhook{Id: e.ID, Url: e.URL, Active: e.Active, CreatedAt: e.CreatedAt.UTC()}
}

func (h *Server) ListWebhooks(w http.ResponseWriter, r *http.Request) {
	if err := allow(r, access.See, accountTarget(r), "account"); err != nil {
		writeProblem(w, err)
		return
	}
	acct := keyFrom(r.Context()).AccountID
	eps, err := h.store.WebhookEndpoints(r.Context(), []int64{acct}, false)
	if err != nil {
		h.fail(w, err)
		return
	}
	list := WebhookList{Items: []Webhook{}}
	for _, e := range eps[acct] {
		list.Items = append(list.Items, webhookView(e))
	}
	writeJSON(w, http.StatusOK, list)
}

func (h *Server) CreateWebhook(w http.ResponseWriter, r *http.Request, _ CreateWebhookParams) {
	if err := allow(r, access.Settings, accountTarget(r), "account"); err != nil {
		writeProblem(w, err)
		return
	}
	var in WebhookInput
	if err := decode(r, &in); err != nil {
		writeProblem(w, err)
		return
	}
	e, secret, err := h.opts.Admin.AddWebhook(r.Context(), adminActor(r), in.Url)
	if err != nil {
		h.fail(w, withField(err, "url"))
		return
	}
	v := webhookView(e)
	s := secret.Reveal()
	v.Secret = &s
	w.Header().Set("Location", "/api/v1/webhooks/"+itoa(e.ID))
	writeJSON(w, http.StatusCreated, v)
}

func (h *Server) DisableWebhook(w http.ResponseWriter, r *http.Request, id int64) {
	if err := allow(r, access.Settings, accountTarget(r), "account"); err != nil {
		writeProblem(w, err)
		return
	}
	e, _, err := h.store.WebhookEndpoint(r.Context(), id)
	if tokenwatch.IsNotFound(err) || (err == nil && e.AccountID != keyFrom(r.Context()).AccountID) {
		writeProblem(w, tokenwatch.Errorf(tokenwatch.CodeNotFound, "webhook not found"))
		return
	}
	if err != nil {
		h.fail(w, err)
		return
	}
	if err := h.store.SetWebhookEndpointActive(r.Context(), id, false); err != nil {
		h.fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
