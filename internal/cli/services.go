package cli

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/admin"
	"github.com/tokenwatch/tokenwatch/internal/api"
	"github.com/tokenwatch/tokenwatch/internal/config"
	"github.com/tokenwatch/tokenwatch/internal/connect"
	"github.com/tokenwatch/tokenwatch/internal/connection"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/mail"
	"github.com/tokenwatch/tokenwatch/internal/password"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/all"
	"github.com/tokenwatch/tokenwatch/internal/publish"
	"github.com/tokenwatch/tokenwatch/internal/status"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/tokens"
	"github.com/tokenwatch/tokenwatch/internal/web"
)

// services are tokenwatch's running parts, wired together.
type services struct {
	cfg        *config.Config
	log        *slog.Logger
	store      *store.Store
	policy     lifecycle.Policy
	providers  provider.Registry
	keeper     *tokens.Keeper
	flow       *connect.Flow
	connection *connection.Service
	publisher  *publish.Publisher
	// bg is the alert sweep and the River workers that deliver.
	bg     *background
	status *status.Monitor
	// sender sends e-mail (nil: none is set up).
	sender mail.Sender
	// work is the process's own goroutines, stopped before the store
	// closes.
	work *workers
	demo bool
}

// providersFrom builds the networks whose apps are configured.
func providersFrom(cfg *config.Config) provider.Registry {
	cfgs := map[tokenwatch.Provider]provider.Config{}
	for p, pc := range cfg.Providers {
		if pc.Configured() {
			cfgs[p] = provider.Config{ClientID: pc.ClientID, ClientSecret: pc.ClientSecret, BaseURL: pc.BaseURL, RefreshEnabled: pc.RefreshEnabled,
				Versions: cfg.APIVersions}
		}
	}
	r := provider.Registry{}
	for p, prov := range all.New(cfgs) {
		if _, ok := cfgs[p]; ok {
			r[p] = prov
		}
	}
	return r
}

// newServices wires the running parts. demo keeps e-mails in the outbox.
func newServices(ctx context.Context, cfg *config.Config, log *slog.Logger, st *store.Store, providers provider.Registry, demo bool) (*services, error) {
	policy, err := policyFrom(cfg)
	if err != nil {
		return nil, err
	}
	s := &services{cfg: cfg, log: log, store: st, policy: policy, providers: providers, demo: demo, work: newWorkers(ctx)}
	sender, closer, err := newSender(cfg, st, log, demo, true)
	if err != nil {
		return nil, err
	}
	s.sender = sender
	s.status = status.New(st, status.Options{Logger: log, Operator: cfg.OperatorEmail, Mail: sender, MailFrom: cfg.MailFrom,
		BaseURL: cfg.BaseURL, Versions: cfg.APIVersions, Configured: func(p tokenwatch.Provider) bool { _, ok := providers[p]; return ok }})
	s.keeper = tokens.New(st, tokens.Options{Providers: providers, Policy: policy, Logger: log, Status: s.status})
	s.publisher = publish.New(st, s.keeper, publish.Options{Providers: providers, Policy: policy, Logger: log, Status: s.status})
	s.bg, err = newBackground(ctx, cfg, st, log, backgroundOptions{Work: true, Sender: sender, Closer: closer, Maintainer: s.keeper,
		Webhooks: webhookTargets(cfg, demo)})
	if err != nil {
		return nil, err
	}
	// After a renewal: page.reconnected to the webhooks, then the held
	// posts go out.
	s.connection = connection.New(st, connection.Options{Providers: providers, Policy: policy, Logger: log,
		Renewers: []connection.Renewer{s.bg.sweeper, s.publisher}})
	s.flow = connect.New(st, connect.Options{Providers: providers, Connection: s.connection, BaseURL: cfg.BaseURL, Logger: log, Status: s.status})
	s.bg.metrics.WatchServiceProblems(s.status.Open)
	return s, nil
}

// start runs the background work until stop is called: the sweep and the
// River workers, publishing, the service monitor, and clearing expired
// sessions and OAuth flows every hour. stop ends them all and waits for
// them (and for refreshes in flight), so the store can be closed after.
func (s *services) start(ctx context.Context) (stop func(), err error) {
	stopBG, err := s.bg.start(ctx)
	if err != nil {
		return nil, err
	}
	s.work.Go(func(ctx context.Context) { s.publisher.Run(ctx, 30*time.Second) })
	s.work.Go(func(ctx context.Context) { s.status.Run(ctx, 30*time.Second) })
	s.work.Go(func(ctx context.Context) { s.janitor(ctx, time.Hour) })
	return func() {
		s.work.Stop()
		stopBG()
		s.keeper.Wait()
	}, nil
}

