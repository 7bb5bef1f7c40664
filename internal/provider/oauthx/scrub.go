package oauthx

import (
	"regexp"
	"strings"
)

// sensitiveParams are the request parameters that carry a credential.
var sensitiveParams = map[string]bool{
	"access_token": true, "refresh_token": true, "input_token": true, "fb_exchange_token": true,
	"client_secret": true, "code": true, "code_verifier": true, "token": true, "id_token": true,
}

// credentialPattern finds credentials a message may quote even when the
// caller did not know them: a token parameter in a URL or a form, a JSON
// token field, an Authorization header value.
var credentialPattern = regexp.MustCompile(
	`(?i)((?:access_token|refresh_token|input_token|fb_exchange_token|client_secret|code_verifier|id_token)["']?\s*[=:]\s*["']?)[^&\s"',}]+` +
		`|((?:bearer|basic|oauth)\s+)[A-Za-z0-9\-._~+/|=]{8,}`)

// Scrub returns s with every given secret and anything that looks like a
// credential replaced by "[redacted]". Every occurrence of every secret is
// found in s as given, and each stretch they cover, overlapping or
// adjacent, becomes one mark: replacing one secret after another would
// leave the rest of a secret that overlaps one replaced before.
func Scrub(s string, secrets ...string) string {
	var covered []bool
	for _, v := range secrets {
		if len(v) < 4 {
			continue
		}
		for i := 0; i+len(v) <= len(s); {
			j := strings.Index(s[i:], v)
			if j < 0 {
				break
			}
			if covered == nil {
				covered = make([]bool, len(s))
			}
			for k := i + j; k < i+j+len(v); k++ {
				covered[k] = true
			}
			i += j + 1
		}
	}
	if covered != nil {
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			switch {
			case !covered[i]:
				b.WriteByte(s[i])
			case i == 0 || !covered[i-1]:
				b.WriteString("[redacted]")
			}
		}
		s = b.String()
	}
	return credentialPattern.ReplaceAllString(s, "$1$2[redacted]")
}
