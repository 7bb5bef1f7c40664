package password

import (
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func TestHashVerify(t *testing.T) {
	t.Parallel()
	h, err := Hash("correct horse", bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if !Verify(h, "correct horse") {
		t.Error("the right password does not verify")
	}
	if Verify(h, "wrong horse") || Verify("not a hash", "correct horse") {
		t.Error("a wrong password or a malformed hash verifies")
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	for pw, ok := range map[string]bool{"short": false, "long enough": true, string(make([]byte, 80)): false} {
		if got := Check(pw) == nil; got != ok {
			t.Errorf("Check(%d chars) ok = %v, want %v", len(pw), got, ok)
		}
	}
}
