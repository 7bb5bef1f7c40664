package cli

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/tokenwatch/tokenwatch/internal/keyring"
)

func runKeys(ctx context.Context, args []string, env Env) error {
	if len(args) == 0 || (args[0] != "generate" && args[0] != "rotate") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprint(env.Stdout, keysUsage)
			return nil
		}
		fmt.Fprint(env.Stderr, keysUsage)
		return errors.New("keys: say generate or rotate")
	}
	switch args[0] {
	case "generate":
		fs := flags(env, "keys generate", "keys generate", "Prints a new random key for TOKENWATCH_SECRET_KEY.")
		if err := parse(fs, args[1:], env); err != nil {
			return err
		}
		fmt.Fprintln(env.Stdout, keyring.Generate())
		return nil
	}
	fs := flags(env, "keys rotate", "keys rotate [--batch N]", keysRotateAbout)
	batch := fs.Int("batch", 500, "pages re-encrypted per pass")
	if err := parse(fs, args[1:], env); err != nil {
		return err
	}
	if *batch <= 0 {
		return errors.New("keys rotate: --batch must be positive")
	}
	cfg, _, st, err := openConfiguredStore(ctx, env)
	if err != nil {
		return err
	}
	defer st.Close()
	keys, err := keyringFrom(cfg)
	if err != nil {
		return err
	}
	usage, err := st.KeyUsage(ctx)
	if err != nil {
		return err
	}
	var missing []string
	for id := range usage {
		if !keys.Has(id) {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return fmt.Errorf("keys rotate: tokens are sealed under key ids %v, which neither TOKENWATCH_SECRET_KEY nor TOKENWATCH_SECRET_KEY_PREVIOUS holds; add the old key to TOKENWATCH_SECRET_KEY_PREVIOUS", missing)
	}
	n, err := st.RotateKeys(ctx, *batch)
	if err != nil {
		return fmt.Errorf("keys rotate: after %d pages: %w", n, err)
	}
	fmt.Fprintf(env.Stdout, "re-encrypted the tokens of %d pages under key %s\n", n, keys.CurrentID())
	return nil
}

const keysUsage = `Usage: tokenwatch keys generate | keys rotate [--batch N]

  generate  print a new random key for TOKENWATCH_SECRET_KEY
  rotate    re-encrypt every token under the current key
`

const keysRotateAbout = `Re-encrypts every stored token under TOKENWATCH_SECRET_KEY, while the service runs.

To rotate the key:
  1. tokenwatch keys generate                       (the new key)
  2. restart the service with TOKENWATCH_SECRET_KEY=<new key> and
     TOKENWATCH_SECRET_KEY_PREVIOUS=<old key>, so it reads both
  3. tokenwatch keys rotate                         (same variables)
  4. remove TOKENWATCH_SECRET_KEY_PREVIOUS and restart.`
