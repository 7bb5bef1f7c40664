package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/tokenwatch/tokenwatch/internal/connection"
	"github.com/tokenwatch/tokenwatch/internal/importer"
	"github.com/tokenwatch/tokenwatch/internal/password"
	"github.com/tokenwatch/tokenwatch/internal/provider/all"
)

const importAbout = `Imports accounts, locations, users and connected pages, with their tokens, from FILE
("-" reads standard input): a JSON document or JSON Lines, told apart by the first member
of the first object ("accounts": a document).

A bad record is reported with its line (JSON Lines) or its JSON path (document) and the
reason, and everything else is imported; the exit status is then 1. With --atomic, an
account with any bad record imports nothing (the file is checked first, then imported;
standard input is copied to a temporary file for that). A document is always read whole
before anything is written: a syntax error, or anything after it, imports nothing.
What exists already (an account of the same name, a location, a user, a membership, a
page) is kept as it is, so the same file can be imported again: the summary says what was
created and what was kept. password_hash must be a bcrypt hash; users without one get a
random password, printed once. Times are RFC 3339; time_zone is an IANA name (default UTC).

JSON document:

  {"accounts": [{
    "name": "Acme", "alert_thresholds": "14d,3d",
    "locations": [{"name": "Downtown", "time_zone": "Europe/Paris"}],
    "users": [{"email": "ann@acme.test", "name": "Ann", "account_owner": true,
               "password_hash": "$2a$12$…", "roles": {"Downtown": "manager"}}],
    "pages": [{"location": "Downtown", "provider": "facebook", "provider_page_id": "1234",
               "name": "Acme Downtown", "connected_by": "ann@acme.test",
               "provider_user_id": "9876", "provider_user_name": "Ann A.",
               "scopes": ["pages_manage_posts"], "access_token": "EAA…", "refresh_token": "",
               "access_expires_at": null, "refresh_expires_at": null,
               "data_access_expires_at": "2027-02-01T00:00:00Z"}]}]}

JSON Lines (read as a stream, for files of any size): one record per line, with the fields
of the document's objects, its "type" and the name of its "account"; an account, location
or user comes before the records that name it (or exists in tokenwatch already):

  {"type": "account", "name": "Acme", "alert_thresholds": "14d,3d"}
  {"type": "location", "account": "Acme", "name": "Downtown", "time_zone": "Europe/Paris"}
  {"type": "user", "account": "Acme", "email": "ann@acme.test", "roles": {"Downtown": "manager"}}
  {"type": "page", "account": "Acme", "location": "Downtown", "provider": "facebook", …}

On a terminal a progress bar shows how far the import is; otherwise a line every 10,000
records.`

func runImport(ctx context.Context, args []string, env Env) error {
	fs := flags(env, "import", "import [--atomic] FILE", importAbout)
	atomic := fs.Bool("atomic", false, "all or nothing per account: an account with a bad record imports nothing")
	if err := parse(fs, args, env); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("import: name one file (or - for standard input)")
	}
	var r io.Reader = env.Stdin
	if name := fs.Arg(0); name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		defer f.Close()
		r = f
	}
	cfg, log, st, err := openConfiguredStore(ctx, env)
	if err != nil {
		return err
	}
	defer st.Close()
	policy, err := policyFrom(cfg)
	if err != nil {
		return err
	}
	providers := all.New(nil) // the networks' facts; none is called
	cost := env.PasswordCost
	if cost == 0 {
		cost = password.DefaultCost
	}
	progress := newImportProgress(env.Stdout)
	rep, err := importer.Import(ctx, r, importer.Options{
		Store:         st,
		Connection:    connection.New(st, connection.Options{Providers: providers, Policy: policy, Logger: log}),
		Providers:     providers,
		Atomic:        *atomic,
		PasswordCost:  cost,
		Progress:      progress.show,
		ProgressEvery: progress.every,
		Problem: func(p importer.Problem) {
			progress.clear()
			fmt.Fprintln(env.Stderr, p)
		},
	})
	progress.clear()
	if rep != nil && (err == nil || !nothingImported(rep)) {
		printImportReport(env.Stdout, rep)
	}
	switch {
	case err != nil && (rep == nil || nothingImported(rep)):
		return fmt.Errorf("import: %w (nothing was imported)", err)
	case err != nil:
		return fmt.Errorf("import: %w (what is above was imported; the same file can be imported again)", err)
	case rep.Bad == 1:
		return errors.New("import: 1 bad record was not imported (see above)")
	case rep.Bad > 1:
		return fmt.Errorf("import: %d bad records were not imported (see above)", rep.Bad)
	}
	return nil
}

