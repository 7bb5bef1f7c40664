// Package password hashes and verifies user passwords with bcrypt.
package password

import (
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"github.com/tokenwatch/tokenwatch"
)

// DefaultCost is the bcrypt cost for new hashes (about 250 ms on a server
// core: slow for guessing, fine for signing in).
const DefaultCost = 12

// MinLength is the shortest password a person may choose.
const MinLength = 8

// Check returns a user-safe error when a new password is not acceptable.
func Check(pw string) error {
	switch n := utf8.RuneCountInString(pw); {
	case n < MinLength:
		return tokenwatch.Errorf(tokenwatch.CodeInvalid, "A password needs at least %d characters.", MinLength)
	case len(pw) > 72:
		// bcrypt ignores what comes after 72 bytes.
		return tokenwatch.Errorf(tokenwatch.CodeInvalid, "A password may have at most 72 bytes.")
	}
	return nil
}

// Hash returns the bcrypt hash of a password at the given cost.
func Hash(pw string, cost int) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), cost)
	return string(h), err
}

// Verify reports whether pw matches hash. A malformed hash does not match.
func Verify(hash, pw string) bool {
	err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw))
	return err == nil
}
