package petitions

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Error codes of the ledger. Every error the ledger returns to a caller is an
// *Error carrying one of these codes; the web layer maps each code to exactly
// one HTTP status (given in brackets) and writes {code, message, fields,
// allowed}. An error that is not an *Error is an internal error.
const (
	// EINVALID: the input is malformed or incomplete; Fields names each bad
	// field [400].
	EINVALID = "invalid"
	// EUNAUTHORIZED: the caller is not signed in [401].
	EUNAUTHORIZED = "unauthorized"
	// EFORBIDDEN: the caller's role or relation to the case does not permit
	// the action [403].
	EFORBIDDEN = "forbidden"
	// ENOTFOUND: the case (or another named object) does not exist, or the
	// caller may not know that it exists [404].
	ENOTFOUND = "not_found"
	// ECONFLICT: the transition is not possible from the case's current
	// state (Allowed lists those that are), or the case changed concurrently
	// [409].
	ECONFLICT = "conflict"
	// EDEADLINE: a deadline rule refuses the action, e.g. a 复查 request
	// after its 30-day window [422].
	EDEADLINE = "deadline"
	// EUNAVAILABLE: the server lacks a facility the request needs, e.g.
	// ffmpeg is not installed for a video export; the message says what is
	// missing and is shown [503].
	EUNAVAILABLE = "unavailable"
	// EINTERNAL: anything else; the details are logged, never shown [500].
	EINTERNAL = "internal"
)

// Error is the one error type of the ledger. Message is meant for the user
// and is safe to show; internal details never go into it.
type Error struct {
	// Code is one of the E… constants.
	Code string `json:"code"`
	// Message says what went wrong in one sentence.
	Message string `json:"message"`
	// Fields holds one message per invalid field, keyed by the field's JSON
	// name (e.g. "representatives", "parties[1].name"); set with EINVALID.
	Fields map[string]string `json:"fields,omitempty"`
	// Allowed lists the transitions the caller may take from the case's
	// current state; set with ECONFLICT for an invalid transition.
	Allowed []string `json:"allowed,omitempty"`
}

// Error implements the error interface. The text holds the code, the message
// and the field messages in field order.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "petitions: %s: %s", e.Code, e.Message)
	if len(e.Fields) > 0 {
		keys := make([]string, 0, len(e.Fields))
		for k := range e.Fields {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for i, k := range keys {
			sep := "; "
			if i == 0 {
				sep = " ("
			}
			fmt.Fprintf(&b, "%s%s: %s", sep, k, e.Fields[k])
		}
		b.WriteString(")")
	}
	if len(e.Allowed) > 0 {
		fmt.Fprintf(&b, " [allowed: %s]", strings.Join(e.Allowed, ", "))
	}
	return b.String()
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code string, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, "" for a nil
// error, and EINTERNAL for any other error.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the first *Error in err's chain, "" for
// a nil error, and a generic message for any other error, so that internal
// details never reach a user.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// ErrorFields returns the per-field messages of the first *Error in err's
// chain, or nil.
func ErrorFields(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// ErrorAllowed returns the allowed transitions of the first *Error in err's
// chain, or nil.
func ErrorAllowed(err error) []string {
	var e *Error
	if errors.As(err, &e) {
		return e.Allowed
	}
	return nil
}

// problems collects per-field validation messages; the first message for a
// field wins.
type problems map[string]string

func (p problems) add(field, format string, args ...any) {
	if _, ok := p[field]; !ok {
		p[field] = fmt.Sprintf(format, args...)
	}
}

// err returns nil when nothing was added, or an EINVALID *Error whose Fields
// are the collected messages.
func (p problems) err(what string) error {
	if len(p) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: what + " is invalid.", Fields: map[string]string(p)}
}
