package admin

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/access"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/webhook"
)

// settings checks that the actor may change the account's settings.
func settings(a Actor) error {
	return allow(access.Decide(a.Actor, access.Settings, access.Target{AccountID: a.AccountID}), "account", "Only the account's owners can change its settings.")
}

// ParseThresholds reads alert thresholds as people write them: "10d, 3d",
// "14d 2d 12h" (days d, hours h), longest first or not.
func ParseThresholds(s string) ([]time.Duration, error) {
	var out []time.Duration
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		unit := time.Duration(0)
		switch {
		case strings.HasSuffix(f, "d"):
			unit = 24 * time.Hour
		case strings.HasSuffix(f, "h"):
			unit = time.Hour
		default:
			return nil, tokenwatch.Errorf(tokenwatch.CodeInvalid, "%q is not a threshold: write days like 10d or hours like 12h.", f)
		}
		n, err := strconv.Atoi(f[:len(f)-1])
		if err != nil || n <= 0 || n > 365*24 {
			return nil, tokenwatch.Errorf(tokenwatch.CodeInvalid, "%q is not a threshold: write days like 10d or hours like 12h.", f)
		}
		out = append(out, time.Duration(n)*unit)
	}
	return out, nil
}

// FormatThresholds writes thresholds as ParseThresholds reads them.
func FormatThresholds(ts []time.Duration) string {
	var parts []string
	for _, t := range ts {
		if t%(24*time.Hour) == 0 {
			parts = append(parts, strconv.Itoa(int(t/(24*time.Hour)))+"d")
		} else {
			parts = append(parts, strconv.Itoa(int(t/time.Hour))+"h")
		}
	}
	return strings.Join(parts, ", ")
}

// SetThresholds sets the account's alert thresholds (empty: the defaults),
// applied from the next sweep. They are checked as the lifecycle policy
// checks them.
func (s *Service) SetThresholds(ctx context.Context, a Actor, text string) ([]time.Duration, error) {
	if err := settings(a); err != nil {
		return nil, err
	}
	ts, err := ParseThresholds(text)
	if err != nil {
		return nil, err
	}
	if len(ts) > 0 {
		p, err := lifecycle.NewPolicy(ts, lifecycle.DefaultCheckEvery)
		if err != nil {
			return nil, tokenwatch.WrapError(tokenwatch.CodeInvalid, err, "These thresholds do not work: %s", err.Error())
		}
		ts = p.Thresholds()
	}
	if err := s.store.SetAlertThresholds(ctx, a.AccountID, ts); err != nil {
		return nil, err
	}
	shown := FormatThresholds(ts)
	if shown == "" {
		shown = "the defaults (" + FormatThresholds(lifecycle.DefaultThresholds) + ")"
	}
	return ts, s.record(ctx, a, store.AuditEntry{Action: "settings.thresholds", Subject: "alert thresholds", Detail: shown})
}

// AddWebhook registers an endpoint for the account's events and returns its
// signing secret, shown once.
func (s *Service) AddWebhook(ctx context.Context, a Actor, rawURL string) (*store.WebhookEndpoint, tokenwatch.Secret, error) {
	if err := settings(a); err != nil {
		return nil, tokenwatch.Secret{}, err
	}
	if err := webhook.CheckEndpoint(ctx, strings.TrimSpace(rawURL), s.opts.WebhookTargets); err != nil {
		return nil, tokenwatch.Secret{}, err
	}
	secret := tokenwatch.NewSecret("whsec_" + rand.Text())
	ep, err := s.store.CreateWebhookEndpoint(ctx, a.AccountID, strings.TrimSpace(rawURL), secret)
	if err != nil {
		return nil, tokenwatch.Secret{}, err
	}
	return ep, secret, s.record(ctx, a, store.AuditEntry{Action: "settings.webhook_added", Subject: ep.URL})
}

// endpoint returns an endpoint of the actor's account with its secret.
func (s *Service) endpoint(ctx context.Context, a Actor, id int64) (*store.WebhookEndpoint, tokenwatch.Secret, error) {
	if err := settings(a); err != nil {
		return nil, tokenwatch.Secret{}, err
	}
	ep, secret, err := s.store.WebhookEndpoint(ctx, id)
	if tokenwatch.IsNotFound(err) || (err == nil && ep.AccountID != a.AccountID) {
		return nil, tokenwatch.Secret{}, tokenwatch.Errorf(tokenwatch.CodeNotFound, "No such webhook endpoint.")
	}
	return ep, secret, err
}

