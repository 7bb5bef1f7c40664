package cli_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/cli"
	"github.com/tokenwatch/tokenwatch/internal/sandbox"
)

// tokenwatch doctor against the sandbox: with the apps' right secrets every
// check passes; with a wrong one, the app's credentials fail and the
// command exits non-zero; a retired API version fails too.
func TestDoctor(t *testing.T) {
	t.Parallel()
	sb, err := sandbox.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	base := "https://tokenwatch.test"
	vars := map[string]string{"TOKENWATCH_BASE_URL": base}
	for _, p := range []tokenwatch.Provider{tokenwatch.LinkedIn, tokenwatch.X, tokenwatch.Facebook, tokenwatch.TikTok} {
		sb.AddApp(p, sandbox.App{ClientID: "tw-" + string(p), ClientSecret: "secret-of-" + string(p),
			RedirectURIs: []string{base + "/oauth/" + string(p) + "/callback"}})
		prefix := "TOKENWATCH_" + strings.ToUpper(string(p))
		vars[prefix+"_CLIENT_ID"] = "tw-" + string(p)
		vars[prefix+"_CLIENT_SECRET"] = "secret-of-" + string(p)
		vars[prefix+"_BASE_URL"] = sb.BaseURL(p)
	}
	run := func(change map[string]string) (string, error) {
		v := map[string]string{}
		for k, x := range vars {
			v[k] = x
		}
		for k, x := range change {
			v[k] = x
		}
		env, stdout, _ := testEnv(v)
		err := cli.Run(context.Background(), []string{"doctor"}, env)
		return stdout.String(), err
	}
	out, err := run(nil)
	if err != nil || strings.Contains(out, "FAILED") {
		t.Fatalf("doctor with the right secrets: %v\n%s", err, out)
	}
	for _, want := range []string{"LinkedIn", "X", "Facebook", "TikTok", "app credentials", "redirect URI", "API version 202603"} {
		if !strings.Contains(out, want) {
			t.Errorf("the table lacks %q:\n%s", want, out)
		}
	}
	out, err = run(map[string]string{"TOKENWATCH_LINKEDIN_CLIENT_SECRET": "rotated-meanwhile"})
	if err == nil || !strings.Contains(err.Error(), "1 check failed") {
		t.Errorf("doctor with a wrong LinkedIn secret: %v\n%s", err, out)
	}
	if line := lineWith(out, "LinkedIn", "app credentials"); !strings.Contains(line, "FAILED") || !strings.Contains(line, "client id and secret") {
		t.Errorf("LinkedIn's credentials row: %q", line)
	}
	if strings.Contains(out, "rotated-meanwhile") {
		t.Error("the doctor prints the secret")
	}
	out, err = run(map[string]string{"TOKENWATCH_LINKEDIN_API_VERSION": "202511"})
	if err == nil || !strings.Contains(lineWith(out, "LinkedIn", "API version 202511"), "FAILED") {
		t.Errorf("doctor with a retired LinkedIn version: %v\n%s", err, out)
	}
}

func lineWith(out string, words ...string) string {
	for _, l := range strings.Split(out, "\n") {
		all := true
		for _, w := range words {
			all = all && strings.Contains(l, w)
		}
		if all {
			return l
		}
	}
	return ""
}
