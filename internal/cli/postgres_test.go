package cli_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/tokenwatch/tokenwatch/internal/cli"
	"github.com/tokenwatch/tokenwatch/internal/store/pgtest"
)

func TestMigratePostgres(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"TOKENWATCH_DATABASE_URL": pgtest.NewDatabase(t)}
	// The first run applies every migration; the second, none.
	for i, applied := range []bool{true, false} {
		env, stdout, stderr := testEnv(vars)
		err := cli.Run(context.Background(), []string{"migrate"}, env)
		out := stdout.String()
		if err != nil || strings.Contains(out, "applied 0001_init\n") != applied || !strings.Contains(out, "postgres database at schema version ") {
			t.Fatalf("migrate run %d: %v\nstdout %q\nstderr %s", i+1, err, out, stderr)
		}
		if !applied && strings.Contains(out, "applied") {
			t.Errorf("the second run applied migrations again: %q", out)
		}
	}
	// A schema that does not exist is named in a one-line reason.
	vars["TOKENWATCH_DATABASE_URL"] = strings.Replace(vars["TOKENWATCH_DATABASE_URL"], "search_path=", "search_path=nowhere_", 1)
	env, _, stderr := testEnv(vars)
	if code := cli.Main(context.Background(), []string{"migrate"}, env); code != 1 || !strings.Contains(stderr.String(), "CREATE SCHEMA") {
		t.Errorf("migrate into a missing schema: exit %d, %s", code, stderr)
	}
}

// TestMigratePostgresFromSeveralProcesses: replicas starting at once all
// migrate the same fresh schema, the store's tables and River's; each
// succeeds, and the schema ends up complete.
func TestMigratePostgresFromSeveralProcesses(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"TOKENWATCH_DATABASE_URL": pgtest.NewDatabase(t)}
	const n = 4
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			env, stdout, stderr := testEnv(vars)
			if err := cli.Run(context.Background(), []string{"migrate"}, env); err != nil {
				t.Errorf("migrate %d of %d at once: %v\n%s%s", i+1, n, err, stdout, stderr)
			}
		})
	}
	wg.Wait()
	env, stdout, _ := testEnv(vars)
	if err := cli.Run(context.Background(), []string{"migrate"}, env); err != nil || strings.Contains(stdout.String(), "applied") {
		t.Errorf("migrating again: %v, %q; want nothing left to apply", err, stdout)
	}
}
