package cli

import (
	"context"
	"fmt"
	"runtime/debug"
)

// version is set at build time with -ldflags "-X ...cli.version=v1.2.3".
var version = "dev"

func runVersion(_ context.Context, args []string, env Env) error {
	fs := flags(env, "version", "version", "Prints the version, the commit it was built from and the Go version.")
	if err := parse(fs, args, env); err != nil {
		return err
	}
	commit, goVersion := "unknown", "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		goVersion = bi.GoVersion
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				commit = s.Value
			}
		}
	}
	fmt.Fprintf(env.Stdout, "tokenwatch %s (commit %s, %s)\n", version, commit, goVersion)
	return nil
}
