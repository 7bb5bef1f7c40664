package config

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
)

func TestDefaults(t *testing.T) {
	t.Parallel()
	c, err := Load(MapEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.DatabaseURL != "tokenwatch.db" || c.Addr != "127.0.0.1:8080" || c.BaseURL != "http://127.0.0.1:8080" ||
		c.CookieSecure || len(c.AlertThresholds) != 2 || c.AlertThresholds[0] != 240*time.Hour || c.JobTimeout != time.Minute ||
		c.EscalateAfter != 48*time.Hour || c.WebhookAllowPrivate {
		t.Errorf("defaults: %+v", c)
	}
}

func TestValues(t *testing.T) {
	t.Parallel()
	c, err := Load(Env{
		Getenv: func(k string) string {
			return map[string]string{
				"TOKENWATCH_BASE_URL":                 "https://tw.example.com/",
				"TOKENWATCH_ALERT_THRESHOLDS":         "3d, 14d",
				"TOKENWATCH_SECRET_KEY_FILE":          "/run/secrets/key",
				"TOKENWATCH_SECRET_KEY_PREVIOUS":      "old1, old2",
				"TOKENWATCH_LINKEDIN_CLIENT_ID":       "li-id",
				"TOKENWATCH_LINKEDIN_CLIENT_SECRET":   "li-secret",
				"TOKENWATCH_LINKEDIN_REFRESH_ENABLED": "true",
				"TOKENWATCH_GOOGLE_BUSINESS_BASE_URL": "http://127.0.0.1:9999/google_business",
				"TOKENWATCH_SMTP_URL":                 "smtp://u:p@mail.example.com:587",
				"TOKENWATCH_LOG_LEVEL":                "debug",
				"TOKENWATCH_TRUSTED_PROXIES":          "10.1.2.3/8, 192.168.0.7",
				"TOKENWATCH_ESCALATE_AFTER":           "3d",
				"TOKENWATCH_WEBHOOK_ALLOW_PRIVATE":    "true",
			}[k]
		},
		ReadFile: func(name string) ([]byte, error) {
			if name == "/run/secrets/key" {
				return []byte("the-key\n"), nil
			}
			return nil, errors.New("no such file")
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseURL != "https://tw.example.com" || !c.CookieSecure {
		t.Errorf("base URL %q, secure %v", c.BaseURL, c.CookieSecure)
	}
	if c.AlertThresholds[0] != 14*24*time.Hour || c.AlertThresholds[1] != 3*24*time.Hour {
		t.Errorf("thresholds %v, want longest first", c.AlertThresholds)
	}
	if c.EscalateAfter != 72*time.Hour || !c.WebhookAllowPrivate {
		t.Errorf("escalate after %v, private webhooks %v", c.EscalateAfter, c.WebhookAllowPrivate)
	}
	if c.SecretKey.Reveal() != "the-key" || len(c.PreviousSecretKeys) != 2 {
		t.Errorf("secret key from file %q, previous %d", c.SecretKey.Reveal(), len(c.PreviousSecretKeys))
	}
	if len(c.TrustedProxies) != 2 || c.TrustedProxies[0].String() != "10.0.0.0/8" || c.TrustedProxies[1].String() != "192.168.0.7/32" {
		t.Errorf("trusted proxies %v", c.TrustedProxies)
	}
	li := c.Providers[tokenwatch.LinkedIn]
	if !li.Configured() || !li.RefreshEnabled || c.Providers[tokenwatch.GoogleBusiness].BaseURL != "http://127.0.0.1:9999/google_business" {
		t.Errorf("providers: %+v", c.Providers)
	}
}

// TestErrorsNameTheVariable checks that each bad setting stops start-up with
// a line naming the variable.
func TestErrorsNameTheVariable(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"TOKENWATCH_ADDR":                  "8080",
		"TOKENWATCH_BASE_URL":              "ftp://x",
		"TOKENWATCH_ALERT_THRESHOLDS":      "10d,10d",
		"TOKENWATCH_CHECK_INTERVAL":        "soon",
		"TOKENWATCH_SWEEP_INTERVAL":        "-1m",
		"TOKENWATCH_JOB_TIMEOUT":           "0s",
		"TOKENWATCH_COOKIE_SECURE":         "maybe",
		"TOKENWATCH_LOG_LEVEL":             "loud",
		"TOKENWATCH_TRUSTED_PROXIES":       "10.0.0.0/8, lb.internal",
		"TOKENWATCH_LOG_FORMAT":            "xml",
		"TOKENWATCH_SMTP_URL":              "http://user:hunter2@x",
		"TOKENWATCH_SECRET_KEY_FILE":       "/missing",
		"TOKENWATCH_X_CLIENT_ID":           "only-the-id",
		"TOKENWATCH_TIKTOK_BASE_URL":       "not a url",
		"TOKENWATCH_ESCALATE_AFTER":        "never",
		"TOKENWATCH_WEBHOOK_ALLOW_PRIVATE": "sometimes",
	}
	for name, value := range tests {
		_, err := Load(MapEnv(map[string]string{name: value}))
		if err == nil {
			t.Errorf("%s=%q accepted", name, value)
			continue
		}
		if !strings.HasPrefix(err.Error(), name) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s=%q: error %q does not name the variable in one line", name, value, err)
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: error leaks the password: %q", name, err)
		}
	}
	if _, err := Load(MapEnv(map[string]string{"TOKENWATCH_SECRET_KEY": "a", "TOKENWATCH_SECRET_KEY_FILE": "/f"})); err == nil {
		t.Error("both a key and a key file accepted")
	}
}

// API versions: an override is kept, a malformed one stops start-up naming
// the variable.
func TestAPIVersions(t *testing.T) {
	t.Parallel()
	c, err := Load(MapEnv(map[string]string{"TOKENWATCH_LINKEDIN_API_VERSION": "202602", "TOKENWATCH_META_GRAPH_VERSION": "v24.0"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.APIVersions["linkedin"] != "202602" || c.APIVersions["meta_graph"] != "v24.0" {
		t.Errorf("APIVersions = %v", c.APIVersions)
	}
	_, err = Load(MapEnv(map[string]string{"TOKENWATCH_LINKEDIN_API_VERSION": "2026-02"}))
	if err == nil || !strings.Contains(err.Error(), "TOKENWATCH_LINKEDIN_API_VERSION") {
		t.Errorf("a malformed version: %v", err)
	}
}

// Settings that would start a service that cannot work stop start-up: a
// sender that is not an address, intervals so short that the service would
// do nothing else (a sweep every nanosecond).
func TestNonsenseStopsStartUp(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, value string }{
		{"TOKENWATCH_MAIL_FROM", "notanaddress"},
		{"TOKENWATCH_MAIL_FROM", "tokenwatch <not an address>"},
		{"TOKENWATCH_SWEEP_INTERVAL", "1ns"},
		{"TOKENWATCH_SWEEP_INTERVAL", "999ms"},
		{"TOKENWATCH_CHECK_INTERVAL", "1ns"},
		{"TOKENWATCH_CHECK_INTERVAL", "14m"},
		{"TOKENWATCH_JOB_TIMEOUT", "1ns"},
		{"TOKENWATCH_JOB_TIMEOUT", "4s"},
		{"TOKENWATCH_SESSION_TTL", "1ns"},
		{"TOKENWATCH_SESSION_TTL", "4m"},
	} {
		_, err := Load(MapEnv(map[string]string{tt.name: tt.value}))
		if err == nil {
			t.Errorf("%s=%q accepted", tt.name, tt.value)
			continue
		}
		if !strings.HasPrefix(err.Error(), tt.name+": ") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s=%q: error %q does not name the variable in one line", tt.name, tt.value, err)
		}
	}
	c, err := Load(MapEnv(map[string]string{"TOKENWATCH_MAIL_FROM": "Alerts <alerts@example.com>", "TOKENWATCH_SWEEP_INTERVAL": "1s",
		"TOKENWATCH_CHECK_INTERVAL": "15m", "TOKENWATCH_JOB_TIMEOUT": "5s", "TOKENWATCH_SESSION_TTL": "5m"}))
	if err != nil {
		t.Fatalf("the minimums: %v", err)
	}
	if c.MailFrom != "Alerts <alerts@example.com>" || c.SweepInterval != time.Second || c.CheckInterval != 15*time.Minute {
		t.Errorf("%+v", c)
	}
}

func TestMetricsToken(t *testing.T) {
	t.Parallel()
	c, err := Load(Env{
		Getenv: func(k string) string {
			return map[string]string{"TOKENWATCH_METRICS_TOKEN_FILE": "/run/secrets/metrics"}[k]
		},
		ReadFile: func(name string) ([]byte, error) {
			if name == "/run/secrets/metrics" {
				return []byte("scrape-me-0123456789\n"), nil
			}
			return nil, errors.New("no such file")
		},
	})
	if err != nil || c.MetricsToken.Reveal() != "scrape-me-0123456789" {
		t.Errorf("metrics token from a file: %v %v", c, err)
	}
	if c, err := Load(MapEnv(nil)); err != nil || !c.MetricsToken.IsZero() {
		t.Errorf("no metrics token by default: %v", err)
	}
}