func nothingImported(rep *importer.Report) bool {
	for _, c := range []importer.Count{rep.Accounts, rep.Locations, rep.Users, rep.Memberships, rep.Pages} {
		if c.Created > 0 {
			return false
		}
	}
	return true
}

func printImportReport(w io.Writer, rep *importer.Report) {
	for _, p := range rep.Passwords {
		fmt.Fprintf(w, "user %s: password %s\n", p.Email, p.Password.Reveal())
	}
	fmt.Fprintf(w, "read %d records (%s)\n", rep.Records, rep.Format)
	for _, c := range []struct {
		what string
		importer.Count
	}{{"accounts", rep.Accounts}, {"locations", rep.Locations}, {"users", rep.Users}, {"memberships", rep.Memberships}, {"pages", rep.Pages}} {
		fmt.Fprintf(w, "%s: %d created, %d kept\n", c.what, c.Created, c.Kept)
	}
	switch {
	case rep.Skipped > 0 && rep.Skipped == rep.Records:
		fmt.Fprintln(w, "nothing was imported (--atomic: a bad record names no account)")
	case len(rep.NotImported) > 0:
		fmt.Fprintf(w, "not imported: %s (--atomic: accounts with a bad record; %d records left out)\n",
			quoteAll(rep.NotImported), rep.Skipped)
	}
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

// importProgress shows an import's progress on standard output: a
// progress bar on a terminal, a line every 10,000 records otherwise.
type importProgress struct {
	w     io.Writer
	tty   bool
	every int
	bar   *progressbar.ProgressBar
	pass  importer.Pass
}

func newImportProgress(w io.Writer) *importProgress {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return &importProgress{w: w, tty: true, every: 500}
	}
	return &importProgress{w: w, every: 10_000}
}

func (p *importProgress) show(pr importer.Progress) {
	unit := "records"
	if pr.Format == importer.Lines {
		unit = "lines"
	}
	verb := "imported"
	if pr.Pass == importer.Checking {
		verb = "checked"
	}
	if !p.tty {
		if pr.Done {
			return // the summary follows
		}
		switch n, exact := pr.Estimate(); {
		case n > 0 && exact:
			fmt.Fprintf(p.w, "%s %d of %d %s\n", verb, pr.Records, n, unit)
		case n > 0:
			fmt.Fprintf(p.w, "%s %d of ~%d %s\n", verb, pr.Records, n, unit)
		default:
			fmt.Fprintf(p.w, "%s %d %s\n", verb, pr.Records, unit)
		}
		return
	}
	if p.bar == nil || p.pass != pr.Pass {
		p.clear()
		max := pr.Size
		if max == 0 {
			max = -1 // a spinner
		}
		p.bar = progressbar.NewOptions64(max, progressbar.OptionSetWriter(p.w), progressbar.OptionShowBytes(true),
			progressbar.OptionSetWidth(30), progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
		p.pass = pr.Pass
	}
	p.bar.Describe(fmt.Sprintf("%s %d %s", verb, pr.Records, unit))
	_ = p.bar.Set64(pr.Bytes)
}

// clear takes the bar off the screen, before other output or at the end.
func (p *importProgress) clear() {
	if p.bar != nil {
		_ = p.bar.Clear()
	}
}
