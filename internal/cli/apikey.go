package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// scopeList is the --scope flag: repeatable, or comma-separated.
type scopeList []string

func (s *scopeList) String() string { return strings.Join(*s, ",") }

func (s *scopeList) Set(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*s = append(*s, p)
		}
	}
	return nil
}

func runAPIKey(ctx context.Context, args []string, env Env) error {
	const usage = "Usage: tokenwatch apikey create --account NAME --name NAME [--scope read|write|tokens]... | apikey revoke --account NAME --id ID | apikey list --account NAME\n"
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, usage)
		return errors.New("apikey: say create, revoke or list")
	}
	sub := args[0]
	// Each verb has its own flags and help.
	verbs := map[string]struct{ usage, help string }{
		"create": {"apikey create --account NAME --name NAME [--scope read|write|tokens]...",
			"Makes an API key for the account and prints it once: only its hash is stored."},
		"revoke": {"apikey revoke --account NAME --id ID", "Revokes a key at once: requests with it are refused from then on."},
		"list":   {"apikey list --account NAME", "Lists the account's keys: id, name, scopes, state and last use (never the key)."},
	}
	var (
		fs      = flags(env, "apikey "+sub, verbs[sub].usage, verbs[sub].help)
		account = fs.String("account", "", "account name")
		name    = new(string)
		id      = new(int64)
		scopes  scopeList
	)
	switch sub {
	case "create":
		name = fs.String("name", "", "what the key is for")
		fs.Var(&scopes, "scope", "what the key may do (repeatable or comma-separated): read, write (change the account; reads too), tokens (be handed access tokens); read if none")
	case "revoke":
		id = fs.Int64("id", 0, "key id (see apikey list)")
	}
	switch sub {
	case "create", "revoke", "list":
	case "-h", "--help", "help":
		fmt.Fprint(env.Stdout, usage)
		return nil
	default:
		fmt.Fprint(env.Stderr, usage)
		return fmt.Errorf("apikey: unknown subcommand %q", sub)
	}
	if err := parse(fs, args[1:], env); err != nil {
		return err
	}
	_, st, acct, err := openAccount(ctx, env, "apikey "+sub, *account)
	if err != nil {
		return err
	}
	defer st.Close()
	switch sub {
	case "create":
		k, secret, err := st.CreateAPIKey(ctx, acct.ID, *name, scopes...)
		if err != nil {
			return fmt.Errorf("apikey create: %s", reason(err))
		}
		fmt.Fprintf(env.Stdout, "created API key %d (%s, scopes %s) for %q; it is shown only now:\n%s\n", k.ID, k.Name,
			strings.Join(k.Scopes, ","), acct.Name, secret.Reveal())
	case "revoke":
		if err := st.RevokeAPIKey(ctx, acct.ID, *id); err != nil {
			return fmt.Errorf("apikey revoke: %s", reason(err))
		}
		fmt.Fprintf(env.Stdout, "revoked API key %d\n", *id)
	case "list":
		keys, err := st.ListAPIKeys(ctx, acct.ID)
		if err != nil {
			return err
		}
		fmt.Fprintln(env.Stdout, "ID\tKEY\tNAME\tSCOPES\tLAST USED\tSTATE")
		for _, k := range keys {
			state := "active"
			if !k.RevokedAt.IsZero() {
				state = "revoked " + k.RevokedAt.Format("2006-01-02")
			}
			used := "never"
			if !k.LastUsedAt.IsZero() {
				used = k.LastUsedAt.UTC().Format("2006-01-02 15:04 UTC")
			}
			fmt.Fprintf(env.Stdout, "%d\t%s…\t%s\t%s\t%s\t%s\n", k.ID, k.Prefix, k.Name, strings.Join(k.Scopes, ","), used, state)
		}
	}
	return nil
}
