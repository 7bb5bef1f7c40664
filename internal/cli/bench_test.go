package cli_test

import (
	"context"
	"errors"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tokenwatch/tokenwatch/internal/cli"
	"github.com/tokenwatch/tokenwatch/internal/store/pgtest"
)

// TestBench runs `tokenwatch bench` at a tiny size on each engine and
// checks that the report has every measure and that nothing failed that
// is not a timing: each sweep found exactly its due pages, every HTML
// answer was 200 and every API answer 2xx. Timings are the machine's
// (missed targets make the command exit 1, which is accepted here).
func TestBench(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			args := []string{"bench", "--pages", "2000", "--load", "300ms", "--rate", "100", "--html-requests", "5"}
			if engine == "postgres" {
				args = append(args, "--postgres", pgtest.NewDatabase(t))
			} else {
				args = append(args, "--db", filepath.Join(t.TempDir(), "bench.db"))
			}
			env, stdout, stderr := testEnv(nil)
			err := cli.Run(context.Background(), args, env)
			if err != nil && !errors.Is(err, cli.ErrTargetsMissed) {
				t.Fatalf("bench: %v\n%s\n%s", err, stdout, stderr)
			}
			out := stdout.String()
			// Each measure, and whether it must pass whatever the timings.
			for _, m := range []struct {
				name string
				pass bool
			}{
				{"alert sweep + metrics, 20 due, 20 pages ", false},
				{"alert sweep + metrics, 20 due, 2,000 pages ", false},
				{"sweep ratio full / small (medians) ", false},
				{"sweeps found exactly their due pages ", true},
				{"GET /, signed in, 200-page user ", false},
				{"GET / body ", false},
				{"GET /issues, signed in, 200-page user ", false},
				{"GET /issues body ", false},
				{"HTML answers other than 200 ", true},
				{"GET /api/v1/issues?limit=100 at 100/s for 300ms ", false},
				{"GET /api/v1/issues?limit=100: answers other than 2xx ", true},
				{"GET /api/v1/pages/{id} at 100/s for 300ms ", false},
				{"GET /api/v1/pages/{id}: answers other than 2xx ", true},
				{"serve's peak RSS during the HTTP part ", false},
			} {
				line := lineOf(out, m.name)
				switch {
				case line == "":
					t.Errorf("no line %q in the report:\n%s", m.name, out)
				case m.pass && !strings.HasSuffix(line, " PASS"):
					t.Errorf("%s\nwant PASS; the report:\n%s", line, out)
				case !strings.HasSuffix(line, " PASS") && !strings.HasSuffix(line, " FAIL") && !strings.HasPrefix(line, "alert sweep + metrics, 20 due, 20 pages"):
					t.Errorf("%s\nhas no result", line)
				}
			}
			// serve ran as a process of its own: its memory and CPU are
			// read from /proc, and are a server's, not zero, not the
			// bench's gigabytes.
			for _, name := range []string{"serve's RSS once ready (before any request) ", "serve's peak RSS during the HTTP part "} {
				if n := megabytes(t, lineOf(out, name)); n < 5 || n > 2000 {
					t.Errorf("%s: %d MB is not a server's RSS:\n%s", name, n, out)
				}
			}
			for _, route := range []string{"GET /api/v1/issues?limit=100", "GET /api/v1/pages/{id}"} {
				line := lineOf(out, route+": serve's CPU per request under the load ")
				m := regexp.MustCompile(` ([0-9.]+) ms \(user \+ system, all of serve's threads, over ([0-9]+) requests\)$`).FindStringSubmatch(line)
				if m == nil {
					t.Errorf("no CPU per request for %s in the report:\n%s", route, out)
					continue
				}
				if cpu, _ := strconv.ParseFloat(m[1], 64); cpu > 1000 || m[2] == "0" {
					t.Errorf("%s: %s ms of CPU per request over %s requests is not a measure", route, m[1], m[2])
				}
			}
			if !strings.Contains(out, "HTTP over loopback to `tokenwatch serve`, a process of its own") {
				t.Errorf("the report does not say what served the HTTP part:\n%s", out)
			}
			if !strings.Contains(out, "2,000 pages in 20 locations") || !strings.Contains(out, "manager of 2 locations, 200 pages") {
				t.Errorf("the report does not say what was seeded:\n%s", out)
			}
		})
	}
}

// megabytes is the "N MB" value of a report line (0 if none).
func megabytes(t *testing.T, line string) int {
	t.Helper()
	m := regexp.MustCompile(`  ([0-9]+) MB( |$)`).FindStringSubmatch(line)
	if m == nil {
		t.Errorf("no size in MB in %q", line)
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// lineOf returns the line of out that starts with prefix ("" if none).
func lineOf(out, prefix string) string {
	for line := range strings.Lines(out) {
		if strings.HasPrefix(line, prefix) {
			return strings.TrimRight(line, " \n")
		}
	}
	return ""
}
