package importer

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse feeds the import's reader any bytes, as a JSON Lines file or a
// JSON document: it never panics; every record it hands on either says
// why it is bad or is one of the four kinds with its fields; JSON Lines
// records come in line order; a reason is valid UTF-8 and short, and never
// echoes a password hash given in the input.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		`{"type":"account","name":"Acme"}` + "\n" + `{"type":"location","account":"Acme","name":"Paris","time_zone":"Europe/Paris"}`,
		`{"type":"user","account":"Acme","email":"a@acme.test","password_hash":"$2a$10$abcdefghijklmnopqrstuv"}`,
		`{"type":"page","account":"Acme","location":"Paris","provider":"facebook","provider_page_id":"1","name":"P","access_token":"EAAtoken"}`,
		`{"accounts":[{"name":"Acme","locations":[{"name":"Paris"}],"users":[],"pages":[]}]}`,
		`{"accounts":[{"name":"Acme"}]} trailing`,
		"{\"type\":\"account\",\"name\":\"\xff\"}\n\n  \n{",
		`[1,2,3]`,
		"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := openInput(bytes.NewReader(data))
		if err != nil {
			return // not JSON at all: refused before anything is read
		}
		last := 0
		_ = in.source().each(func(r *record) error {
			switch {
			case r.bad != "":
				if !utf8.ValidString(r.bad) || len(r.bad) > 2000 {
					t.Fatalf("a reason that is not short, valid text: %q", r.bad)
				}
				if strings.Contains(r.bad, "$2a$10$") {
					t.Fatalf("a reason echoes a password hash: %q", r.bad)
				}
			case r.kind == kindAccount && r.acct == nil, r.kind == kindLocation && r.loc == nil,
				r.kind == kindUser && r.user == nil, r.kind == kindPage && r.page == nil:
				t.Fatalf("a %s record without its fields", r.kind)
			case r.kind != kindAccount && r.kind != kindLocation && r.kind != kindUser && r.kind != kindPage:
				t.Fatalf("a record of no kind and no reason: %+v", r)
			}
			if in.format == Lines {
				if r.line <= last {
					t.Fatalf("line %d after line %d", r.line, last)
				}
				last = r.line
			}
			return nil
		})
	})
}
