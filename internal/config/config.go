// Package config reads tokenwatch's settings from TOKENWATCH_* environment
// variables. Secrets may instead be read from a file named by the variable
// with a _FILE suffix (TOKENWATCH_SECRET_KEY_FILE, ...), as container
// secrets are mounted. An invalid setting is an error that names the
// variable and says what is wrong, in one line.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// Config is every setting of tokenwatch.
type Config struct {
	// DatabaseURL is a SQLite path or URL, or a postgres:// URL.
	DatabaseURL string
	// Addr is where the HTTP server listens.
	Addr string
	// BaseURL is the public URL of the service, for links in e-mails and
	// OAuth redirect URIs.
	BaseURL string
	// SecretKey seals tokens; PreviousSecretKeys still open what they
	// sealed (during a rotation).
	SecretKey          tokenwatch.Secret
	PreviousSecretKeys []tokenwatch.Secret

	// SMTPURL is smtp://user:pass@host:port (STARTTLS when offered),
	// smtps://… (TLS), or empty for no e-mail.
	SMTPURL  tokenwatch.Secret
	MailFrom string
	// OperatorEmail is told once about each service problem (a refusal of
	// tokenwatch's own app at a network); empty: nobody is e-mailed.
	OperatorEmail string

	// AlertThresholds are the default alert thresholds, longest first.
	AlertThresholds []time.Duration
	// EscalateAfter is how long a page may stay expired or revoked after
	// its terminal alert before the account's owners are told (an account
	// may have its own).
	EscalateAfter time.Duration
	// CheckInterval is how often tokens are introspected.
	CheckInterval time.Duration
	// SweepInterval is how often the alert sweep runs.
	SweepInterval time.Duration
	// JobTimeout bounds one attempt of a background job (an e-mail, a
	// webhook call, a refresh or check). A job still running twice as long
	// after it started was left by a process that died, and is retried.
	JobTimeout time.Duration
	// SessionTTL is how long a sign-in lasts.
	SessionTTL time.Duration
	// CookieSecure marks cookies Secure (default: when BaseURL is https).
	CookieSecure bool
	// TrustedProxies are load balancers whose X-Forwarded-For header names
	// the client.
	TrustedProxies []netip.Prefix
	// MetricsToken, when set, is the bearer token /metrics asks for.
	MetricsToken tokenwatch.Secret
	// WebhookAllowPrivate lets webhook endpoints be loopback, private or
	// link-local addresses (off: the public internet only). For the
	// locations' Slack and Teams channels, it lets them be on loopback.
	WebhookAllowPrivate bool

	LogLevel  slog.Level
	LogFormat string // "text" or "json"

	// Providers holds each network's app settings, by provider.
	Providers map[tokenwatch.Provider]Provider
	// APIVersions are the operator's overrides of network API versions, by
	// API id (see provider.APIs).
	APIVersions map[string]string
}

// Provider is one network's app settings.
type Provider struct {
	ClientID     string
	ClientSecret tokenwatch.Secret
	// BaseURL replaces the network's hosts (the sandbox, a test server).
	BaseURL string
	// RefreshEnabled is for networks where refreshing needs an approved app
	// (LinkedIn).
	RefreshEnabled bool
}

// The shortest intervals accepted. Below them the service would do little
// but its own bookkeeping (a sweep every nanosecond), hammer the networks
// with checks (and be rate-limited), give up on jobs that have barely
// started, or sign people out while they work.
const (
	MinSweepInterval = time.Second
	MinCheckInterval = 15 * time.Minute
	MinJobTimeout    = 5 * time.Second
	MinSessionTTL    = 5 * time.Minute
)

// Configured reports whether the app's credentials are set.
func (p Provider) Configured() bool { return p.ClientID != "" && !p.ClientSecret.IsZero() }

// Env gives variables and files; tests pass maps instead of the process's.
type Env struct {
	Getenv   func(string) string
	ReadFile func(string) ([]byte, error)
}

// OSEnv reads the process environment and the file system.
func OSEnv() Env { return Env{Getenv: os.Getenv, ReadFile: os.ReadFile} }

// MapEnv returns an Env over a map of variables (files are not readable).
func MapEnv(vars map[string]string) Env {
	return Env{
		Getenv:   func(k string) string { return vars[k] },
		ReadFile: func(name string) ([]byte, error) { return nil, fmt.Errorf("no file %s", name) },
	}
}

// VarName returns the name of a provider's variable, e.g.
// TOKENWATCH_GOOGLE_BUSINESS_CLIENT_ID for (GoogleBusiness, "CLIENT_ID").
func VarName(p tokenwatch.Provider, suffix string) string {
	return "TOKENWATCH_" + strings.ToUpper(string(p)) + "_" + suffix
}

