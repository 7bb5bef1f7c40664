package cli

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/config"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/webhook"
)

const webhookUsage = "Usage: tokenwatch webhook add --account NAME --url URL | webhook list --account NAME | webhook disable --account NAME --id ID\n"

func runWebhook(ctx context.Context, args []string, env Env) error {
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, webhookUsage)
		return errors.New("webhook: say add, list or disable")
	}
	sub := args[0]
	switch sub {
	case "add", "list", "disable":
	case "-h", "--help", "help":
		fmt.Fprint(env.Stdout, webhookUsage)
		return nil
	default:
		fmt.Fprint(env.Stderr, webhookUsage)
		return fmt.Errorf("webhook: unknown subcommand %q", sub)
	}
	// Each verb has its own flags and help.
	verbs := map[string]struct{ usage, help string }{
		"add": {"webhook add --account NAME --url URL",
			"Registers an endpoint that receives the account's page events (page.expiring, page.expired,\n" +
				"page.revoked, page.reconnected) and prints its signing secret, once. The URL must be https on a\n" +
				"public address (unless TOKENWATCH_WEBHOOK_ALLOW_PRIVATE is set)."},
		"list":    {"webhook list --account NAME", "Lists the account's endpoints: id, URL, active or disabled."},
		"disable": {"webhook disable --account NAME --id ID", "Stops sending events to an endpoint (its deliveries not yet sent are given up)."},
	}
	var (
		fs      = flags(env, "webhook "+sub, verbs[sub].usage, verbs[sub].help)
		account = fs.String("account", "", "account name")
		url     = new(string)
		id      = new(int64)
	)
	switch sub {
	case "add":
		url = fs.String("url", "", "endpoint URL (https)")
	case "disable":
		id = fs.Int64("id", 0, "endpoint id (see webhook list)")
	}
	if err := parse(fs, args[1:], env); err != nil {
		return err
	}
	cfg, st, acct, err := openAccount(ctx, env, "webhook "+sub, *account)
	if err != nil {
		return err
	}
	defer st.Close()
	switch sub {
	case "add":
		if err := webhook.CheckEndpoint(ctx, *url, webhookTargets(cfg, false)); err != nil {
			return fmt.Errorf("webhook add: %s", reason(err))
		}
		secret := tokenwatch.NewSecret("whsec_" + rand.Text())
		ep, err := st.CreateWebhookEndpoint(ctx, acct.ID, *url, secret)
		if err != nil {
			return fmt.Errorf("webhook add: %s", reason(err))
		}
		fmt.Fprintf(env.Stdout, "added webhook endpoint %d for %q: %s\nits signing secret, shown only now:\n%s\n", ep.ID, acct.Name, ep.URL, secret.Reveal())
	case "list":
		eps, err := st.WebhookEndpoints(ctx, []int64{acct.ID}, false)
		if err != nil {
			return err
		}
		for _, ep := range eps[acct.ID] {
			state := "active"
			if !ep.Active {
				state = "disabled"
			}
			fmt.Fprintf(env.Stdout, "%d\t%s\t%s\n", ep.ID, ep.URL, state)
		}
	case "disable":
		eps, err := st.WebhookEndpoints(ctx, []int64{acct.ID}, false)
		if err != nil {
			return err
		}
		for _, ep := range eps[acct.ID] {
			if ep.ID == *id {
				if err := st.SetWebhookEndpointActive(ctx, ep.ID, false); err != nil {
					return err
				}
				fmt.Fprintf(env.Stdout, "disabled webhook endpoint %d\n", ep.ID)
				return nil
			}
		}
		return fmt.Errorf("webhook disable: %q has no endpoint %d", acct.Name, *id)
	}
	return nil
}

// openAccount reads the configuration, opens the configured store and
// finds the account named by a subcommand's --account flag.
func openAccount(ctx context.Context, env Env, cmd, account string) (*config.Config, *store.Store, *tokenwatch.Account, error) {
	if account == "" {
		return nil, nil, nil, fmt.Errorf("%s: --account is required", cmd)
	}
	cfg, _, st, err := openConfiguredStore(ctx, env)
	if err != nil {
		return nil, nil, nil, err
	}
	acct, err := findAccount(ctx, st, account)
	if err != nil {
		st.Close()
		return nil, nil, nil, fmt.Errorf("%s: %s", cmd, reason(err))
	}
	return cfg, st, acct, nil
}
