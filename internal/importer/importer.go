// Package importer brings accounts, locations, users and connected pages,
// with their tokens, from another platform into tokenwatch: `tokenwatch
// import` calls it, and so will the API. It reads a JSON document or JSON
// Lines from an io.Reader and returns a report; it prints nothing, telling
// its caller of progress and of bad records through callbacks.
//
// A bad record (a line of JSON Lines, an element of a document) is
// reported with where it is and why, and the good ones are imported; with
// Atomic, an account with any bad record imports nothing. What exists
// already (an account of the same name, a location, a user, a membership, a
// page) is kept as it is, so that importing a file twice changes nothing
// the second time. Pages are made and stored by package connection, which
// evaluates each under its account's policy at the service's clock.
//
// Memory stays flat whatever the size of JSON Lines: records are read one
// at a time and pages written in batches; what is remembered grows with the
// number of accounts, locations and users, not of pages. (A document is
// read one account at a time.) Reading twice, for Atomic or a document,
// spools an input that cannot seek (standard input) to a temporary file.
package importer

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/connection"
	"github.com/tokenwatch/tokenwatch/internal/password"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// Options configures an import.
type Options struct {
	Store *store.Store
	// Connection makes and stores the pages.
	Connection *connection.Service
	// Providers gives each network's facts (all.New(nil) is enough: no
	// network is called).
	Providers provider.Registry
	// Account, if set, limits the import to the account of that name (an
	// API key's): a record of another account is a bad record.
	Account string
	// Atomic makes the import all-or-nothing per account: an account with
	// any bad record imports nothing. The input is read twice: first to
	// check it, then to import it.
	Atomic bool
	// PasswordCost is the bcrypt cost of the random passwords given to
	// users without a password_hash; password.DefaultCost if zero.
	PasswordCost int
	// BatchSize is how many pages are written per transaction; 500 if
	// zero.
	BatchSize int
	// TempDir is where an input that cannot seek is spooled when it must
	// be read twice; os.TempDir() if empty.
	TempDir string
	// MaxProblems is how many problems the report keeps (Problem is told
	// of every one); 100 if zero.
	MaxProblems int
	// Progress, if set, is told of progress every ProgressEvery records
	// (1000 if zero) and at the end of each pass.
	Progress      func(Progress)
	ProgressEvery int
	// Problem, if set, is told of each bad record as it is found.
	Problem func(Problem)
}

// Pass is what a pass over the input does.
type Pass string

// The passes over an input.
const (
	// Checking reads the input without writing anything: a document's
	// syntax before anything is imported, or every record for Atomic.
	Checking Pass = "checking"
	// Importing reads the input and writes what it holds.
	Importing Pass = "importing"
)

// Progress is how far a pass is.
type Progress struct {
	Pass   Pass
	Format Format
	// Records is how many records the pass has read (a record is a line
	// of JSON Lines or an account, location, user or page of a document).
	Records int
	// Bytes is how much of the input the pass has read; Size is the
	// input's size, zero when unknown (an input read only once that is
	// not a file).
	Bytes, Size int64
	// Total is how many records the input holds, when a first pass has
	// counted them; zero otherwise.
	Total int
	// Done says the pass is over.
	Done bool
}

// Estimate returns how many records the input holds: the count of a first
// pass (exact), or an extrapolation from the bytes read so far, or zero
// when there is no telling.
func (p Progress) Estimate() (n int, exact bool) {
	switch {
	case p.Total > 0:
		return p.Total, true
	case p.Done:
		return p.Records, true
	case p.Size > 0 && p.Bytes > 0:
		return int(float64(p.Records) * float64(p.Size) / float64(p.Bytes)), false
	}
	return 0, false
}

// Problem is a bad record: where it is and why it was not imported.
type Problem struct {
	// Line is the record's line (JSON Lines), Path its JSON path in a
	// document ("accounts[0].pages[3]").
	Line int
	Path string
	// Account is the name of the record's account, if known.
	Account string
	Reason  string
}

func (p Problem) String() string {
	if p.Path != "" {
		return p.Path + ": " + p.Reason
	}
	return fmt.Sprintf("line %d: %s", p.Line, p.Reason)
}

// Count is how many things of a kind an import created, and how many it
// found there already and kept as they are.
type Count struct {
	Created, Kept int
}

// Password is the random password given to a new user who had no
// password_hash.
type Password struct {
	Email    string
	Password tokenwatch.Secret
}