// Load reads the configuration. Every problem is reported, each on its own
// line, naming the variable.
func Load(env Env) (*Config, error) {
	r := reader{env: env}
	c := &Config{
		DatabaseURL:     r.str("TOKENWATCH_DATABASE_URL", "tokenwatch.db"),
		Addr:            r.addr("TOKENWATCH_ADDR", "127.0.0.1:8080"),
		MailFrom:        r.mailbox("TOKENWATCH_MAIL_FROM", "tokenwatch <tokenwatch@localhost>"),
		AlertThresholds: r.thresholds("TOKENWATCH_ALERT_THRESHOLDS", lifecycle.DefaultThresholds),
		EscalateAfter:   r.duration("TOKENWATCH_ESCALATE_AFTER", lifecycle.DefaultEscalateAfter, time.Hour),
		CheckInterval:   r.duration("TOKENWATCH_CHECK_INTERVAL", lifecycle.DefaultCheckEvery, MinCheckInterval),
		SweepInterval:   r.duration("TOKENWATCH_SWEEP_INTERVAL", time.Minute, MinSweepInterval),
		JobTimeout:      r.duration("TOKENWATCH_JOB_TIMEOUT", time.Minute, MinJobTimeout),
		SessionTTL:      r.duration("TOKENWATCH_SESSION_TTL", 12*time.Hour, MinSessionTTL),
		LogLevel:        r.level("TOKENWATCH_LOG_LEVEL"),
		LogFormat:       r.oneOf("TOKENWATCH_LOG_FORMAT", "text", "text", "json"),
		Providers:       map[tokenwatch.Provider]Provider{},
	}
	c.BaseURL = r.baseURL("TOKENWATCH_BASE_URL", "http://"+c.Addr)
	c.CookieSecure = r.boolean("TOKENWATCH_COOKIE_SECURE", strings.HasPrefix(c.BaseURL, "https://"))
	c.TrustedProxies = r.prefixes("TOKENWATCH_TRUSTED_PROXIES")
	c.WebhookAllowPrivate = r.boolean("TOKENWATCH_WEBHOOK_ALLOW_PRIVATE", false)
	c.SecretKey = r.secret("TOKENWATCH_SECRET_KEY")
	c.MetricsToken = r.secret("TOKENWATCH_METRICS_TOKEN")
	for _, k := range strings.Split(r.secret("TOKENWATCH_SECRET_KEY_PREVIOUS").Reveal(), ",") {
		if k = strings.TrimSpace(k); k != "" {
			c.PreviousSecretKeys = append(c.PreviousSecretKeys, tokenwatch.NewSecret(k))
		}
	}
	c.OperatorEmail = r.address("TOKENWATCH_OPERATOR_EMAIL")
	c.SMTPURL = r.secret("TOKENWATCH_SMTP_URL")
	if !c.SMTPURL.IsZero() {
		r.smtp("TOKENWATCH_SMTP_URL", c.SMTPURL.Reveal())
	}
	for _, p := range tokenwatch.Providers {
		pc := Provider{
			ClientID:       r.str(VarName(p, "CLIENT_ID"), ""),
			ClientSecret:   r.secret(VarName(p, "CLIENT_SECRET")),
			BaseURL:        r.baseURL(VarName(p, "BASE_URL"), ""),
			RefreshEnabled: r.boolean(VarName(p, "REFRESH_ENABLED"), false),
		}
		if (pc.ClientID == "") != pc.ClientSecret.IsZero() {
			r.fail(VarName(p, "CLIENT_ID"), "set both %s and %s, or neither", VarName(p, "CLIENT_ID"), VarName(p, "CLIENT_SECRET"))
		}
		c.Providers[p] = pc
	}
	c.APIVersions = map[string]string{}
	for _, a := range provider.APIs {
		if v := r.str(a.Setting, ""); v != "" {
			if err := a.Validate(v); err != nil {
				r.fail(a.Setting, "%v", err)
			}
			c.APIVersions[a.ID] = v
		}
	}
	if err := errors.Join(r.errs...); err != nil {
		return nil, err
	}
	return c, nil
}

// reader reads variables and collects errors.
type reader struct {
	env  Env
	errs []error
}

func (r *reader) fail(name, format string, args ...any) {
	r.errs = append(r.errs, fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...)))
}

func (r *reader) str(name, def string) string {
	if v := strings.TrimSpace(r.env.Getenv(name)); v != "" {
		return v
	}
	return def
}

