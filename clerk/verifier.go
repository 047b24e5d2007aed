// Package clerk verifies Clerk session tokens (RS256 JSON Web Tokens sent by
// operators as "Authorization: Bearer <JWT>") and provides a development
// Signer that issues tokens of the same shape.
//
// A Verifier is configured either with Clerk's PEM public key (networkless
// verification, the CLERK_JWT_KEY setting) or with the URL of the instance's
// JSON Web Key Set (CLERK_JWKS_URL). It accepts RS256 only, requires exp,
// honours nbf and iat with a small leeway, requires an exact issuer and a
// non-empty subject, and optionally restricts the authorized party (azp).
//
// The package does no logging and serves no HTTP; every failure is an *Error
// whose Description is safe to return to the client in a WWW-Authenticate
// header.
package clerk

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
)

// MaxTokenLength is the maximum accepted length of a token in bytes. Longer
// tokens are rejected with ErrTooLong before any parsing.
const MaxTokenLength = 8192

const (
	algRS256 = "RS256"

	// defaultLeeway is used when Config.Leeway is zero; it is also the maximum.
	defaultLeeway = 5 * time.Second
	maxLeeway     = 5 * time.Second

	// defaultHTTPTimeout bounds each JWKS request.
	defaultHTTPTimeout = 5 * time.Second

	// unknownKIDRefreshInterval is the minimum time between two JWKS fetches
	// triggered by tokens carrying an unknown kid.
	unknownKIDRefreshInterval = time.Minute

	// jwksRefreshInterval is the period of the background JWKS refresh.
	jwksRefreshInterval = time.Hour

	// minRSABits is the smallest accepted RSA modulus.
	minRSABits = 2048
)

// Config configures a Verifier. Exactly one of PublicKeyPEM and JWKSURL must
// be set.
type Config struct {
	// Issuer is the expected "iss" claim, for example
	// "https://clerk.example.com". It is required and compared exactly.
	Issuer string

	// AuthorizedParties, when non-empty, lists the accepted values of the
	// "azp" claim (the origins of the operator front ends). Tokens without
	// azp are then rejected. When empty, azp is not checked.
	AuthorizedParties []string

	// PublicKeyPEM is Clerk's PEM-encoded RSA public key (CLERK_JWT_KEY), as
	// a "PUBLIC KEY" (PKIX) or "RSA PUBLIC KEY" (PKCS #1) block. With it,
	// verification needs no network. A value whose line breaks were escaped
	// as the two characters `\n` (common in environment files) is accepted.
	PublicKeyPEM string

	// JWKSURL is the URL of the instance's JSON Web Key Set (CLERK_JWKS_URL),
	// for example "https://clerk.example.com/.well-known/jwks.json". It must
	// use https, except for loopback hosts which may use http.
	JWKSURL string

	// HTTPClient fetches the JWKS. Nil means a private client with a 5 s
	// timeout. When the client has a Timeout, it also bounds each fetch;
	// otherwise each fetch is bounded by 5 s.
	HTTPClient *http.Client

	// Leeway is the clock skew tolerated on exp, nbf and iat. Zero means 5 s;
	// negative values and values above 5 s are configuration errors.
	Leeway time.Duration

	// Now returns the current time for the exp, nbf and iat checks. Nil
	// means time.Now.
	Now func() time.Time
}

// Claims are the verified claims of a Clerk session token.
type Claims struct {
	// Subject is the Clerk user ID ("sub"), never empty.
	Subject string
	// SessionID is the Clerk session ID ("sid"); empty when absent.
	SessionID string
	// AuthorizedParty is the origin that requested the token ("azp"); empty
	// when absent and no AuthorizedParties are configured.
	AuthorizedParty string
	// IssuedAt is "iat" in UTC; zero when absent.
	IssuedAt time.Time
	// ExpiresAt is "exp" in UTC.
	ExpiresAt time.Time
}

// Verifier verifies Clerk session tokens. It is safe for concurrent use.
type Verifier struct {
	issuer  string
	parties []string
	parser  *jwt.Parser

	// PEM mode.
	pemKeyfunc jwt.Keyfunc

	// JWKS mode.
	jwks      jwkset.Storage
	transport *http.Transport // owned by the Verifier; nil if not

	ctx       context.Context // cancelled by Close
	cancel    context.CancelFunc
	closeOnce sync.Once
}

// tokenClaims is the JSON shape decoded from a token.
type tokenClaims struct {
	jwt.RegisteredClaims
	SessionID       string `json:"sid,omitempty"`
	AuthorizedParty string `json:"azp,omitempty"`
}

