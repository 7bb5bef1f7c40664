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

// A link to a published post comes from a network's answer: only an
// absolute http(s) URL is kept and shown.
func TestPostURLOK(t *testing.T) {
	for raw, want := range map[string]bool{
		"https://www.facebook.com/FacebookforDevelopers/posts/10153449196353553": true,
		"https://www.threads.net/@threadsapitestuser/post/abcdefg":               true,
		"http://127.0.0.1:8080/sandbox/youtube/watch?v=Ks-_Mh1QhMc":              true,
		"HTTPS://X.COM/demobakery/status/1445880548472328192":                    true,
		"":                                   false,
		"javascript:alert(1)":                false,
		"JavaScript:alert(document.cookie)":  false,
		"data:text/html,<script>x</script>":  false,
		"vbscript:msgbox":                    false,
		"//evil.example/post":                false,
		"/pages/1":                           false,
		"https://":                           false,
		"https://user:pass@x.com/a/status/1": false,
		"https://x.com/a b":                  false,
		"https://x.com/a\n":                  false,
		"ftp://files.example/post":           false,
		"https://x.com/" + strings.Repeat("a", tokenwatch.MaxPostURL): false,
	} {
		if got := tokenwatch.PostURLOK(raw); got != want {
			t.Errorf("PostURLOK(%q) = %v, want %v", raw, got, want)
		}
	}
}
