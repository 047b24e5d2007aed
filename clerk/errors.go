package clerk

// errorKind classifies a verification failure; sentinel values of *Error
// compare by kind.
type errorKind uint8

const (
	kindConfig errorKind = iota + 1
	kindMalformed
	kindTooLong
	kindAlgorithm
	kindSignature
	kindUnknownKey
	kindExpired
	kindNotYetValid
	kindIssuer
	kindNoSubject
	kindAuthorizedParty
)

// Error is the error type returned by New and Verify.
//
// Description is a short, constant, human-readable sentence that helps the
// developer of a client understand why a token was refused. It never contains
// the token, key material or any value taken from the token, and it contains
// no double quote or backslash, so it is safe to put verbatim into
//
//	WWW-Authenticate: Bearer error="invalid_token", error_description="<Description>"
//
// Use errors.Is with the Err* sentinels to branch on the kind of failure. The
// underlying cause, when there is one, is available through errors.Unwrap for
// server-side diagnostics; it is not part of Error().
type Error struct {
	// Description explains the failure to a client developer.
	Description string

	kind  errorKind
	cause error
}

// Error returns "clerk: " followed by the Description.
func (e *Error) Error() string {
	return "clerk: " + e.Description
}

// Unwrap returns the underlying cause, if any.
func (e *Error) Unwrap() error {
	return e.cause
}

// Is reports whether target is an *Error of the same kind, which makes
// errors.Is(err, ErrExpired) and the other sentinels work. A token that is
// too long is also malformed: errors.Is(err, ErrMalformed) reports true for
// ErrTooLong failures.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok || t == nil || e == nil {
		return false
	}
	return t.kind == e.kind || (t.kind == kindMalformed && e.kind == kindTooLong)
}

// Sentinel errors for use with errors.Is. Their Description is the default
// description of that kind of failure; the error returned by Verify may carry
// a more specific one.
var (
	// ErrConfig reports an invalid Config passed to New.
	ErrConfig = &Error{kind: kindConfig, Description: "verifier configuration is invalid"}
	// ErrMalformed reports a token that is not a well-formed JWT or whose
	// header or claims cannot be decoded.
	ErrMalformed = &Error{kind: kindMalformed, Description: "token is malformed"}
	// ErrTooLong reports a token longer than MaxTokenLength. Such errors also
	// match ErrMalformed.
	ErrTooLong = &Error{kind: kindTooLong, Description: "token is too long"}
	// ErrAlgorithm reports a token whose "alg" header is not RS256.
	ErrAlgorithm = &Error{kind: kindAlgorithm, Description: "token algorithm must be RS256"}
	// ErrSignature reports a token whose signature does not verify.
	ErrSignature = &Error{kind: kindSignature, Description: "token signature is invalid"}
	// ErrUnknownKey reports a token whose signing key is unknown or unusable.
	ErrUnknownKey = &Error{kind: kindUnknownKey, Description: "token signing key is unknown"}
	// ErrExpired reports a token whose "exp" lies in the past (beyond leeway).
	ErrExpired = &Error{kind: kindExpired, Description: "token is expired"}
	// ErrNotYetValid reports a token whose "nbf" or "iat" lies in the future
	// (beyond leeway).
	ErrNotYetValid = &Error{kind: kindNotYetValid, Description: "token is not valid yet"}
	// ErrIssuer reports a token whose "iss" is missing or not the configured
	// issuer.
	ErrIssuer = &Error{kind: kindIssuer, Description: "token issuer is not accepted"}
	// ErrNoSubject reports a token without a non-empty "sub".
	ErrNoSubject = &Error{kind: kindNoSubject, Description: "token has no subject"}
	// ErrAuthorizedParty reports a token whose "azp" is missing or not in
	// Config.AuthorizedParties.
	ErrAuthorizedParty = &Error{kind: kindAuthorizedParty, Description: "token authorized party is not accepted"}
)

// newError returns a fresh *Error of the given kind. The description must be
// a constant string: never put token content or key material into it.
func newError(kind errorKind, description string, cause error) *Error {
	return &Error{kind: kind, Description: description, cause: cause}
}
