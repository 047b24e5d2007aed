package clerk

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Signer issues RS256 tokens shaped like Clerk session tokens. It is meant
// for development servers and tests, not for production. It is safe for
// concurrent use.
type Signer struct {
	key    *rsa.PrivateKey
	kid    string
	issuer string
}

// NewSigner returns a Signer that signs with key (which must not be nil and
// should have at least 2048 bits, or Verifier rejects its tokens), puts kid
// in the token header and issuer in "iss". An empty kid is derived from the
// public key as in GenerateSigner.
func NewSigner(key *rsa.PrivateKey, kid, issuer string) *Signer {
	if key == nil {
		panic("clerk: NewSigner called with a nil key")
	}
	if kid == "" {
		kid = deriveKID(&key.PublicKey)
	}
	return &Signer{key: key, kid: kid, issuer: issuer}
}

// GenerateSigner returns a Signer with a fresh 2048-bit RSA key and a kid
// derived from its public key (base64url of the first 16 bytes of the
// SHA-256 of the PKIX DER encoding).
func GenerateSigner(issuer string) (*Signer, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("clerk: generate RSA key: %w", err)
	}
	return NewSigner(key, "", issuer), nil
}

// LoadOrGenerateSigner reads a PEM private key ("PRIVATE KEY" PKCS #8 or
// "RSA PRIVATE KEY" PKCS #1, RSA of at least 2048 bits) from path. If path
// does not exist, it generates a key as GenerateSigner does and writes it
// there in PKCS #8 PEM with mode 0600, creating the parent directory with
// mode 0700 if needed, so that development tokens survive restarts. The kid
// is derived from the public key.
func LoadOrGenerateSigner(path, issuer string) (*Signer, error) {
	data, err := os.ReadFile(path)
	if err == nil {
		return signerFromPEM(data, issuer)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("clerk: read signing key: %w", err)
	}

	s, err := GenerateSigner(issuer)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(s.key)
	if err != nil {
		return nil, fmt.Errorf("clerk: encode signing key: %w", err)
	}
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("clerk: create signing key directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		// Another process created it meanwhile: use theirs.
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("clerk: read signing key: %w", err)
		}
		return signerFromPEM(data, issuer)
	}
	if err != nil {
		return nil, fmt.Errorf("clerk: create signing key file: %w", err)
	}
	_, werr := f.Write(pemBytes)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		_ = os.Remove(path)
		return nil, fmt.Errorf("clerk: write signing key: %w", err)
	}
	return s, nil
}

func signerFromPEM(data []byte, issuer string) (*Signer, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("clerk: signing key file contains no PEM block")
	}
	var key *rsa.PrivateKey
	switch block.Type {
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("clerk: parse PKCS #8 signing key: %w", err)
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, errors.New("clerk: signing key is not an RSA key")
		}
		key = rk
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("clerk: parse PKCS #1 signing key: %w", err)
		}
		key = k
	default:
		return nil, fmt.Errorf("clerk: signing key PEM block type %q is not PRIVATE KEY or RSA PRIVATE KEY", block.Type)
	}
	if key.N.BitLen() < minRSABits {
		return nil, errors.New("clerk: signing key must have at least 2048 bits")
	}
	return NewSigner(key, "", issuer), nil
}

// deriveKID returns base64url(SHA-256(PKIX DER)[:16]).
func deriveKID(pub *rsa.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		// Only possible for an invalid key; fall back to the modulus.
		der = pub.N.Bytes()
	}
	sum := sha256.Sum256(der)
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

// KeyID returns the kid the Signer puts in token headers.
func (s *Signer) KeyID() string { return s.kid }

// Issuer returns the "iss" the Signer puts in tokens.
func (s *Signer) Issuer() string { return s.issuer }

// Sign returns an RS256 token with header kid and claims iss, sub, iat and
// nbf (both now) and exp (now+ttl), all times in whole seconds, and the
// expiry it encoded. An empty sub omits the claim. The extra claims (for
// example "sid" or "azp") are added last and override the standard ones; a
// nil value removes a claim, which lets tests build deliberately invalid
// tokens. ttl must be positive.
func (s *Signer) Sign(sub string, ttl time.Duration, now time.Time, extra map[string]any) (token string, expiresAt time.Time, err error) {
	if ttl <= 0 {
		return "", time.Time{}, errors.New("clerk: Sign ttl must be positive")
	}
	iat := now.Unix()
	exp := now.Add(ttl).Unix()
	claims := jwt.MapClaims{
		"iss": s.issuer,
		"iat": iat,
		"nbf": iat,
		"exp": exp,
	}
	if sub != "" {
		claims["sub"] = sub
	}
	for k, v := range extra {
		if v == nil {
			delete(claims, k)
			continue
		}
		claims[k] = v
	}
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	t.Header["kid"] = s.kid
	token, err = t.SignedString(s.key)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("clerk: sign token: %w", err)
	}
	return token, time.Unix(exp, 0).UTC(), nil
}

// JWKS returns the JSON Web Key Set holding the Signer's public key
// (kty RSA, use sig, alg RS256, kid, n, e), as served at Clerk's
// /.well-known/jwks.json.
func (s *Signer) JWKS() ([]byte, error) {
	type jwk struct {
		KTY string `json:"kty"`
		Use string `json:"use"`
		Alg string `json:"alg"`
		KID string `json:"kid"`
		N   string `json:"n"`
		E   string `json:"e"`
	}
	pub := &s.key.PublicKey
	set := struct {
		Keys []jwk `json:"keys"`
	}{Keys: []jwk{{
		KTY: "RSA",
		Use: "sig",
		Alg: algRS256,
		KID: s.kid,
		N:   base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		E:   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}}
	b, err := json.Marshal(set)
	if err != nil {
		return nil, fmt.Errorf("clerk: encode JWKS: %w", err)
	}
	return b, nil
}

// PublicKeyPEM returns the Signer's public key as a PKIX "PUBLIC KEY" PEM
// block, suitable for Config.PublicKeyPEM (CLERK_JWT_KEY).
func (s *Signer) PublicKeyPEM() string {
	der, err := x509.MarshalPKIXPublicKey(&s.key.PublicKey)
	if err != nil {
		return ""
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}
