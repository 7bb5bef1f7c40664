package cli_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokenwatch/tokenwatch/internal/cli"
	"github.com/tokenwatch/tokenwatch/internal/keyring"
)

// An endpoint on this machine, the private network or a link-local address
// (a cloud's metadata service) is refused when it is registered, unless the
// operator allows private targets.
func TestWebhookAddRefusesPrivateTargets(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "tw.db")
	vars := map[string]string{"TOKENWATCH_DATABASE_URL": db, "TOKENWATCH_SECRET_KEY": keyring.Generate()}
	env, _, _ := testEnv(vars)
	env.Stdin = strings.NewReader("a long password\n")
	if err := cli.Run(context.Background(), []string{"user", "add", "--account", "Acme", "--email", "a@acme.test", "--password-stdin"}, env); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"http://127.0.0.1:9000/hook", "http://localhost/hook", "http://169.254.169.254/latest", "http://10.0.0.7/hook", "http://[::1]:80/"} {
		env, stdout, _ := testEnv(vars)
		err := cli.Run(context.Background(), []string{"webhook", "add", "--account", "Acme", "--url", u}, env)
		if err == nil || !strings.Contains(err.Error(), "public internet") || strings.Contains(stdout.String(), "whsec_") {
			t.Errorf("webhook add %s: %v, want a refusal", u, err)
		}
	}
	vars["TOKENWATCH_WEBHOOK_ALLOW_PRIVATE"] = "true"
	env, stdout, _ := testEnv(vars)
	if err := cli.Run(context.Background(), []string{"webhook", "add", "--account", "Acme", "--url", "http://10.0.0.7/hook"}, env); err != nil ||
		!strings.Contains(stdout.String(), "whsec_") {
		t.Errorf("webhook add with private targets allowed: %v", err)
	}
}
