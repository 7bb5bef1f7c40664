package importer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/tokenwatch/tokenwatch"
)

// Format is how an input is written.
type Format string

// The formats Import reads.
const (
	// Document is one JSON object {"accounts": [...]}, each account with
	// its locations, users and pages.
	Document Format = "JSON document"
	// Lines is JSON Lines: one record per line, each naming its type and
	// its account.
	Lines Format = "JSON Lines"
)

// The fields of each kind of record, the same in both formats.

type accountFields struct {
	Name            string `json:"name"`
	AlertThresholds string `json:"alert_thresholds"`
}

type locationFields struct {
	Name     string `json:"name"`
	TimeZone string `json:"time_zone"`
}

type userFields struct {
	Email        string                     `json:"email"`
	Name         string                     `json:"name"`
	AccountOwner bool                       `json:"account_owner"`
	PasswordHash string                     `json:"password_hash"`
	Roles        map[string]tokenwatch.Role `json:"roles"`
}

type pageFields struct {
	Location            string              `json:"location"`
	Provider            tokenwatch.Provider `json:"provider"`
	ProviderPageID      string              `json:"provider_page_id"`
	Name                string              `json:"name"`
	ConnectedBy         string              `json:"connected_by"`
	ProviderUserID      string              `json:"provider_user_id"`
	ProviderUserName    string              `json:"provider_user_name"`
	Scopes              []string            `json:"scopes"`
	AccessToken         string              `json:"access_token"`
	RefreshToken        string              `json:"refresh_token"`
	AccessExpiresAt     *time.Time          `json:"access_expires_at"`
	RefreshExpiresAt    *time.Time          `json:"refresh_expires_at"`
	DataAccessExpiresAt *time.Time          `json:"data_access_expires_at"`
}

// docAccount is an element of a document's accounts; its own elements are
// read one by one, so that a bad one is reported alone.
type docAccount struct {
	accountFields
	Locations []json.RawMessage `json:"locations"`
	Users     []json.RawMessage `json:"users"`
	Pages     []json.RawMessage `json:"pages"`
}

// The records of JSON Lines: the fields of their kind, with the type and
// the account.
type (
	lineHead struct {
		Type    string `json:"type"`
		Account string `json:"account"`
		Name    string `json:"name"`
	}
	lineAccount struct {
		Type string `json:"type"`
		accountFields
	}
	lineLocation struct {
		Type    string `json:"type"`
		Account string `json:"account"`
		locationFields
	}
	lineUser struct {
		Type    string `json:"type"`
		Account string `json:"account"`
		userFields
	}
	linePage struct {
		Type    string `json:"type"`
		Account string `json:"account"`
		pageFields
	}
)

type kind string

const (
	kindAccount  kind = "account"
	kindLocation kind = "location"
	kindUser     kind = "user"
	kindPage     kind = "page"
)

// record is one account, location, user or page read from the input.
type record struct {
	kind kind
	// line is the record's line (JSON Lines); path its JSON path (document).
	line int
	path string
	// account is the name of the account the record belongs to (an
	// account's own name); orphan says there is no telling which.
	account string
	orphan  bool
	// bad says why the record cannot be read, if it cannot.
	bad string

	acct *accountFields
	loc  *locationFields
	user *userFields
	page *pageFields
}

// where names the record's place in the input.
func (r *record) where() string {
	if r.path != "" {
		return r.path
	}
	return fmt.Sprintf("line %d", r.line)
}

// source reads an input's records in order.
type source interface {
	// each calls fn with each record and stops at fn's first error or at
	// the first error of the input that makes the rest unreadable.
	each(fn func(*record) error) error
	// offset is how many bytes of the input were read.
	offset() int64
}

// detect tells the format from the start of the input: a JSON document's
// first member is "accounts" (or it has none); any other object starts JSON
// Lines.
func detect(br *bufio.Reader) (Format, error) {
	b, err := br.Peek(br.Size())
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return "", err
	}
	b = bytes.TrimLeft(b, " \t\r\n")
	switch {
	case len(b) == 0:
		return "", tokenwatch.Errorf(tokenwatch.CodeInvalid, "the input is empty")
	case b[0] != '{':
		return "", tokenwatch.Errorf(tokenwatch.CodeInvalid, "the input is neither a JSON document nor JSON Lines: it does not start with {")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	_, _ = dec.Token()
	switch tok, _ := dec.Token(); tok {
	case "accounts", json.Delim('}'):
		return Document, nil
	}
	return Lines, nil
}

// maxLine bounds a line of JSON Lines: a longer one is a bad line, and
// memory stays bounded whatever the input.
const maxLine = 1 << 20

// lineSource reads JSON Lines.
type lineSource struct {
	r    *bufio.Reader
	read int64
	buf  []byte
}

func (s *lineSource) offset() int64 { return s.read }