// Report is what an import did.
type Report struct {
	Format Format
	// Records is how many records were read.
	Records                                        int
	Accounts, Locations, Users, Memberships, Pages Count
	// Bad is how many records were bad; Problems are the first of them.
	Bad      int
	Problems []Problem
	// NotImported are the accounts (by name) that Atomic left out because
	// of a bad record, and Skipped how many records they had.
	NotImported []string
	Skipped     int
	// Passwords are those given to new users without a password_hash; they
	// are shown nowhere else.
	Passwords []Password
}

// Import reads accounts, locations, users and pages from r and stores them
// (see the package comment). It returns what it did, also when it stops
// early with an error: an input it cannot read at all (not JSON, a
// document with a syntax error or something after it, found before
// anything is written), the database failing, or ctx ending.
func Import(ctx context.Context, r io.Reader, opts Options) (*Report, error) {
	if opts.Store == nil || opts.Connection == nil || opts.Providers == nil {
		return nil, errors.New("importer: Store, Connection and Providers are required")
	}
	if opts.PasswordCost == 0 {
		opts.PasswordCost = password.DefaultCost
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 500
	}
	if opts.MaxProblems <= 0 {
		opts.MaxProblems = 100
	}
	if opts.ProgressEvery <= 0 {
		opts.ProgressEvery = 1000
	}
	in, err := openInput(r)
	if err != nil {
		return nil, err
	}
	rep := &Report{Format: in.format}
	if !opts.Atomic && in.format == Lines {
		// One pass, straight from the input.
		imp := newRun(ctx, &opts, rep, Importing)
		return rep, imp.pass(in.source(), in.size, 0)
	}
	defer in.close()
	if err := in.rewindable(opts.TempDir); err != nil {
		return rep, err
	}

	// A first pass: nothing is written unless the whole document is
	// readable; with Atomic, every record is checked and the accounts
	// with a bad one are remembered.
	check := newRun(ctx, &opts, rep, Checking)
	check.syntaxOnly = !opts.Atomic
	src, err := in.rewind()
	if err != nil {
		return rep, err
	}
	if err := check.pass(src, in.size, 0); err != nil {
		return rep, err
	}
	imp := newRun(ctx, &opts, rep, Importing)
	if opts.Atomic {
		imp.skip, imp.skipAll = check.badAccounts, check.orphans
		rep.NotImported = check.badAccountNames()
	}
	if src, err = in.rewind(); err != nil {
		return rep, err
	}
	return rep, imp.pass(src, in.size, check.records)
}

// input is what Import reads, rewound for a second pass if need be.
type input struct {
	format Format
	br     *bufio.Reader
	// rs reads the input again from start; size is its size, zero when
	// unknown.
	rs    io.ReadSeeker
	start int64
	size  int64
	spool *os.File
}

const bufferSize = 64 << 10

// openInput detects the input's format, and whether it can seek (a file,
// also as standard input).
func openInput(r io.Reader) (*input, error) {
	in := &input{}
	if rs, ok := r.(io.ReadSeeker); ok {
		if start, err := rs.Seek(0, io.SeekCurrent); err == nil {
			if end, err := rs.Seek(0, io.SeekEnd); err == nil {
				if _, err := rs.Seek(start, io.SeekStart); err != nil {
					return nil, err
				}
				in.rs, in.start, in.size = rs, start, end-start
			}
		}
	}
	in.br = bufio.NewReaderSize(r, bufferSize)
	var err error
	in.format, err = detect(in.br)
	return in, err
}

// source reads the input once, from where openInput left it.
func (in *input) source() source {
	if in.format == Document {
		return newDocSource(in.br)
	}
	return &lineSource{r: in.br}
}

// rewindable makes sure the input can be read again: an input that
// cannot seek is copied to a temporary file.
func (in *input) rewindable(dir string) error {
	if in.rs != nil {
		return nil
	}
	f, err := os.CreateTemp(dir, "tokenwatch-import-*")
	if err != nil {
		return fmt.Errorf("spooling the input: %w", err)
	}
	in.spool = f
	n, err := io.Copy(f, in.br)
	if err != nil {
		return fmt.Errorf("spooling the input: %w", err)
	}
	in.rs, in.start, in.size = f, 0, n
	return nil
}

// rewind returns a source reading the input from its start.
func (in *input) rewind() (source, error) {
	if _, err := in.rs.Seek(in.start, io.SeekStart); err != nil {
		return nil, err
	}
	in.br.Reset(in.rs)
	return in.source(), nil
}

func (in *input) close() {
	if in.spool != nil {
		in.spool.Close()
		os.Remove(in.spool.Name())
	}
}
