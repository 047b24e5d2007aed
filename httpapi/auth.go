package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/humop/humop"
	"github.com/humop/humop/fault"
	"github.com/humop/humop/operator"
)

// MaxAuthorizationBytes caps the Authorization header; longer headers are
// refused before any parsing.
const MaxAuthorizationBytes = 8192

// authenticator finds the operator behind a request.
type authenticator struct {
	svc         *humop.Service
	tokens      TokenVerifier
	development bool
}

// Authentication errors. Their messages go into WWW-Authenticate too, so
// they help a client developer without saying anything secret.
var (
	errNoCredentials = &fault.Error{Kind: fault.Unauthenticated, Code: "unauthenticated",
		Message: "missing credentials: send Authorization: Bearer <session token>"}
	errNoOperator = &fault.Error{Kind: fault.Unauthenticated, Code: "no_operator",
		Message: "no operator is registered for this identity"}
	errTokensOff = &fault.Error{Kind: fault.Unauthenticated, Code: "unauthenticated",
		Message: "bearer tokens are not accepted by this server"}
	errBadHeader = &fault.Error{Kind: fault.Unauthenticated, Code: "unauthenticated",
		Message: "Authorization header must be Bearer followed by a token"}
)

// bearer returns the token in the Authorization header, "" when there is no
// header, or an error when the header is malformed.
func bearer(r *http.Request) (string, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", nil
	}
	if len(h) > MaxAuthorizationBytes {
		return "", &fault.Error{Kind: fault.Unauthenticated, Code: "unauthenticated",
			Message: "Authorization header is too long"}
	}
	scheme, token, ok := strings.Cut(h, " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", errBadHeader
	}
	return token, nil
}

// subject verifies the request's bearer token, returning "" when the
// request carries none.
func (a *authenticator) subject(r *http.Request) (string, error) {
	token, err := bearer(r)
	if err != nil || token == "" {
		return "", err
	}
	if a.tokens == nil {
		return "", errTokensOff
	}
	sub, err := a.tokens.VerifySubject(r.Context(), token)
	if err != nil {
		if fe := fault.As(err); fe != nil && fe.Kind == fault.Unauthenticated {
			return "", err
		}
		return "", &fault.Error{Kind: fault.Unauthenticated, Code: "invalid_token", Message: "token is invalid"}
	}
	return sub, nil
}

// operatorID returns the id of the operator making the request. A bearer
// token wins over the development header when both are sent.
func (a *authenticator) operatorID(r *http.Request) (string, error) {
	sub, err := a.subject(r)
	if err != nil {
		return "", err
	}
	if sub != "" {
		id, err := a.svc.OperatorID(r.Context(), sub)
		if errors.Is(err, operator.ErrNotFound) {
			return "", errNoOperator
		}
		return id, err
	}
	if a.development {
		if id := strings.TrimSpace(r.Header.Get("X-Operator-Id")); id != "" {
			return a.devOperator(r.Context(), id)
		}
	}
	return "", errNoCredentials
}

// devOperator accepts an X-Operator-Id naming an existing operator.
func (a *authenticator) devOperator(ctx context.Context, id string) (string, error) {
	if err := a.svc.OperatorExists(ctx, id); err != nil {
		if errors.Is(err, operator.ErrNotFound) {
			return "", &fault.Error{Kind: fault.Unauthenticated, Code: "no_operator",
				Message: "X-Operator-Id names no registered operator"}
		}
		return "", err
	}
	return id, nil
}

// bearerChallenge is the WWW-Authenticate value for a 401. A request that
// sent no credentials gets the bare challenge (RFC 6750, section 3); one
// whose credentials failed is told why.
func bearerChallenge(fe *fault.Error) string {
	if fe == errNoCredentials {
		return `Bearer realm="humop"`
	}
	desc := strings.Map(func(r rune) rune {
		if r == '"' || r == '\\' || r < 0x20 || r == 0x7f {
			return '\''
		}
		return r
	}, fe.Message)
	return `Bearer realm="humop", error="invalid_token", error_description="` + desc + `"`
}

type operatorKey struct{}

// operatorOnly authenticates the operator before calling next; next finds
// the id with operatorFrom.
func (h *Handler) operatorOnly(next func(http.ResponseWriter, *http.Request) error) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := h.auth.operatorID(r)
		if err != nil {
			return err
		}
		return next(w, r.WithContext(context.WithValue(r.Context(), operatorKey{}, id)))
	}
}

func operatorFrom(ctx context.Context) string {
	id, _ := ctx.Value(operatorKey{}).(string)
	return id
}
