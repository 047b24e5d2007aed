// Package fault classifies the errors humop returns, so that every layer can
// tell a caller's mistake from a conflict or an internal failure without
// comparing strings.
//
// Domain packages return *Error values (often as package-level sentinels such
// as operator.ErrEmailTaken). The HTTP layer keeps one table from Kind to
// status code; embedders use errors.Is against the sentinels, or KindOf when
// only the class matters.
package fault

import (
	"errors"
	"fmt"
)

// Kind is the class of an error: what the caller can do about it.
type Kind uint8

// The kinds of error. Their order has no meaning.
const (
	Internal         Kind = iota // something broke that the caller cannot fix
	Invalid                      // input breaks a syntax or range rule
	Unauthenticated              // credentials missing or bad
	Forbidden                    // the caller may not do this (KYC, skill)
	NotFound                     // absent, or not the caller's
	Conflict                     // duplicate, wrong state, or in flight
	Gone                         // a deadline has passed
	Unprocessable                // well formed, but against a business rule
	PaymentRequired              // the balance does not cover the amount
	TooLarge                     // the request body is over the limit
	UnsupportedMedia             // the request body is not JSON
)

var kindNames = [...]string{
	Internal:         "internal",
	Invalid:          "validation",
	Unauthenticated:  "unauthenticated",
	Forbidden:        "forbidden",
	NotFound:         "not_found",
	Conflict:         "conflict",
	Gone:             "gone",
	Unprocessable:    "unprocessable",
	PaymentRequired:  "insufficient_funds",
	TooLarge:         "too_large",
	UnsupportedMedia: "unsupported_media_type",
}

// String returns the kind's code as clients see it, such as "validation".
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// Error is an error with a kind and a message that is safe to show to the
// client that caused it.
type Error struct {
	// Kind classifies the error.
	Kind Kind
	// Op names the package or operation that failed, such as "operator".
	Op string
	// Code is a short machine-readable code, such as "email_taken". When
	// empty, the kind's name is used.
	Code string
	// Field names the input field at fault, if any, using the wire name.
	Field string
	// Message is a sentence for a human, safe to send to the client. It
	// names the field and the rule that failed.
	Message string
}

// Error returns the message prefixed with the operation.
func (e *Error) Error() string {
	if e.Op == "" {
		return e.Message
	}
	return e.Op + ": " + e.Message
}

// CodeOrKind returns Code, or the kind's name when Code is empty.
func (e *Error) CodeOrKind() string {
	if e.Code != "" {
		return e.Code
	}
	return e.Kind.String()
}

// Invalidf returns an Invalid error about field with a formatted message.
func Invalidf(op, field, format string, args ...any) *Error {
	return &Error{Kind: Invalid, Op: op, Field: field, Message: fmt.Sprintf(format, args...)}
}

// New returns an error of the given kind and code with a fixed message.
func New(kind Kind, op, code, message string) *Error {
	return &Error{Kind: kind, Op: op, Code: code, Message: message}
}

// As returns the first *Error in err's chain, or nil.
func As(err error) *Error {
	var fe *Error
	if errors.As(err, &fe) {
		return fe
	}
	return nil
}

// KindOf returns the kind of the first *Error in err's chain, or Internal
// when there is none. A nil error has no kind; KindOf(nil) is Internal and
// callers are expected to check for nil first.
func KindOf(err error) Kind {
	if fe := As(err); fe != nil {
		return fe.Kind
	}
	return Internal
}
