package api

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tokenwatch/tokenwatch"
	apidoc "github.com/tokenwatch/tokenwatch/api"
)

func openapiJSON() ([]byte, error) { return apidoc.JSON() }

// problem is an error answered as RFC 9457 problem details, with a code
// that callers branch on and the offending field.
type problem struct {
	status int
	code   string
	detail string
	field  string
	errs   []fieldError
	// For a page a person must reconnect.
	state        tokenwatch.State
	deadline     time.Time
	reconnectURL string
	retryAfter   int
}

type fieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (p *problem) Error() string { return p.detail }

// invalid is a bad field of a request.
func invalid(field, detail string) *problem {
	return &problem{status: http.StatusBadRequest, code: "invalid", field: field, detail: detail}
}

// problemStatus is the status an error is answered with.
func problemStatus(err error) int {
	var p *problem
	if errors.As(err, &p) {
		return p.status
	}
	return tokenwatch.HTTPStatus(err)
}

// writeProblem answers err: a *problem as it is, a tokenwatch error by its
// code, anything else as an internal error that says nothing more.
func writeProblem(w http.ResponseWriter, err error) {
	var p *problem
	if !errors.As(err, &p) {
		p = &problem{status: tokenwatch.HTTPStatus(err), code: string(tokenwatch.ErrorCode(err)), detail: tokenwatch.ErrorMessage(err)}
	}
	body := Problem{Type: "about:blank", Title: http.StatusText(p.status), Status: p.status, Code: ProblemCode(p.code), Detail: p.detail}
	if p.code != "" && p.code != "internal" {
		body.Type = "https://tokenwatch.invalid/problems/" + p.code
	}
	if p.field != "" {
		body.Field = &p.field
	}
	if len(p.errs) > 0 {
		errs := make([]struct {
			Field   string `json:"field"`
			Message string `json:"message"`
		}, len(p.errs))
		for i, e := range p.errs {
			errs[i].Field, errs[i].Message = e.Field, e.Message
		}
		body.Errors = &errs
	}
	if p.state != "" {
		st := State(p.state)
		body.State = &st
		body.ReconnectUrl = &p.reconnectURL
		body.Deadline = timePtr(p.deadline)
	}
	if p.retryAfter > 0 {
		body.RetryAfter = &p.retryAfter
		w.Header().Set("Retry-After", strconv.Itoa(p.retryAfter))
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.status)
	json.NewEncoder(w).Encode(body)
}

// paramError answers a parameter the generated code could not read.
func paramError(w http.ResponseWriter, r *http.Request, err error) {
	var (
		format   *InvalidParamFormatError
		required *RequiredParamError
		tooMany  *TooManyValuesForParamError
	)
	switch {
	case errors.As(err, &format):
		if strings.HasSuffix(format.ParamName, "Id") {
			// An id that is not a number names nothing.
			writeProblem(w, tokenwatch.Errorf(tokenwatch.CodeNotFound, "%s not found", strings.TrimSuffix(format.ParamName, "Id")))
			return
		}
		writeProblem(w, invalid(format.ParamName, "The parameter "+format.ParamName+" is not of the right form."))
	case errors.As(err, &required):
		writeProblem(w, invalid(required.ParamName, "The parameter "+required.ParamName+" is required."))
	case errors.As(err, &tooMany):
		writeProblem(w, invalid(tooMany.ParamName, "The parameter "+tooMany.ParamName+" is given more than once."))
	default:
		writeProblem(w, invalid("", "The request's parameters cannot be read."))
	}
}

// decode reads a JSON request body into v: unknown members, wrong types and
// anything after the object are answered naming the member.
func decode(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return &problem{status: http.StatusUnsupportedMediaType, code: "unsupported_media_type", field: "Content-Type",
				detail: "Send the body as application/json."}
		}
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("trailing data")
	}
	if err == nil {
		if _, e := dec.Token(); e != io.EOF {
			err = errors.New("trailing data")
		}
	}
	if err == nil {
		return nil
	}
	var (
		maxBytes *http.MaxBytesError
		typeErr  *json.UnmarshalTypeError
		timeErr  *time.ParseError
	)
	switch {
	case errors.As(err, &maxBytes):
		return &problem{status: http.StatusRequestEntityTooLarge, code: "too_large", field: "body",
			detail: "The body is larger than " + strconv.FormatInt(maxBytes.Limit, 10) + " bytes."}
	case errors.As(err, &typeErr):
		return invalid(typeErr.Field, "The member "+typeErr.Field+" must be of type "+jsonType(typeErr.Type.Kind().String())+", not "+typeErr.Value+".")
	case errors.As(err, &timeErr):
		return invalid(timeField(err), "A time must be written as RFC 3339 (2026-12-01T09:00:00Z).")
	case errors.Is(err, io.EOF):
		return invalid("body", "The body is empty; send a JSON object.")
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		return invalid(name, "The member "+name+" is not one this request takes.")
	}
	return invalid("body", "The body is not a JSON object of the expected form.")
}

// timeField guesses which member a time that did not parse is: encoding/json
// does not say, so the error's text is all there is.
func timeField(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "Go struct field "); i >= 0 {
		rest := msg[i+len("Go struct field "):]
		if j := strings.IndexAny(rest, " "); j > 0 {
			rest = rest[:j]
		}
		if k := strings.LastIndex(rest, "."); k >= 0 {
			rest = rest[k+1:]
		}
		return rest
	}
	return "body"
}

func jsonType(kind string) string {
	switch {
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"), strings.HasPrefix(kind, "float"):
		return "number"
	case kind == "slice", kind == "array":
		return "array"
	case kind == "struct", kind == "map":
		return "object"
	case kind == "bool":
		return "boolean"
	}
	return kind
}

// writeJSON answers v.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
