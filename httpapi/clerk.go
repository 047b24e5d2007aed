package httpapi

import (
	"context"
	"errors"

	"github.com/humop/humop/clerk"
	"github.com/humop/humop/fault"
)

// ClaimsVerifier verifies a session token and returns its claims;
// *clerk.Verifier is one.
type ClaimsVerifier interface {
	Verify(ctx context.Context, token string) (clerk.Claims, error)
}

// ClerkTokens returns a TokenVerifier that accepts a token when any of the
// verifiers does, trying them in order. Give one verifier per accepted
// issuer: the dev server, for example, accepts its own development tokens
// and, when configured, the Clerk instance's.
//
// A refusal is reported with the description of the verifier that came
// closest (one whose issuer matched), so a client developer learns why.
func ClerkTokens(verifiers ...ClaimsVerifier) TokenVerifier {
	return clerkTokens(verifiers)
}

type clerkTokens []ClaimsVerifier

func (vs clerkTokens) VerifySubject(ctx context.Context, token string) (string, error) {
	var best error
	for _, v := range vs {
		claims, err := v.Verify(ctx, token)
		if err == nil {
			return claims.Subject, nil
		}
		if best == nil || (errors.Is(best, clerk.ErrIssuer) && !errors.Is(err, clerk.ErrIssuer)) {
			best = err
		}
	}
	desc := "token is invalid"
	var ce *clerk.Error
	if errors.As(best, &ce) {
		desc = ce.Description
	}
	return "", &fault.Error{Kind: fault.Unauthenticated, Code: "invalid_token", Message: desc}
}
