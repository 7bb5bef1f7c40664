package tokenwatch

import (
	"fmt"
	"log/slog"
)

// Secret is a credential (an OAuth access or refresh token, a password, an
// API key) held in memory. Every way of printing it prints "[redacted]", so
// that a secret passed to a logger, a template or an error by mistake does not
// leak; Reveal is the one deliberate way to get the value.
type Secret struct{ v string }

// NewSecret wraps a credential.
func NewSecret(v string) Secret { return Secret{v: v} }

// Reveal returns the credential itself, for the one place that must send it.
func (s Secret) Reveal() string { return s.v }

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.v == "" }

// Equal reports whether two secrets hold the same value.
func (s Secret) Equal(o Secret) bool { return s.v == o.v }

const redacted = "[redacted]"

func (s Secret) String() string               { return redacted }
func (s Secret) GoString() string             { return redacted }
func (s Secret) LogValue() slog.Value         { return slog.StringValue(redacted) }
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// Format makes %v, %+v, %#v, %s and %q all print the redacted form.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", redacted)
		return
	}
	fmt.Fprint(f, redacted)
}