// SetWebhookActive turns an endpoint off or on again.
func (s *Service) SetWebhookActive(ctx context.Context, a Actor, id int64, active bool) error {
	ep, _, err := s.endpoint(ctx, a, id)
	if err != nil {
		return err
	}
	if err := s.store.SetWebhookEndpointActive(ctx, ep.ID, active); err != nil {
		return err
	}
	action := "settings.webhook_disabled"
	if active {
		action = "settings.webhook_enabled"
	}
	return s.record(ctx, a, store.AuditEntry{Action: action, Subject: ep.URL})
}

// TestWebhook sends an endpoint a signed "ping" event now and returns what
// went wrong, if anything (the endpoint's answer, in words).
func (s *Service) TestWebhook(ctx context.Context, a Actor, id int64) error {
	ep, secret, err := s.endpoint(ctx, a, id)
	if err != nil {
		return err
	}
	client := s.opts.Webhooks
	if client == nil {
		client = webhook.NewClient(10*time.Second, s.opts.WebhookTargets)
	}
	eventID := "evt_ping_" + rand.Text()[:16]
	body, _ := json.Marshal(map[string]any{"id": eventID, "type": "ping", "created_at": s.opts.Now().UTC().Format(time.RFC3339),
		"data": map[string]any{"message": "A test event sent from tokenwatch's settings."}})
	sendErr := client.Send(ctx, ep.URL, secret, "ping", eventID, body)
	result := "delivered"
	if sendErr != nil {
		result = "failed: " + tokenwatch.ErrorMessage(sendErr)
	}
	if err := s.record(ctx, a, store.AuditEntry{Action: "settings.webhook_tested", Subject: ep.URL, Detail: result}); err != nil {
		return err
	}
	if sendErr != nil {
		return tokenwatch.WrapError(tokenwatch.CodeUnavailable, sendErr, "The test event to %s was not delivered: %s", ep.URL, tokenwatch.ErrorMessage(sendErr))
	}
	return nil
}

// CreateAPIKey makes an API key for the account and returns its secret,
// shown once.
func (s *Service) CreateAPIKey(ctx context.Context, a Actor, name string, scopes ...string) (*store.APIKey, tokenwatch.Secret, error) {
	if err := settings(a); err != nil {
		return nil, tokenwatch.Secret{}, err
	}
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return nil, tokenwatch.Secret{}, tokenwatch.Errorf(tokenwatch.CodeInvalid, "Give the key a name of up to 100 characters (what uses it).")
	}
	k, secret, err := s.store.CreateAPIKey(ctx, a.AccountID, name, scopes...)
	if err != nil {
		return nil, tokenwatch.Secret{}, err
	}
	return k, secret, s.record(ctx, a, store.AuditEntry{Action: "settings.api_key_created", Subject: k.Name,
		Detail: "key " + k.Prefix + "…, scopes " + strings.Join(k.Scopes, " ")})
}

// RevokeAPIKey revokes one of the account's API keys at once.
func (s *Service) RevokeAPIKey(ctx context.Context, a Actor, id int64) error {
	if err := settings(a); err != nil {
		return err
	}
	if err := s.store.RevokeAPIKey(ctx, a.AccountID, id); err != nil {
		if tokenwatch.IsNotFound(err) {
			return tokenwatch.Errorf(tokenwatch.CodeNotFound, "No such API key.")
		}
		return err
	}
	return s.record(ctx, a, store.AuditEntry{Action: "settings.api_key_revoked", Subject: fmt.Sprintf("key %d", id)})
}

// CheckReturnURL checks a return URL an account allows for its API
// sessions: an absolute https URL without a fragment or user info (http
// only on loopback, as for OAuth redirects, or anywhere when private
// targets are allowed, as in the demo).
func CheckReturnURL(raw string, allowPrivate bool) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Fragment != "" || u.User != nil ||
		(u.Scheme != "https" && !(u.Scheme == "http" && (allowPrivate || loopback(u.Hostname())))) {
		return tokenwatch.Errorf(tokenwatch.CodeInvalid, "%q is not an absolute https URL.", raw)
	}
	return nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}

// SetReturnURLs replaces the return URLs the account allows its API
// reconnect and connect sessions to send the browser back to.
func (s *Service) SetReturnURLs(ctx context.Context, a Actor, urls []string) error {
	if err := settings(a); err != nil {
		return err
	}
	var clean []string
	for _, u := range urls {
		if u = strings.TrimSpace(u); u == "" {
			continue
		}
		if err := CheckReturnURL(u, s.opts.WebhookTargets == webhook.AnyAddress); err != nil {
			return err
		}
		clean = append(clean, u)
	}
	if err := s.store.SetReturnURLs(ctx, a.AccountID, clean); err != nil {
		return err
	}
	return s.record(ctx, a, store.AuditEntry{Action: "settings.return_urls", Subject: "return URLs", Detail: strings.Join(clean, " ")})
}
