package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/oauthx"
)

func runDoctor(ctx context.Context, args []string, env Env) error {
	fs := flags(env, "doctor", "doctor [--timeout DURATION]",
		"Checks each configured network's app without any user's token: that the network accepts\n"+
			"the app's client id and secret (a made-up authorization code must be refused as such,\n"+
			"not as an unknown client), the API version in use and its end of support, and the\n"+
			"base URL and redirect URI to register at the network. Prints a table and exits non-zero\n"+
			"when a check fails.")
	timeout := fs.Duration("timeout", 20*time.Second, "how long all checks of one network may take")
	if err := parse(fs, args, env); err != nil {
		return err
	}
	cfg, _, err := loadConfig(env)
	if err != nil {
		return err
	}
	providers := providersFrom(cfg)
	if len(providers) == 0 {
		return errors.New("no network is configured: set TOKENWATCH_<NETWORK>_CLIENT_ID and _CLIENT_SECRET (see the README)")
	}
	var rows []doctorRow
	rows = append(rows, baseURLRow(cfg.BaseURL))
	statuses := provider.VersionStatuses(cfg.APIVersions, func(p tokenwatch.Provider) bool { _, ok := providers[p]; return ok }, time.Now())
	for _, p := range tokenwatch.Providers {
		prov, ok := providers[p]
		if !ok {
			continue
		}
		redirect := cfg.BaseURL + "/oauth/" + string(p) + "/callback"
		d, ok := prov.(provider.Diagnoser)
		if !ok {
			rows = append(rows, versionRows(p, statuses, nil)...)
			f := oauthx.RedirectFinding(redirect, "the app's redirect URIs")
			rows = append(rows, doctorRow{p.DisplayName(), f.Check, f.OK, f.Detail},
				doctorRow{p.DisplayName(), "app credentials", true, "not checked: the network has no check without a user's token"})
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, *timeout)
		findings := d.Diagnose(cctx, redirect)
		cancel()
		rows = append(rows, versionRows(p, statuses, findings)...)
		for _, f := range findings {
			rows = append(rows, doctorRow{p.DisplayName(), f.Check, f.OK, f.Detail})
		}
	}
	failed := printDoctor(env.Stdout, rows)
	if failed > 0 {
		return fmt.Errorf("doctor: %d %s failed", failed, plural(failed, "check", "checks"))
	}
	return nil
}

// versionRows says, for each API network p calls, where its version
// stands in tokenwatch's table, unless the network's own checks already
// report on that version.
func versionRows(p tokenwatch.Provider, statuses []provider.VersionStatus, findings []provider.Finding) []doctorRow {
	var rows []doctorRow
	for _, vs := range statuses {
		if !slices.Contains(vs.API.Providers, p) || slices.ContainsFunc(findings, func(f provider.Finding) bool { return f.Check == "API version "+vs.Version }) {
			continue
		}
		row := doctorRow{p.DisplayName(), "API version " + vs.Version, !vs.Ended, "no announced end of support"}
		switch {
		case vs.Ended || vs.Ending:
			row.Detail = vs.Message()
		case !vs.EndOfSupport.IsZero():
			row.Detail = "supported until " + vs.EndOfSupport.Format("2 January 2006")
		}
		rows = append(rows, row)
	}
	return rows
}

type doctorRow struct {
	Network, Check string
	OK             bool
	Detail         string
}

// baseURLRow checks the public URL: https, except on a loopback address
// (the networks refuse redirect URIs over plain http elsewhere).
func baseURLRow(base string) doctorRow {
	row := doctorRow{"tokenwatch", "base URL", true, base}
	u, err := url.Parse(base)
	switch {
	case err != nil:
		row.OK, row.Detail = false, "TOKENWATCH_BASE_URL is not a URL"
	case u.Scheme == "https":
	case oauthx.IsLoopback(u.Hostname()):
		row.Detail += " (plain http: only for trying tokenwatch on this machine)"
	default:
		row.OK, row.Detail = false, base+": the networks require https redirect URIs; set TOKENWATCH_BASE_URL to the public https URL"
	}
	return row
}

// printDoctor prints the table and returns how many checks failed.
func printDoctor(w io.Writer, rows []doctorRow) int {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NETWORK\tCHECK\tRESULT\tDETAIL")
	failed := 0
	for _, r := range rows {
		result := "ok"
		if !r.OK {
			result, failed = "FAILED", failed+1
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Network, r.Check, result, strings.ReplaceAll(r.Detail, "\n", " "))
	}
	tw.Flush()
	return failed
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