// New returns a Verifier for cfg.
//
// ctx bounds New itself (in JWKS mode, the initial key fetch); cancelling it
// afterwards has no effect: the Verifier lives until Close.
//
// In JWKS mode, New fetches the key set once, but a failed fetch is not fatal
// (lazy start): the keys are then fetched when the first token arrives, as for
// any unknown kid. This keeps an operator server starting while Clerk is
// unreachable. The key set is refreshed in the background every hour, and when
// a token names an unknown kid, at most once per minute (the first such token
// after New refreshes at once). A token with an unknown kid arriving while that
// refresh is rate limited fails with ErrUnknownKey; it waits for the limiter
// only if the next refresh slot is within the HTTP timeout. Tokens with known
// kids are never delayed. Call Close to stop the background refresh.
//
// Configuration errors match ErrConfig.
func New(ctx context.Context, cfg Config) (*Verifier, error) {
	return newVerifier(ctx, cfg, unknownKIDRefreshInterval)
}

func newVerifier(ctx context.Context, cfg Config, unknownKIDEvery time.Duration) (*Verifier, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("clerk: %w", err)
	}
	if cfg.Issuer == "" {
		return nil, configError("Issuer is required", nil)
	}
	leeway := cfg.Leeway
	switch {
	case leeway == 0:
		leeway = defaultLeeway
	case leeway < 0:
		return nil, configError("Leeway must not be negative", nil)
	case leeway > maxLeeway:
		return nil, configError("Leeway must not exceed 5s", nil)
	}
	for _, p := range cfg.AuthorizedParties {
		if p == "" {
			return nil, configError("AuthorizedParties must not contain an empty string", nil)
		}
	}
	hasPEM, hasJWKS := strings.TrimSpace(cfg.PublicKeyPEM) != "", strings.TrimSpace(cfg.JWKSURL) != ""
	switch {
	case hasPEM && hasJWKS:
		return nil, configError("set exactly one of PublicKeyPEM (CLERK_JWT_KEY) and JWKSURL (CLERK_JWKS_URL), not both", nil)
	case !hasPEM && !hasJWKS:
		return nil, configError("set exactly one of PublicKeyPEM (CLERK_JWT_KEY) and JWKSURL (CLERK_JWKS_URL)", nil)
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}

	v := &Verifier{
		issuer:  cfg.Issuer,
		parties: append([]string(nil), cfg.AuthorizedParties...),
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{algRS256}),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithIssuer(cfg.Issuer),
			jwt.WithLeeway(leeway),
			jwt.WithTimeFunc(now),
		),
	}
	v.ctx, v.cancel = context.WithCancel(context.WithoutCancel(ctx))

	if hasPEM {
		key, err := parsePublicKeyPEM(cfg.PublicKeyPEM)
		if err != nil {
			v.Close()
			return nil, err
		}
		v.pemKeyfunc = func(t *jwt.Token) (any, error) {
			if err := checkHeader(t); err != nil {
				return nil, err
			}
			return key, nil
		}
		return v, nil
	}

	// Abort the initial fetch if ctx ends during New.
	stop := context.AfterFunc(ctx, v.cancel)
	err := v.startJWKS(cfg, unknownKIDEvery)
	if !stop() {
		v.Close()
		return nil, fmt.Errorf("clerk: %w", context.Cause(ctx))
	}
	if err != nil {
		v.Close()
		return nil, err
	}
	return v, nil
}

// Close stops the background key refresh and releases idle connections of
// the Verifier's own HTTP client. It is idempotent. After Close, Verify keeps
// accepting tokens signed with already cached keys but no longer fetches keys.
func (v *Verifier) Close() {
	v.closeOnce.Do(func() {
		v.cancel()
		if v.transport != nil {
			v.transport.CloseIdleConnections()
		}
	})
}

