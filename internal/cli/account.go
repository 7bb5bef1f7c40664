package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tokenwatch/tokenwatch/internal/config"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
)

const accountUsage = "Usage: tokenwatch account show --account NAME | account set --account NAME [--thresholds 10d,3d] [--escalate-after 2d]\n"

// runAccount shows and changes an account's alert settings: its alert
// thresholds and how long a page may stay expired or revoked after its
// terminal alert before the account's owners are told.
func runAccount(ctx context.Context, args []string, env Env) error {
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, accountUsage)
		return errors.New("account: say show or set")
	}
	sub := args[0]
	switch sub {
	case "show", "set":
	case "-h", "--help", "help":
		fmt.Fprint(env.Stdout, accountUsage)
		return nil
	default:
		fmt.Fprint(env.Stderr, accountUsage)
		return fmt.Errorf("account: unknown subcommand %q", sub)
	}
	fs := flags(env, "account "+sub, "account "+sub+" --account NAME ...",
		"Shows or changes an account's alert settings: the alert thresholds (default 10d,3d, or\n"+
			"TOKENWATCH_ALERT_THRESHOLDS) and the escalation delay: how long a page may stay expired or\n"+
			"revoked after its terminal alert before the account's owners are told (default 2d, or\n"+
			"TOKENWATCH_ESCALATE_AFTER). \"default\" restores the service's default.")
	account := fs.String("account", "", "account name")
	var thresholds, escalate string
	if sub == "set" {
		fs.StringVar(&thresholds, "thresholds", "", "alert thresholds, e.g. 14d,3d,12h, or \"default\"")
		fs.StringVar(&escalate, "escalate-after", "", "escalation delay, e.g. 2d or 36h, or \"default\"")
	}
	if err := parse(fs, args[1:], env); err != nil {
		return err
	}
	_, st, acct, err := openAccount(ctx, env, "account "+sub, *account)
	if err != nil {
		return err
	}
	defer st.Close()
	if sub == "set" {
		if thresholds == "" && escalate == "" {
			return errors.New("account set: give --thresholds, --escalate-after or both")
		}
		if thresholds != "" {
			var ts []time.Duration
			if thresholds != "default" {
				if ts, err = config.ParseThresholds(thresholds); err != nil {
					return fmt.Errorf("account set: --thresholds: %v", err)
				}
			}
			if err := st.SetAlertThresholds(ctx, acct.ID, ts); err != nil {
				return fmt.Errorf("account set: %s", reason(err))
			}
		}
		if escalate != "" {
			var d time.Duration
			if escalate != "default" {
				if d, err = config.ParseDuration(escalate); err != nil || d <= 0 {
					return fmt.Errorf("account set: --escalate-after: %q is not a duration such as 2d or 36h", escalate)
				}
			}
			if err := st.SetEscalateAfter(ctx, acct.ID, d); err != nil {
				return fmt.Errorf("account set: %s", reason(err))
			}
		}
		if acct, err = st.GetAccount(ctx, acct.ID); err != nil {
			return err
		}
	}
	cfg, _, err := loadConfig(env)
	if err != nil {
		return err
	}
	steps, escalation := "default ("+durations(cfg.AlertThresholds)+")", "default ("+durations([]time.Duration{cfg.EscalateAfter})+")"
	if len(acct.AlertThresholds) > 0 {
		steps = durations(acct.AlertThresholds)
	}
	if acct.EscalateAfter > 0 {
		escalation = durations([]time.Duration{acct.EscalateAfter})
	}
	fmt.Fprintf(env.Stdout, "account %q\nalert thresholds: %s\nescalate after: %s\n", acct.Name, steps, escalation)
	return nil
}

// durations writes durations as the settings take them: "10d,3d".
func durations(ds []time.Duration) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = string(lifecycle.ThresholdStep(d))
	}
	return strings.Join(parts, ",")
}