// pageHistoryKept is how far back each page's history goes.
const pageHistoryKept = 400 * 24 * time.Hour

// janitor deletes expired sessions, abandoned OAuth flows (which hold
// sealed tokens), page history older than pageHistoryKept and the API's
// old idempotent replies every interval.
func (s *services) janitor(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if n, err := s.store.DeleteExpiredSessions(ctx); err != nil {
			s.log.Error("deleting expired sessions", "err", err)
		} else if n > 0 {
			s.log.Debug("expired sessions deleted", "sessions", n)
		}
		if err := s.store.DeleteExpiredOAuth(ctx); err != nil {
			s.log.Error("deleting expired OAuth flows", "err", err)
		}
		if n, err := s.store.DeletePageEventsBefore(ctx, time.Now().Add(-pageHistoryKept)); err != nil {
			s.log.Error("deleting old page history", "err", err)
		} else if n > 0 {
			s.log.Debug("old page history deleted", "events", n)
		}
		// The API's Idempotency-Keys are remembered a day.
		if err := s.store.DeleteIdempotentBefore(ctx, time.Now().Add(-24*time.Hour)); err != nil {
			s.log.Error("forgetting old Idempotency-Keys", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// signInChecks bounds the checks one sign-in starts.
const signInChecks = 50

// checkAtSignIn queues checks, as background jobs, of up to signInChecks
// pages of a user who just signed in that were not checked in the last
// hour.
func (s *services) checkAtSignIn(u *tokenwatch.User) {
	s.work.Go(func(ctx context.Context) {
		ids, err := s.keeper.StalePages(ctx, u.ID, time.Hour, signInChecks)
		if err == nil {
			err = s.bg.jobs.QueueChecks(ctx, ids)
		}
		if err != nil && ctx.Err() == nil {
			s.log.Warn("checking pages at sign-in", "user", u.ID, "err", err)
		}
	})
}

// handler is the HTTP interface: the JSON API and the web UI, and nothing
// else (the demo adds its sandbox around it, in demo.go; serve cannot).
func (s *services) handler(env Env, demoLogins []web.DemoLogin) (http.Handler, error) {
	cost := env.PasswordCost
	if cost == 0 {
		cost = password.DefaultCost
	}
	adm := admin.New(s.store, admin.Options{Checker: s.keeper, Mail: s.sender, MailFrom: s.cfg.MailFrom, BaseURL: s.cfg.BaseURL,
		PasswordCost: cost, Logger: s.log, WebhookTargets: webhookTargets(s.cfg, s.demo)})
	ui, err := web.New(s.store, web.Options{
		Logger:         s.log,
		Policy:         s.policy,
		CookieSecure:   s.cfg.CookieSecure,
		SessionTTL:     s.cfg.SessionTTL,
		DemoLogins:     demoLogins,
		Demo:           s.demo,
		Outbox:         s.demo,
		Metrics:        s.bg.metrics.Handler(),
		MetricsToken:   s.cfg.MetricsToken,
		PasswordCost:   cost,
		Flow:           s.flow,
		TrustedProxies: s.cfg.TrustedProxies,
		OnSignIn:       s.checkAtSignIn,
		Status:         s.status,
		Admin:          adm,
		BaseURL:        s.cfg.BaseURL,
		// Slack and Teams channels on loopback only where webhook
		// endpoints may be private (the demo, tests).
		AllowPrivateChannels: s.cfg.WebhookAllowPrivate || s.demo,
	})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	apiHandler := api.New(s.store, api.Options{Logger: s.log, Policy: s.policy, BaseURL: s.cfg.BaseURL, Providers: s.providers,
		Connection: s.connection, Keeper: s.keeper, Flow: s.flow, AllowPrivateWebhooks: s.demo, PasswordCost: cost, Admin: adm})
	s.work.Go(func(ctx context.Context) { apiHandler.RecordUsage(ctx, time.Minute) })
	mux.Handle("/api/v1/", apiHandler)
	mux.Handle("/", ui)
	return mux, nil
}
