package cli

import (
	"context"
	"errors"
)

func runImport(_ context.Context, args []string, env Env) error {
	fs := flags(env, "import", "import FILE.json", "Imports accounts, locations, users and connected pages (with their tokens) from a JSON file.")
	if err := parse(fs, args, env); err != nil {
		return err
	}
	return errors.New("import: not in this build yet")
}