// secret reads NAME, or the file named by NAME_FILE; not both.
func (r *reader) secret(name string) tokenwatch.Secret {
	v, file := r.env.Getenv(name), strings.TrimSpace(r.env.Getenv(name+"_FILE"))
	switch {
	case v != "" && file != "":
		r.fail(name, "set either %s or %s_FILE, not both", name, name)
	case file != "":
		b, err := r.env.ReadFile(file)
		if err != nil {
			r.fail(name+"_FILE", "cannot read %s: %v", file, errors.Unwrap(err))
			return tokenwatch.Secret{}
		}
		return tokenwatch.NewSecret(strings.TrimSpace(string(b)))
	}
	return tokenwatch.NewSecret(strings.TrimSpace(v))
}

func (r *reader) addr(name, def string) string {
	v := r.str(name, def)
	if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
		r.fail(name, "%q is not host:port (e.g. 127.0.0.1:8080 or :8080)", v)
	}
	return v
}

func (r *reader) baseURL(name, def string) string {
	v := r.str(name, def)
	if v == "" {
		return ""
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		r.fail(name, "%q is not an http(s) URL", v)
		return v
	}
	return strings.TrimSuffix(v, "/")
}

// mailbox reads a required mailbox: an address, with a name if wanted
// ("tokenwatch <alerts@example.com>"), kept as given.
func (r *reader) mailbox(name, def string) string {
	v := r.str(name, def)
	if _, err := mail.ParseAddress(v); err != nil {
		r.fail(name, "%q is not an e-mail address (e.g. alerts@example.com or tokenwatch <alerts@example.com>)", v)
	}
	return v
}

// address reads an optional e-mail address.
func (r *reader) address(name string) string {
	v := r.str(name, "")
	if v == "" {
		return ""
	}
	a, err := mail.ParseAddress(v)
	if err != nil {
		r.fail(name, "%q is not an e-mail address", v)
		return v
	}
	return a.Address
}

func (r *reader) smtp(name, v string) {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		// The value may hold a password: do not echo it.
		r.fail(name, "not an smtp:// or smtps:// URL with a host")
	}
}

// prefixes reads a comma-separated list of addresses or CIDR prefixes.
func (r *reader) prefixes(name string) []netip.Prefix {
	var out []netip.Prefix
	for _, part := range strings.Split(r.str(name, ""), ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if p, err := netip.ParsePrefix(part); err == nil {
			out = append(out, p.Masked())
		} else if a, err := netip.ParseAddr(part); err == nil {
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
		} else {
			r.fail(name, "%q is not an address or a CIDR prefix (e.g. 10.0.0.0/8)", part)
		}
	}
	return out
}

func (r *reader) boolean(name string, def bool) bool {
	v := r.str(name, "")
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		r.fail(name, "%q is not true or false", v)
	}
	return b
}

// duration reads a duration of at least min.
func (r *reader) duration(name string, def, min time.Duration) time.Duration {
	v := r.str(name, "")
	if v == "" {
		return def
	}
	d, err := ParseDuration(v)
	switch {
	case err != nil || d <= 0:
		r.fail(name, "%q is not a positive duration (e.g. 90s, 15m, 24h, 10d)", v)
	case d < min:
		r.fail(name, "%q is shorter than the minimum, %s", v, shortDuration(min))
	}
	return d
}

// shortDuration writes d without trailing zero units: 15m, not 15m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func (r *reader) thresholds(name string, def []time.Duration) []time.Duration {
	v := r.str(name, "")
	if v == "" {
		return slices.Clone(def)
	}
	ts, err := ParseThresholds(v)
	if err != nil {
		r.fail(name, "%v", err)
	}
	return ts
}

func (r *reader) level(name string) slog.Level {
	var l slog.Level
	if v := r.str(name, "info"); l.UnmarshalText([]byte(v)) != nil {
		r.fail(name, "%q is not debug, info, warn or error", v)
	}
	return l
}

func (r *reader) oneOf(name, def string, allowed ...string) string {
	v := r.str(name, def)
	if !slices.Contains(allowed, v) {
		r.fail(name, "%q is not one of %s", v, strings.Join(allowed, ", "))
	}
	return v
}

// ParseDuration parses a Go duration, also accepting whole days ("10d").
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil {
			return 0, fmt.Errorf("%q is not a duration", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}

// ParseThresholds parses a comma-separated list of alert thresholds such
// as "10d,3d" and validates it as the lifecycle policy would.
func ParseThresholds(s string) ([]time.Duration, error) {
	var ts []time.Duration
	for _, part := range strings.Split(s, ",") {
		d, err := ParseDuration(part)
		if err != nil {
			return nil, fmt.Errorf("%q is not a list of durations such as 10d,3d", s)
		}
		ts = append(ts, d)
	}
	if _, err := lifecycle.NewPolicy(ts, 0); err != nil {
		return nil, err
	}
	slices.SortFunc(ts, func(a, b time.Duration) int { return int((b - a) / time.Second) })
	return ts, nil
}
