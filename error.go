package tokenwatch

import (
	"errors"
	"fmt"
	"net/http"
)

// Code classifies an error so that callers can branch on it (and map it to
// an HTTP status or an exit status) without looking at strings.
type Code string

// Error codes.
const (
	CodeInvalid      Code = "invalid"      // the input is wrong; the message says how
	CodeNotFound     Code = "not_found"    // no such thing, or not visible to the caller
	CodeConflict     Code = "conflict"     // the thing exists already, or changed meanwhile
	CodeUnauthorized Code = "unauthorized" // not signed in, bad credentials
	CodeForbidden    Code = "forbidden"    // signed in, but not allowed
	CodeRateLimited  Code = "rate_limited" // too many attempts; try later
	CodeUnavailable  Code = "unavailable"  // a dependency is down; try later
	CodeInternal     Code = "internal"     // a bug or an unexpected failure
)

// ErrPermanent is in the chain of an error that retrying cannot fix: a
// malformed address, a mailbox or a webhook endpoint that refuses for
// good. Whoever meets the failure says so (Permanent); whoever retries asks
// errors.Is(err, ErrPermanent).
var ErrPermanent = errors.New("permanent failure")

// Permanent returns err marked as a failure that retrying cannot fix.
func Permanent(err error) error { return errors.Join(ErrPermanent, err) }

// Error is an application error: a code, a message that is safe to show to
// the user (never a token, never a SQL error), and optionally the internal
// cause for the log.
type Error struct {
	Code    Code
	Message string
	Err     error
}

// Errorf returns an *Error with a formatted user-safe message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WrapError returns an *Error whose message is safe to show and whose cause
// is kept for the log.
func WrapError(code Code, cause error, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: cause}
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Is lets errors.Is(err, &Error{Code: CodeNotFound}) match on the code alone.
func (e *Error) Is(target error) bool {
	var t *Error
	if !errors.As(target, &t) {
		return false
	}
	return t.Message == "" && t.Err == nil && t.Code == e.Code
}

// ErrorCode returns the code of the first *Error in err's chain,
// CodeInternal for any other non-nil error, and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrorMessage returns the user-safe message of err: the message of the
// first *Error in its chain, or "Internal error" for anything else.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Code != CodeInternal {
		return e.Message
	}
	return "Internal error"
}

// IsNotFound reports whether err carries CodeNotFound.
func IsNotFound(err error) bool { return ErrorCode(err) == CodeNotFound }

// HTTPStatus returns the HTTP status that answers a request failing with
// err: 400 for invalid input, 404 for not found, and so on; 500 for
// anything that is not an *Error.
func HTTPStatus(err error) int {
	switch ErrorCode(err) {
	case CodeInvalid:
		return http.StatusBadRequest
	case CodeNotFound:
		return http.StatusNotFound
	case CodeConflict:
		return http.StatusConflict
	case CodeUnauthorized:
		return http.StatusUnauthorized
	case CodeForbidden:
		return http.StatusForbidden
	case CodeRateLimited:
		return http.StatusTooManyRequests
	case CodeUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}