// Verify checks token (the JWT without the "Bearer " prefix) and returns its
// claims. In JWKS mode, ctx bounds a key fetch triggered by an unknown kid.
// Every error is an *Error; see the Err* sentinels.
func (v *Verifier) Verify(ctx context.Context, token string) (Claims, error) {
	if len(token) > MaxTokenLength {
		return Claims{}, newError(kindTooLong, "token is too long", nil)
	}
	if token == "" {
		return Claims{}, newError(kindMalformed, "token is empty", nil)
	}
	if strings.Count(token, ".") != 2 {
		return Claims{}, newError(kindMalformed, "token is malformed", nil)
	}

	keyfunc := v.pemKeyfunc
	if v.jwks != nil {
		if ctx == nil {
			ctx = context.Background()
		}
		kctx, cancel := v.keyContext(ctx)
		defer cancel()
		keyfunc = v.jwksKeyfunc(kctx)
	}

	var tc tokenClaims
	tok, err := v.parser.ParseWithClaims(token, &tc, keyfunc)
	if err != nil {
		return Claims{}, v.classify(tok, &tc, err)
	}
	if !tok.Valid || tok.Method != jwt.SigningMethodRS256 {
		// Unreachable with the parser options above; kept as a backstop.
		return Claims{}, newError(kindAlgorithm, "token algorithm must be RS256", nil)
	}
	if tc.Subject == "" {
		return Claims{}, newError(kindNoSubject, "token has no subject", nil)
	}
	if len(v.parties) > 0 {
		if tc.AuthorizedParty == "" {
			return Claims{}, newError(kindAuthorizedParty, "token has no authorized party", nil)
		}
		if !slices.Contains(v.parties, tc.AuthorizedParty) {
			return Claims{}, newError(kindAuthorizedParty, "token authorized party is not accepted", nil)
		}
	}

	c := Claims{
		Subject:         tc.Subject,
		SessionID:       tc.SessionID,
		AuthorizedParty: tc.AuthorizedParty,
		ExpiresAt:       tc.ExpiresAt.UTC(),
	}
	if tc.IssuedAt != nil {
		c.IssuedAt = tc.IssuedAt.UTC()
	}
	return c, nil
}

// classify maps a jwt parse error to an *Error. Claims in tc are consulted
// only for jwt.ErrTokenInvalidClaims, which the parser reports after the
// signature has been verified.
func (v *Verifier) classify(tok *jwt.Token, tc *tokenClaims, err error) *Error {
	var e *Error
	if errors.As(err, &e) { // from our keyfuncs
		return e
	}
	if errors.Is(err, jwt.ErrTokenMalformed) || tok == nil {
		return newError(kindMalformed, "token is malformed", err)
	}
	if alg, _ := tok.Header["alg"].(string); alg != algRS256 {
		return newError(kindAlgorithm, "token algorithm must be RS256", err)
	}
	switch {
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return newError(kindSignature, "token signature is invalid", err)
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return newError(kindUnknownKey, "token signing key is unknown", err)
	case !errors.Is(err, jwt.ErrTokenInvalidClaims):
		return newError(kindMalformed, "token is malformed", err)
	}
	switch {
	case tc.Issuer == "":
		return newError(kindIssuer, "token has no issuer", err)
	case tc.Issuer != v.issuer:
		return newError(kindIssuer, "token issuer is not accepted", err)
	case tc.ExpiresAt == nil:
		return newError(kindMalformed, "token has no expiration time", err)
	case errors.Is(err, jwt.ErrTokenExpired):
		return newError(kindExpired, "token is expired", err)
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return newError(kindNotYetValid, "token is not valid yet", err)
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return newError(kindNotYetValid, "token is issued in the future", err)
	default:
		return newError(kindMalformed, "token claims are invalid", err)
	}
}

// checkHeader is run by the keyfuncs, after the parser has checked the
// algorithm against the allow-list and before any key is handed out.
func checkHeader(t *jwt.Token) error {
	if t.Method != jwt.SigningMethodRS256 {
		return newError(kindAlgorithm, "token algorithm must be RS256", nil)
	}
	if _, ok := t.Header["crit"]; ok {
		return newError(kindMalformed, "token header has unsupported critical parameters", nil)
	}
	return nil
}

// parsePublicKeyPEM parses an RSA public key in a single PKIX or PKCS #1
// PEM block.
func parsePublicKeyPEM(s string) (*rsa.PublicKey, error) {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "\n") && strings.Contains(s, `\n`) {
		s = strings.ReplaceAll(s, `\n`, "\n")
	}
	block, rest := pem.Decode([]byte(s))
	if block == nil {
		return nil, configError("PublicKeyPEM contains no PEM block", nil)
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, configError("PublicKeyPEM must contain exactly one PEM block", nil)
	}
	var key *rsa.PublicKey
	switch block.Type {
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, configError("PublicKeyPEM is not a valid PKIX public key", err)
		}
		rk, ok := k.(*rsa.PublicKey)
		if !ok {
			return nil, configError("PublicKeyPEM is not an RSA public key", nil)
		}
		key = rk
	case "RSA PUBLIC KEY":
		k, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, configError("PublicKeyPEM is not a valid PKCS #1 RSA public key", err)
		}
		key = k
	default:
		return nil, configError("PublicKeyPEM must be a PUBLIC KEY or RSA PUBLIC KEY PEM block", nil)
	}
	if key.N.BitLen() < minRSABits {
		return nil, configError("PublicKeyPEM RSA key must have at least 2048 bits", nil)
	}
	return key, nil
}

func configError(msg string, cause error) *Error {
	return newError(kindConfig, msg, cause)
}
