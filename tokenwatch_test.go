package tokenwatch_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/tokenwatch/tokenwatch"
)

func TestSecretNeverPrints(t *testing.T) {
	t.Parallel()
	s := tokenwatch.NewSecret("EAAG-very-secret")
	creds := tokenwatch.Credentials{AccessToken: s, RefreshToken: s}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("refresh", "token", s, "creds", creds)
	j, _ := json.Marshal(creds)
	for _, out := range []string{
		fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s %q", s, s, s, s, s), fmt.Sprintf("%+v %#v", creds, creds),
		logged.String(), string(j), fmt.Errorf("failed with %v", s).Error(),
	} {
		if strings.Contains(out, "very-secret") {
			t.Errorf("secret printed: %s", out)
		}
	}
	if s.Reveal() != "EAAG-very-secret" {
		t.Error("Reveal does not return the secret")
	}
}

func TestErrorCodesAndMessages(t *testing.T) {
	t.Parallel()
	cause := errors.New("UNIQUE constraint failed: users.email")
	err := fmt.Errorf("creating user: %w", tokenwatch.WrapError(tokenwatch.CodeConflict, cause, "A user with this address exists already."))
	if tokenwatch.ErrorCode(err) != tokenwatch.CodeConflict || tokenwatch.ErrorMessage(err) != "A user with this address exists already." {
		t.Errorf("code %q, message %q", tokenwatch.ErrorCode(err), tokenwatch.ErrorMessage(err))
	}
	if !errors.Is(err, cause) || !errors.Is(err, &tokenwatch.Error{Code: tokenwatch.CodeConflict}) {
		t.Error("errors.Is does not see the cause or the code")
	}
	plain := errors.New("pq: connection refused to 10.0.0.3")
	if tokenwatch.ErrorCode(plain) != tokenwatch.CodeInternal || tokenwatch.ErrorMessage(plain) != "Internal error" {
		t.Error("an unexpected error is not shown as Internal error")
	}
	if tokenwatch.ErrorCode(nil) != "" || tokenwatch.ErrorMessage(nil) != "" {
		t.Error("nil has a code or a message")
	}
}

func TestStates(t *testing.T) {
	t.Parallel()
	for _, s := range tokenwatch.States {
		if s.IsIssue() == (s == tokenwatch.StateHealthy) {
			t.Errorf("%s: IsIssue = %v", s, s.IsIssue())
		}
	}
	if tokenwatch.StateRevoked.Severity() <= tokenwatch.StateExpiring.Severity() {
		t.Error("revoked is not worse than expiring")
	}
	if tokenwatch.StateExpired.Publishable() || !tokenwatch.StateExpiring.Publishable() {
		t.Error("publishability is wrong")
	}
}