func (s *lineSource) each(fn func(*record) error) error {
	for n := 1; ; n++ {
		line, tooLong, err := s.next()
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		if rec := parseLine(n, line, tooLong); rec != nil {
			if err := fn(rec); err != nil {
				return err
			}
		}
		if err != nil {
			return nil
		}
	}
}

// next returns the next line without its end, and whether it was cut at
// maxLine; io.EOF after the last one.
func (s *lineSource) next() (line []byte, tooLong bool, err error) {
	s.buf = s.buf[:0]
	for {
		chunk, err := s.r.ReadSlice('\n')
		s.read += int64(len(chunk))
		if len(s.buf)+len(chunk) <= maxLine {
			s.buf = append(s.buf, chunk...)
		} else {
			tooLong = true
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err == nil || (errors.Is(err, io.EOF) && len(s.buf) > 0) {
			return bytes.TrimRight(s.buf, "\r\n"), tooLong, err
		}
		return nil, tooLong, err
	}
}

// parseLine reads line n; a blank line is no record.
func parseLine(n int, line []byte, tooLong bool) *record {
	rec := &record{line: n}
	if tooLong {
		rec.bad, rec.orphan = fmt.Sprintf("longer than %d bytes", maxLine), true
		return rec
	}
	if len(bytes.TrimSpace(line)) == 0 {
		return nil
	}
	var head lineHead
	headErr := json.Unmarshal(line, &head)
	var syntax *json.SyntaxError
	if errors.As(headErr, &syntax) {
		rec.bad, rec.orphan = "not a JSON object: "+jsonReason(headErr), true
		return rec
	}
	rec.kind, rec.account = kind(head.Type), head.Account
	var err error
	switch rec.kind {
	case kindAccount:
		var v lineAccount
		err = strictUnmarshal(line, &v)
		rec.acct, rec.account = &v.accountFields, v.Name
	case kindLocation:
		var v lineLocation
		err = strictUnmarshal(line, &v)
		rec.loc = &v.locationFields
	case kindUser:
		var v lineUser
		err = strictUnmarshal(line, &v)
		rec.user = &v.userFields
	case kindPage:
		var v linePage
		err = strictUnmarshal(line, &v)
		rec.page = &v.pageFields
	default:
		switch {
		case headErr != nil:
			err = headErr
		case head.Type == "":
			err = errors.New("type is missing (account, location, user or page)")
		default:
			err = fmt.Errorf("type %s is not account, location, user or page", quoteWord(head.Type))
		}
	}
	if rec.kind == kindAccount {
		rec.account = head.Name
	}
	if err != nil {
		rec.bad = jsonReason(err)
	}
	if rec.kind != kindAccount && strings.TrimSpace(rec.account) == "" {
		rec.orphan = true
		if rec.bad == "" {
			rec.bad = "account is missing"
		}
	}
	return rec
}

// strictUnmarshal decodes one JSON value, refusing unknown fields and
// anything after the value.
func strictUnmarshal(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("more than one JSON value")
	}
	return nil
}

