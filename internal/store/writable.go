package store

import (
	"context"
	"fmt"
	"time"

	"github.com/tokenwatch/tokenwatch"
)

// diskFullMessage is what a person is told when a write fails for want of
// space: the service, not their request, is the problem.
const diskFullMessage = "tokenwatch cannot save anything at the moment: its database has no space left. Try again later; if this lasts, tell whoever runs tokenwatch."

// fullFor is how long after a write failed for want of space the database
// counts as not writable (Writable), unless the failure repeats.
const fullFor = time.Minute

// writeError turns a write that failed for want of space into an
// unavailable error with a message a person can read, and remembers when
// it happened; any other error passes unchanged.
func (s *Store) writeError(err error) error {
	if err == nil || tokenwatch.ErrorCode(err) == tokenwatch.CodeUnavailable || !s.eng.isDiskFull(err) {
		return err
	}
	s.full.Store(time.Now().UnixNano())
	return tokenwatch.WrapError(tokenwatch.CodeUnavailable, err, diskFullMessage)
}

// Writable reports, for the readiness check, whether the database can take
// writes: not if one failed for want of space within the last minute, nor,
// for SQLite, while the disk that holds the file has less than
// Options.MinFreeSpace left.
func (s *Store) Writable(ctx context.Context) error {
	if at := s.full.Load(); at != 0 && time.Since(time.Unix(0, at)) < fullFor {
		return tokenwatch.Errorf(tokenwatch.CodeUnavailable, "a write failed for want of space at %s: the database's disk is full",
			time.Unix(0, at).UTC().Format(time.RFC3339))
	}
	if free, ok := s.eng.freeSpace(); ok && free < s.minFree {
		return tokenwatch.Errorf(tokenwatch.CodeUnavailable, "%s left on the disk that holds the database, less than the %s it needs",
			mebibytes(free), mebibytes(s.minFree))
	}
	return ctx.Err()
}

func mebibytes(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
