package cli

import (
	"errors"
	"fmt"
	"testing"

	"github.com/tokenwatch/tokenwatch"
)

// A command's reason keeps the cause of an uncoded error (an operator
// reads it) and the safe message of a coded one.
func TestReason(t *testing.T) {
	t.Parallel()
	uncoded := fmt.Errorf("store: commit: %w", errors.New("disk I/O error (10)"))
	if got := reason(uncoded); got != "store: commit: disk I/O error (10)" {
		t.Errorf("reason(uncoded) = %q", got)
	}
	coded := tokenwatch.WrapError(tokenwatch.CodeConflict, errors.New("UNIQUE constraint failed"), "A user with this e-mail exists already")
	if got := reason(coded); got != "A user with this e-mail exists already" {
		t.Errorf("reason(coded) = %q", got)
	}
	if got := reason(errors.Join(errors.New("a"), errors.New("b"))); got != "a; b" {
		t.Errorf("reason of two errors = %q, want one line", got)
	}
}
