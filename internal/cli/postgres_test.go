package cli_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tokenwatch/tokenwatch/internal/cli"
	"github.com/tokenwatch/tokenwatch/internal/store/pgtest"
)

func TestMigratePostgres(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"TOKENWATCH_DATABASE_URL": pgtest.NewDatabase(t)}
	for _, want := range []string{"applied 0001_init\npostgres database at schema version 1\n", "postgres database at schema version 1\n"} {
		env, stdout, stderr := testEnv(vars)
		if err := cli.Run(context.Background(), []string{"migrate"}, env); err != nil || stdout.String() != want {
			t.Fatalf("migrate: %v\nstdout %q, want %q\nstderr %s", err, stdout, want, stderr)
		}
	}
	// A schema that does not exist is named in a one-line reason.
	vars["TOKENWATCH_DATABASE_URL"] = strings.Replace(vars["TOKENWATCH_DATABASE_URL"], "search_path=", "search_path=nowhere_", 1)
	env, _, stderr := testEnv(vars)
	if code := cli.Main(context.Background(), []string{"migrate"}, env); code != 1 || !strings.Contains(stderr.String(), "CREATE SCHEMA") {
		t.Errorf("migrate into a missing schema: exit %d, %s", code, stderr)
	}
}
