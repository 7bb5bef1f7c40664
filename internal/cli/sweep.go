package cli

import (
	"context"
	"fmt"
)

func runSweep(ctx context.Context, args []string, env Env) error {
	fs := flags(env, "sweep", "sweep [--once]", "Runs the alert sweep against TOKENWATCH_DATABASE_URL: finds the pages that need attention,\n"+
		"records their alerts and queues the deliveries. With --once it prints what it did with\n"+
		"each due page and what it queued, and exits (a running `serve` delivers); without, it sweeps every\n"+
		"TOKENWATCH_SWEEP_INTERVAL and delivers, until stopped.")
	once := fs.Bool("once", false, "run one sweep, print what it found and queued, and exit")
	if err := parse(fs, args, env); err != nil {
		return err
	}
	cfg, log, st, err := openConfiguredStore(ctx, env)
	if err != nil {
		return err
	}
	defer st.Close()
	sender, closer, err := newSender(cfg, st, log, false, !*once)
	if err != nil {
		return err
	}
	bg, err := newBackground(ctx, cfg, st, log, backgroundOptions{Work: !*once, Sender: sender, Closer: closer, Explain: *once,
		Webhooks: webhookTargets(cfg, false)})
	if err != nil {
		return err
	}
	if *once {
		rep, err := bg.sweep(ctx)
		if err != nil {
			return fmt.Errorf("sweep: %w", err)
		}
		fmt.Fprint(env.Stdout, describe(rep))
		return nil
	}
	stop, err := bg.start(ctx)
	if err != nil {
		return err
	}
	log.Info("sweeping", "every", cfg.SweepInterval)
	<-ctx.Done()
	log.Info("shutting down")
	stop()
	return nil
}
