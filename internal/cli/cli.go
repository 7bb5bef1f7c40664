// Package cli is the tokenwatch command line: it parses subcommands and
// their flags, reads the configuration, and wires the store, the web server
// and background work together. main calls Main; end-to-end tests call Run
// with their own environment.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/config"
)

// Env is the world a command runs in: variables, files, standard streams.
type Env struct {
	config.Env
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Ready, when set, is called with the address the HTTP server listens
	// on, once it accepts connections (tests listen on port 0).
	Ready func(addr string)
	// PasswordCost overrides the bcrypt cost (tests use the minimum).
	PasswordCost int
	// Self, when set, returns this program run again with args (bench
	// starts serve so); nil: the running executable. A test binary is not
	// tokenwatch, so tests set it.
	Self func(ctx context.Context, args ...string) *exec.Cmd
}

// self returns this program run again with args, not yet started.
func (e Env) self(ctx context.Context, args ...string) (*exec.Cmd, error) {
	if e.Self != nil {
		return e.Self(ctx, args...), nil
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("finding the tokenwatch executable: %w", err)
	}
	return exec.CommandContext(ctx, exe, args...), nil
}

// OSEnv is the process's environment.
func OSEnv() Env {
	return Env{Env: config.OSEnv(), Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
}

// command is a subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, env Env) error
}

func commands() []command {
	return []command{
		{"demo", "run the demo: sample data, sandbox networks and the web UI in one process", runDemo},
		{"serve", "run the service: web UI, API and background work", runServe},
		{"migrate", "apply database migrations and exit", runMigrate},
		{"sweep", "run the alert sweep (--once: one sweep, then exit)", runSweep},
		{"user", "manage users (user add)", runUser},
		{"apikey", "manage API keys (apikey create, apikey revoke)", runAPIKey},
		{"webhook", "manage webhook endpoints (webhook add, list, disable)", runWebhook},
		{"account", "show or change an account's alert thresholds and escalation (account show, set)", runAccount},
		{"import", "import accounts, locations, users and pages (JSON document or JSON Lines)", runImport},
		{"keys", "manage token encryption keys (keys generate, keys rotate)", runKeys},
		{"bench", "seed a large account in a new database and measure the sweep, the web UI and the API against their targets", runBench},
		{"doctor", "check each configured network's app settings without any user's token", runDoctor},
		{"version", "print the version", runVersion},
	}
}

// Main runs the command line and returns the exit status. Errors are
// printed one per line, prefixed with "tokenwatch:".
func Main(ctx context.Context, args []string, env Env) int {
	err := Run(ctx, args, env)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	for _, line := range strings.Split(err.Error(), "\n") {
		fmt.Fprintln(env.Stderr, "tokenwatch:", line)
	}
	return 1
}

// reason says why a command failed, in one line: the user-safe message of
// a coded error, the whole cause chain of any other (whoever runs a command
// is the operator: "Internal error" would hide what went wrong).
func reason(err error) string {
	if tokenwatch.ErrorCode(err) != tokenwatch.CodeInternal {
		return tokenwatch.ErrorMessage(err)
	}
	return strings.ReplaceAll(err.Error(), "\n", "; ")
}

// errUsage is returned after a usage message was printed.
var errUsage = errors.New("usage")

// Run runs one subcommand.
func Run(ctx context.Context, args []string, env Env) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		usage(env.Stdout)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], env)
		}
	}
	usage(env.Stderr)
	return fmt.Errorf("unknown command %q", args[0])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: tokenwatch <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run `tokenwatch <command> --help` for a command's flags. Configuration comes from")
	fmt.Fprintln(w, "TOKENWATCH_* environment variables; see the README.")
}

// flags returns a flag set for a command that prints its usage to stdout
// on --help and its errors to stderr.
func flags(env Env, name, synopsis, about string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: tokenwatch %s\n\n%s\n", synopsis, about)
		var hasFlags bool
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			fmt.Fprintln(fs.Output(), "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parse parses flags; --help prints the usage to stdout and returns
// flag.ErrHelp, a bad flag returns an error.
func parse(fs *flag.FlagSet, args []string, env Env) error {
	for _, a := range args {
		if a == "-h" || a == "--help" || a == "-help" {
			fs.SetOutput(env.Stdout)
			fs.Usage()
			return flag.ErrHelp
		}
	}
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%s: %w", fs.Name(), err)
	}
	return nil
}

// loadConfig reads the configuration and builds the logger.
func loadConfig(env Env) (*config.Config, *slog.Logger, error) {
	cfg, err := config.Load(env.Env)
	if err != nil {
		return nil, nil, err
	}
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	var h slog.Handler = slog.NewTextHandler(env.Stderr, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(env.Stderr, opts)
	}
	return cfg, slog.New(h), nil
}