// jsonReason says what is wrong with a JSON value in the file's terms (not
// in Go's).
func jsonReason(err error) string {
	var (
		typ    *json.UnmarshalTypeError
		syntax *json.SyntaxError
		tm     *time.ParseError
	)
	switch {
	case errors.As(err, &typ):
		if typ.Field == "" {
			return fmt.Sprintf("want %s, not %s", jsonKind(typ.Type), typ.Value)
		}
		return fmt.Sprintf("%s: want %s, not %s", typ.Field, jsonKind(typ.Type), typ.Value)
	case errors.As(err, &tm):
		return fmt.Sprintf("%q is not a time such as 2027-01-20T00:00:00Z", tm.Value)
	case errors.As(err, &syntax) && strings.Contains(syntax.Error(), "unexpected end"):
		return "the JSON value is cut short"
	case errors.As(err, &syntax):
		return fmt.Sprintf("%s (at byte %d)", strings.TrimPrefix(syntax.Error(), "json: "), syntax.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the JSON value is cut short"
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

func jsonKind(t reflect.Type) string {
	if t == reflect.TypeFor[time.Time]() {
		return "a time"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return "a number"
}

// docSource reads a JSON document one account at a time.
type docSource struct {
	dec *json.Decoder
	in  *failReader
}

func newDocSource(r io.Reader) *docSource {
	in := &failReader{r: r}
	dec := json.NewDecoder(in)
	dec.DisallowUnknownFields()
	return &docSource{dec: dec, in: in}
}

// failReader remembers its reader's failure, which the decoder would
// otherwise pass off as the document's.
type failReader struct {
	r   io.Reader
	err error
}

func (f *failReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		f.err = err
	}
	return n, err
}

func (s *docSource) offset() int64 { return s.dec.InputOffset() }

// errNoAccounts is a document without accounts.
var errNoAccounts = tokenwatch.Errorf(tokenwatch.CodeInvalid, "the document has no accounts")

func (s *docSource) each(fn func(*record) error) error {
	if err := s.delim('{'); err != nil {
		return err
	}
	accounts := 0
	for s.dec.More() {
		tok, err := s.dec.Token()
		if err != nil {
			return s.fatal(err)
		}
		if key, _ := tok.(string); key != "accounts" {
			var skip json.RawMessage
			if err := s.dec.Decode(&skip); err != nil {
				return s.fatal(err)
			}
			if err := fn(&record{path: fmt.Sprint(tok), orphan: true, bad: fmt.Sprintf("unknown field %q", tok)}); err != nil {
				return err
			}
			continue
		}
		tok, err = s.dec.Token()
		if err != nil {
			return s.fatal(err)
		}
		if tok == nil {
			continue // "accounts": null
		}
		if tok != json.Delim('[') {
			return tokenwatch.Errorf(tokenwatch.CodeInvalid, "the document's accounts are not a list")
		}
		for ; s.dec.More(); accounts++ {
			if err := s.account(accounts, fn); err != nil {
				return err
			}
		}
		if err := s.delim(']'); err != nil {
			return err
		}
	}
	if err := s.delim('}'); err != nil {
		return err
	}
	if _, err := s.dec.Token(); !errors.Is(err, io.EOF) {
		return tokenwatch.Errorf(tokenwatch.CodeInvalid, "there is more after the JSON document (at byte %d)", s.dec.InputOffset())
	}
	if accounts == 0 {
		return errNoAccounts
	}
	return nil
}

// account reads the i-th account and passes on its records: the account,
// then its locations, users and pages. The elements of an account that
// cannot be read, or has no name, are not read: the account's problem
// covers them.
func (s *docSource) account(i int, fn func(*record) error) error {
	var a docAccount
	path := fmt.Sprintf("accounts[%d]", i)
	rec := &record{kind: kindAccount, path: path, acct: &a.accountFields}
	if err := s.dec.Decode(&a); err != nil {
		var syntax *json.SyntaxError
		if s.in.err != nil || errors.As(err, &syntax) || errors.Is(err, io.ErrUnexpectedEOF) {
			return s.fatal(err)
		}
		rec.bad = jsonReason(err)
	}
	rec.account = a.Name
	if err := fn(rec); err != nil || rec.bad != "" || strings.TrimSpace(a.Name) == "" {
		return err
	}
	if err := elements(path+".locations", a.Name, kindLocation, a.Locations, func(r *record, v *locationFields) { r.loc = v }, fn); err != nil {
		return err
	}
	if err := elements(path+".users", a.Name, kindUser, a.Users, func(r *record, v *userFields) { r.user = v }, fn); err != nil {
		return err
	}
	return elements(path+".pages", a.Name, kindPage, a.Pages, func(r *record, v *pageFields) { r.page = v }, fn)
}

// elements passes on the records of one list of an account's elements.
func elements[T any](path, account string, k kind, raws []json.RawMessage, set func(*record, *T), fn func(*record) error) error {
	for i, raw := range raws {
		rec := &record{kind: k, path: fmt.Sprintf("%s[%d]", path, i), account: account}
		v := new(T)
		if err := strictUnmarshal(raw, v); err != nil {
			rec.bad = jsonReason(err)
		}
		set(rec, v)
		if err := fn(rec); err != nil {
			return err
		}
	}
	return nil
}

func (s *docSource) delim(want json.Delim) error {
	tok, err := s.dec.Token()
	if err != nil {
		return s.fatal(err)
	}
	if tok != want {
		return tokenwatch.Errorf(tokenwatch.CodeInvalid, "the JSON document has %v where %v belongs (at byte %d)", tok, want, s.dec.InputOffset())
	}
	return nil
}

// fatal explains an error that leaves the rest of the document unreadable:
// the document's (invalid), or the reader's.
func (s *docSource) fatal(err error) error {
	var syntax *json.SyntaxError
	switch {
	case s.in.err != nil:
		return s.in.err
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return tokenwatch.Errorf(tokenwatch.CodeInvalid, "the JSON document is cut short")
	case errors.As(err, &syntax):
		return tokenwatch.Errorf(tokenwatch.CodeInvalid, "the JSON document is not valid: %s", jsonReason(err))
	}
	return err
}

// quoteWord quotes a value from the file in a reason only when it looks
// like a word (at most 32 letters, digits, "_" or "-"): anything else may
// be a secret put in the wrong field, and reasons are printed and logged.
func quoteWord(v string) string {
	if v == "" || len(v) > 32 || strings.IndexFunc(v, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-')
	}) >= 0 {
		return "(not shown: not a word)"
	}
	return strconv.Quote(v)
}
