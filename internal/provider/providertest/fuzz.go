package providertest

import (
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/oauthx"
)

// fuzzBodies are the seeds of FuzzTriage: every family of error body the
// networks send, with TOKEN and SECRET where a network may quote a
// credential back (the fuzzer puts its own token and secret there).
var fuzzBodies = []string{
	"", "<html>502 Bad Gateway</html>", "not json", "null", "[]", `"TOKEN"`,
	`{"error":"invalid_grant","error_description":"The refresh token TOKEN is invalid"}`,
	`error=invalid_client&error_description=client_secret%3DSECRET+is+wrong`,
	`{"error":"invalid_request","error_description":"Bearer TOKEN was refused"}`,
	`{"error":{"message":"Error validating access token: TOKEN has expired","type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"A1"}}`,
	`{"error":{"message":"(#4) Application request limit reached","type":"OAuthException","code":4,"is_transient":true}}`,
	`{"error":{"message":"Invalid OAuth access token - Cannot parse access token","code":190}}`,
	`{"error":{"message":"(#200) TOKEN lacks pages_manage_posts","code":200}}`,
	`{"error":{"code":401,"message":"Request had invalid authentication credentials. Expected OAuth 2 access token TOKEN","status":"UNAUTHENTICATED"}}`,
	`{"error":{"code":429,"message":"Quota exceeded for quota metric","status":"RESOURCE_EXHAUSTED","details":[{"reason":"RATE_LIMIT_EXCEEDED"}]}}`,
	`{"error":{"code":403,"message":"The caller does not have permission","status":"PERMISSION_DENIED","errors":[{"reason":"quotaExceeded"}]}}`,
	`{"serviceErrorCode":65601,"message":"The token used in the request has been revoked by the user: TOKEN","status":401}`,
	`{"status":403,"serviceErrorCode":100,"code":"ACCESS_DENIED","message":"Not enough permissions to access: SECRET"}`,
	`{"status":426,"code":"NONEXISTENT_VERSION","message":"Requested version 20200101 is not active"}`,
	`{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized TOKEN"}`,
	`{"errors":[{"message":"Your credits are depleted","code":402}],"title":"CreditsDepleted"}`,
	`{"error":"invalid_request","error_description":"Value passed for the token was invalid: TOKEN"}`,
	`{"data":{},"error":{"code":"access_token_invalid","message":"The access token TOKEN is invalid or not found","log_id":"2024"}}`,
	`{"error":{"code":"rate_limit_exceeded","message":"too many requests"}}`,
	`{"error":"invalid_client","error_description":"Client key or secret SECRET is incorrect.","log_id":"1"}`,
	`{"code":2,"message":"Authentication failed: TOKEN"}`,
	`{"code":29,"message":"You have exceeded your rate limit. Try again later."}`,
	`{"code":3,"message":"Authorization failed.","status":"failure"}`,
}

// FuzzTriage fuzzes a network's error triage as every call meets it,
// through oauthx.Client.Fail: for any status and body, and a token and a
// secret the call held (quoted in the body wherever the seeds say TOKEN
// and SECRET, and wherever the fuzzer puts them), Fail never panics, always
// says something, never lets the token or the secret through in the
// message, the code or the action, keeps the message valid UTF-8 and short,
// and never calls a 5xx anything but transient, nor a 429 anything but
// transient or (when the network's own words say so) a service problem.
// A network with several triages (one per host) passes them all.
func FuzzTriage(f *testing.F, triages ...oauthx.Triage) {
	for i, body := range fuzzBodies {
		for _, status := range []int{400, 401, 403, 404, 429, 500, 503, 529} {
			f.Add(uint8(i), status, []byte(body), "EAAGm0PX4ZCpsBAKZAZBx0TokenValue", "app-secret-0123456789abcdef")
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, status int, body []byte, token, secret string) {
		if status < 100 || status > 599 {
			status = 100 + (status%500+500)%500
		}
		triage := triages[int(which)%len(triages)]
		var credentials []string
		for _, c := range []string{token, secret} {
			if credential(c) {
				credentials = append(credentials, c)
			}
		}
		if len(credentials) > 0 {
			body = []byte(strings.NewReplacer("TOKEN", credentials[0], "SECRET", credentials[len(credentials)-1]).Replace(string(body)))
		}
		e := oauthx.NewClient("fuzz", provider.Config{}, triage).Fail(status, http.Header{}, body, credentials...)
		if e == nil || e.Message == "" {
			t.Fatalf("%d %q: no error, or no message: %+v", status, body, e)
		}
		for _, c := range credentials {
			for field, v := range map[string]string{"message": e.Message, "code": e.Code, "action": e.Action} {
				if strings.Contains(v, c) {
					t.Fatalf("%d %q: the %s %q holds the credential %q", status, body, field, v, c)
				}
			}
		}
		if !utf8.ValidString(e.Message) || !utf8.ValidString(e.Code) || len(e.Message) > 300+len("…") || len(e.Code) > 80+len("…") {
			t.Fatalf("%d %q: message %q, code %q: not valid UTF-8, or too long", status, body, e.Message, e.Code)
		}
		switch {
		case status >= 500 && e.Class != tokenwatch.ClassTransient:
			t.Fatalf("%d %q: class %s, want transient", status, body, e.Class)
		case status == http.StatusTooManyRequests && e.Class != tokenwatch.ClassTransient && e.Class != tokenwatch.ClassService:
			t.Fatalf("%d %q: class %s, want transient or service", status, body, e.Class)
		}
	})
}

// credential reports whether s looks like a token or a secret, as the
// property needs it: long enough for oauthx.Scrub to look for it, made of
// the characters tokens are made of, and not a word of Scrub's own mark.
func credential(s string) bool {
	if len(s) < 8 || strings.Contains("[redacted]", s) {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-._~+/=|", r)) {
			return false
		}
	}
	return true
}
