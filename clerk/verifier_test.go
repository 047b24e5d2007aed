package clerk_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/humop/humop/clerk"
)

func TestVerifyAcceptsValidTokens(t *testing.T) {
	s := testSigner(t, 0)
	v := newPEMVerifier(t, s, testParty, "https://other.example.com")
	base := map[string]any{"sid": "sess_456", "azp": testParty}

	tests := []struct {
		name  string
		iat   time.Time
		ttl   time.Duration
		extra map[string]any
		want  clerk.Claims
	}{
		{
			name: "fresh token returns its claims",
			iat:  testNow, ttl: time.Minute, extra: base,
			want: clerk.Claims{Subject: "user_123", SessionID: "sess_456", AuthorizedParty: testParty, IssuedAt: testNow, ExpiresAt: testNow.Add(time.Minute)},
		},
		{
			name: "token expired 4s ago is accepted within leeway",
			iat:  testNow.Add(-64 * time.Second), ttl: time.Minute, extra: base,
			want: clerk.Claims{Subject: "user_123", SessionID: "sess_456", AuthorizedParty: testParty, IssuedAt: testNow.Add(-64 * time.Second), ExpiresAt: testNow.Add(-4 * time.Second)},
		},
		{
			name: "token with nbf and iat 4s ahead is accepted within leeway",
			iat:  testNow.Add(4 * time.Second), ttl: time.Minute, extra: base,
			want: clerk.Claims{Subject: "user_123", SessionID: "sess_456", AuthorizedParty: testParty, IssuedAt: testNow.Add(4 * time.Second), ExpiresAt: testNow.Add(64 * time.Second)},
		},
		{
			name: "token without sid iat and nbf is accepted",
			iat:  testNow, ttl: time.Minute, extra: map[string]any{"azp": "https://other.example.com", "iat": nil, "nbf": nil},
			want: clerk.Claims{Subject: "user_123", AuthorizedParty: "https://other.example.com", ExpiresAt: testNow.Add(time.Minute)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := sign(t, s, "user_123", tt.iat, tt.ttl, tt.extra)
			got, err := v.Verify(context.Background(), tok)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("claims mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestVerifyWithoutAuthorizedPartiesIgnoresAzp(t *testing.T) {
	s := testSigner(t, 0)
	v := newPEMVerifier(t, s)
	for _, azp := range []any{nil, "https://anything.example.com"} {
		tok := sign(t, s, "user_1", testNow, time.Minute, map[string]any{"azp": azp})
		if _, err := v.Verify(context.Background(), tok); err != nil {
			t.Errorf("Verify with azp %v: %v", azp, err)
		}
	}
}

func TestVerifyRejectsHostileTokens(t *testing.T) {
	s := testSigner(t, 0)
	key := rsaKey(t, 0)
	v := newPEMVerifier(t, s, testParty)
	ok := map[string]any{"azp": testParty}
	with := func(kv ...any) map[string]any {
		m := map[string]any{"azp": testParty}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	valid := func(t *testing.T) string { return sign(t, s, "user_123", testNow, time.Minute, ok) }

	tests := []struct {
		name  string
		token func(t *testing.T) string
		want  error
		desc  string
	}{
		{"alg none is rejected", func(t *testing.T) string {
			return signRaw(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, s.KeyID(), validClaims())
		}, clerk.ErrAlgorithm, "token algorithm must be RS256"},
		{"alg none with a copied RS256 signature is rejected", func(t *testing.T) string {
			parts := strings.Split(valid(t), ".")
			return b64(`{"alg":"none","typ":"JWT"}`) + "." + parts[1] + "." + parts[2]
		}, clerk.ErrAlgorithm, "token algorithm must be RS256"},
		{"HS256 signed with the public key PEM is rejected", func(t *testing.T) string {
			return signRaw(t, jwt.SigningMethodHS256, []byte(s.PublicKeyPEM()), s.KeyID(), validClaims())
		}, clerk.ErrAlgorithm, "token algorithm must be RS256"},
		{"HS256 signed with the public key DER is rejected", func(t *testing.T) string {
			der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
			return signRaw(t, jwt.SigningMethodHS256, der, s.KeyID(), validClaims())
		}, clerk.ErrAlgorithm, "token algorithm must be RS256"},
		{"RS384 signed with the right key is rejected", func(t *testing.T) string {
			return signRaw(t, jwt.SigningMethodRS384, key, s.KeyID(), validClaims())
		}, clerk.ErrAlgorithm, "token algorithm must be RS256"},
		{"RS512 signed with the right key is rejected", func(t *testing.T) string {
			return signRaw(t, jwt.SigningMethodRS512, key, s.KeyID(), validClaims())
		}, clerk.ErrAlgorithm, "token algorithm must be RS256"},
		{"PS256 signed with the right key is rejected", func(t *testing.T) string {
			return signRaw(t, jwt.SigningMethodPS256, key, s.KeyID(), validClaims())
		}, clerk.ErrAlgorithm, "token algorithm must be RS256"},
		{"ES256 is rejected", func(t *testing.T) string {
			return signRaw(t, jwt.SigningMethodES256, ecKey, s.KeyID(), validClaims())
		}, clerk.ErrAlgorithm, "token algorithm must be RS256"},
		{"unknown alg is rejected", func(t *testing.T) string {
			parts := strings.Split(valid(t), ".")
			return b64(`{"alg":"XX999","typ":"JWT"}`) + "." + parts[1] + "." + parts[2]
		}, clerk.ErrAlgorithm, "token algorithm must be RS256"},
		{"missing alg is rejected", func(t *testing.T) string {
			parts := strings.Split(valid(t), ".")
			return b64(`{"typ":"JWT"}`) + "." + parts[1] + "." + parts[2]
		}, clerk.ErrAlgorithm, "token algorithm must be RS256"},
		{"RS256 signed by another RSA key is rejected", func(t *testing.T) string {
			return sign(t, clerk.NewSigner(rsaKey(t, 1), s.KeyID(), testIssuer), "user_123", testNow, time.Minute, ok)
		}, clerk.ErrSignature, "token signature is invalid"},
		{"tampered payload is rejected", func(t *testing.T) string {
			parts := strings.Split(valid(t), ".")
			other := strings.Split(sign(t, s, "user_admin", testNow, time.Minute, ok), ".")
			return parts[0] + "." + other[1] + "." + parts[2]
		}, clerk.ErrSignature, "token signature is invalid"},
		{"empty signature is rejected", func(t *testing.T) string {
			parts := strings.Split(valid(t), ".")
			return parts[0] + "." + parts[1] + "."
		}, clerk.ErrSignature, "token signature is invalid"},
		{"token expired 6s ago is rejected beyond leeway", func(t *testing.T) string {
			return sign(t, s, "user_123", testNow.Add(-66*time.Second), time.Minute, ok)
		}, clerk.ErrExpired, "token is expired"},
		{"token expired an hour ago is rejected", func(t *testing.T) string {
			return sign(t, s, "user_123", testNow.Add(-2*time.Hour), time.Hour, ok)
		}, clerk.ErrExpired, "token is expired"},
		{"nbf 6s in the future is rejected", func(t *testing.T) string {
			return sign(t, s, "user_123", testNow, time.Minute, with("nbf", testNow.Add(6*time.Second).Unix()))
		}, clerk.ErrNotYetValid, "token is not valid yet"},
		{"iat 6s in the future is rejected", func(t *testing.T) string {
			return sign(t, s, "user_123", testNow, time.Minute, with("iat", testNow.Add(6*time.Second).Unix()))
		}, clerk.ErrNotYetValid, "token is issued in the future"},
		{"missing exp is rejected", func(t *testing.T) string {
			return sign(t, s, "user_123", testNow, time.Minute, with("exp", nil))
		}, clerk.ErrMalformed, "token has no expiration time"},
		{"exp of the wrong type is rejected", func(t *testing.T) string {
			return sign(t, s, "user_123", testNow, time.Minute, with("exp", "tomorrow"))
		}, clerk.ErrMalformed, "token is malformed"},
		{"wrong issuer is rejected", func(t *testing.T) string {
			return sign(t, s, "user_123", testNow, time.Minute, with("iss", "https://clerk.attacker.com"))
		}, clerk.ErrIssuer, "token issuer is not accepted"},
		{"issuer extending the configured one is rejected", func(t *testing.T) string {
			return sign(t, s, "user_123", testNow, time.Minute, with("iss", testIssuer+".evil"))
		}, clerk.ErrIssuer, "token issuer is not accepted"},
		{"issuer with a trailing slash is rejected", func(t *testing.T) string {
			return sign(t, s, "user_123", testNow, time.Minute, with("iss", testIssuer+"/"))
		}, clerk.ErrIssuer, "token issuer is not accepted"},
		{"issuer that is a prefix of the configured one is rejected", func(t *testing.T) string {
			return sign(t, s, "user_123", testNow, time.Minute, with("iss", strings.TrimSuffix(testIssuer, ".com")))
		}, clerk.ErrIssuer, "token issuer is not accepted"},
		{"missing issuer is rejected", func(t *testing.T) string {
			return sign(t, s, "user_123", testNow, time.Minute, with("iss", nil))
		}, clerk.ErrIssuer, "token has no issuer"},
		{"missing sub is rejected", func(t *testing.T) string {
			return sign(t, s, "", testNow, time.Minute, ok)
		}, clerk.ErrNoSubject, "token has no subject"},
		{"empty sub is rejected", func(t *testing.T) string {
			return sign(t, s, "user_123", testNow, time.Minute, with("sub", ""))
		}, clerk.ErrNoSubject, "token has no subject"},
		{"sub of the wrong type is rejected", func(t *testing.T) string {
			return sign(t, s, "user_123", testNow, time.Minute, with("sub", 42))
		}, clerk.ErrMalformed, "token is malformed"},
		{"azp not in the allowed list is rejected", func(t *testing.T) string {
			return sign(t, s, "user_123", testNow, time.Minute, with("azp", "https://evil.example.com"))
		}, clerk.ErrAuthorizedParty, "token authorized party is not accepted"},
		{"missing azp is rejected when parties are configured", func(t *testing.T) string {
			return sign(t, s, "user_123", testNow, time.Minute, with("azp", nil))
		}, clerk.ErrAuthorizedParty, "token has no authorized party"},
		{"crit header is rejected", func(t *testing.T) string {
			tok := jwt.NewWithClaims(jwt.SigningMethodRS256, validClaims())
			tok.Header["crit"] = []string{"exp"}
			str, err := tok.SignedString(key)
			if err != nil {
				t.Fatal(err)
			}
			return str
		}, clerk.ErrMalformed, "token header has unsupported critical parameters"},
		{"token of MaxTokenLength+1 bytes is rejected unparsed", func(t *testing.T) string {
			return strings.Repeat("a", clerk.MaxTokenLength+1)
		}, clerk.ErrTooLong, "token is too long"},
		{"validly signed token over MaxTokenLength is rejected", func(t *testing.T) string {
			return sign(t, s, "user_123", testNow, time.Minute, with("pad", strings.Repeat("x", clerk.MaxTokenLength)))
		}, clerk.ErrTooLong, "token is too long"},
		{"10000 dots are rejected", func(t *testing.T) string {
			return strings.Repeat(".", 10000)
		}, clerk.ErrTooLong, "token is too long"},
		{"100 dots are rejected", func(t *testing.T) string {
			return strings.Repeat(".", 100)
		}, clerk.ErrMalformed, "token is malformed"},
		{"four segments are rejected", func(t *testing.T) string {
			return valid(t) + ".x"
		}, clerk.ErrMalformed, "token is malformed"},
		{"two segments are rejected", func(t *testing.T) string {
			parts := strings.Split(valid(t), ".")
			return parts[0] + "." + parts[1]
		}, clerk.ErrMalformed, "token is malformed"},
		{"non-base64 segments are rejected", func(t *testing.T) string {
			return "!!!!.@@@@.####"
		}, clerk.ErrMalformed, "token is malformed"},
		{"header that is not JSON is rejected", func(t *testing.T) string {
			parts := strings.Split(valid(t), ".")
			return b64("not json") + "." + parts[1] + "." + parts[2]
		}, clerk.ErrMalformed, "token is malformed"},
		{"claims that are not JSON are rejected", func(t *testing.T) string {
			parts := strings.Split(valid(t), ".")
			return parts[0] + "." + b64("[1,2]") + "." + parts[2]
		}, clerk.ErrMalformed, "token is malformed"},
		{"empty string is rejected", func(t *testing.T) string { return "" }, clerk.ErrMalformed, "token is empty"},
		{"Bearer prefix is rejected", func(t *testing.T) string { return "Bearer " + valid(t) }, clerk.ErrMalformed, "token is malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := tt.token(t)
			_, err := v.Verify(context.Background(), tok)
			checkErr(t, err, tt.want, tok)
			var ce *clerk.Error
			if errors.As(err, &ce) && ce.Description != tt.desc {
				t.Errorf("Description = %q, want %q", ce.Description, tt.desc)
			}
		})
	}
}

func TestErrorSentinels(t *testing.T) {
	sentinels := []error{
		clerk.ErrConfig, clerk.ErrMalformed, clerk.ErrTooLong, clerk.ErrAlgorithm, clerk.ErrSignature,
		clerk.ErrUnknownKey, clerk.ErrExpired, clerk.ErrNotYetValid, clerk.ErrIssuer, clerk.ErrNoSubject,
		clerk.ErrAuthorizedParty,
	}
	for i, a := range sentinels {
		for j, b := range sentinels {
			want := i == j || (a == clerk.ErrTooLong && b == clerk.ErrMalformed)
			if got := errors.Is(a, b); got != want {
				t.Errorf("errors.Is(%v, %v) = %v, want %v", a, b, got, want)
			}
		}
	}
	t.Run("wrapped error still matches its sentinel", func(t *testing.T) {
		s := testSigner(t, 0)
		v := newPEMVerifier(t, s)
		tok := sign(t, s, "u", testNow.Add(-time.Hour), time.Minute, nil)
		_, err := v.Verify(context.Background(), tok)
		wrapped := errors.Join(errors.New("auth"), err)
		if !errors.Is(wrapped, clerk.ErrExpired) || !errors.Is(wrapped, jwt.ErrTokenExpired) {
			t.Errorf("errors.Is through wrapping failed for %v", wrapped)
		}
	})
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	s := testSigner(t, 0)
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, _ := x509.MarshalPKIXPublicKey(&ecKey.PublicKey)
	ecPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: ecDER}))
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	smallPEM := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&small.PublicKey)}))
	good := clerk.Config{Issuer: testIssuer, PublicKeyPEM: s.PublicKeyPEM()}

	tests := []struct {
		name   string
		mutate func(*clerk.Config)
	}{
		{"missing issuer is rejected", func(c *clerk.Config) { c.Issuer = "" }},
		{"both key sources are rejected", func(c *clerk.Config) { c.JWKSURL = "https://clerk.example.com/.well-known/jwks.json" }},
		{"no key source is rejected", func(c *clerk.Config) { c.PublicKeyPEM = "" }},
		{"leeway above 5s is rejected", func(c *clerk.Config) { c.Leeway = 6 * time.Second }},
		{"negative leeway is rejected", func(c *clerk.Config) { c.Leeway = -time.Second }},
		{"empty authorized party is rejected", func(c *clerk.Config) { c.AuthorizedParties = []string{testParty, ""} }},
		{"PEM without a block is rejected", func(c *clerk.Config) { c.PublicKeyPEM = "not a key" }},
		{"PEM with two blocks is rejected", func(c *clerk.Config) { c.PublicKeyPEM += c.PublicKeyPEM }},
		{"private key PEM block is rejected", func(c *clerk.Config) {
			c.PublicKeyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey(t, 0))}))
		}},
		{"EC public key is rejected", func(c *clerk.Config) { c.PublicKeyPEM = ecPEM }},
		{"1024-bit RSA key is rejected", func(c *clerk.Config) { c.PublicKeyPEM = smallPEM }},
		{"corrupt PKIX body is rejected", func(c *clerk.Config) {
			c.PublicKeyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte("junk")}))
		}},
		{"plain http JWKS URL on a public host is rejected", func(c *clerk.Config) {
			c.PublicKeyPEM, c.JWKSURL = "", "http://clerk.example.com/.well-known/jwks.json"
		}},
		{"relative JWKS URL is rejected", func(c *clerk.Config) { c.PublicKeyPEM, c.JWKSURL = "", "/.well-known/jwks.json" }},
		{"non-http JWKS URL is rejected", func(c *clerk.Config) { c.PublicKeyPEM, c.JWKSURL = "", "file:///etc/jwks.json" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			tt.mutate(&cfg)
			v, err := clerk.New(context.Background(), cfg)
			if err == nil {
				v.Close()
				t.Fatal("New succeeded, want ErrConfig")
			}
			if !errors.Is(err, clerk.ErrConfig) {
				t.Fatalf("New error = %v, want ErrConfig", err)
			}
			if strings.Contains(err.Error(), "BEGIN") || strings.Contains(err.Error(), "MII") {
				t.Errorf("error %q leaks key material", err)
			}
		})
	}
}

func TestNewAcceptsPEMVariants(t *testing.T) {
	s := testSigner(t, 0)
	key := rsaKey(t, 0)
	pkcs1 := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&key.PublicKey)}))
	tests := []struct {
		name string
		pem  string
	}{
		{"PKIX PUBLIC KEY block verifies", s.PublicKeyPEM()},
		{"PKCS1 RSA PUBLIC KEY block verifies", pkcs1},
		{"PEM with escaped newlines from an env file verifies", strings.ReplaceAll(strings.TrimSpace(s.PublicKeyPEM()), "\n", `\n`)},
		{"PEM with surrounding whitespace verifies", "\n  " + s.PublicKeyPEM() + "\n\n"},
	}
	tok := sign(t, s, "user_123", testNow, time.Minute, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := clerk.New(context.Background(), clerk.Config{Issuer: testIssuer, PublicKeyPEM: tt.pem, Now: fixedNow})
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			defer v.Close()
			if _, err := v.Verify(context.Background(), tok); err != nil {
				t.Errorf("Verify: %v", err)
			}
		})
	}
}

func TestNewWithCancelledContextFails(t *testing.T) {
	s := testSigner(t, 0)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := clerk.New(ctx, clerk.Config{Issuer: testIssuer, PublicKeyPEM: s.PublicKeyPEM()})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("New error = %v, want context.Canceled", err)
	}
}

func TestVerifyIsSafeForConcurrentUse(t *testing.T) {
	s := testSigner(t, 0)
	v := newPEMVerifier(t, s)
	good := sign(t, s, "user_123", testNow, time.Minute, nil)
	bad := sign(t, s, "user_123", testNow.Add(-time.Hour), time.Minute, nil)
	done := make(chan error)
	for i := range 16 {
		go func() {
			tok, wantErr := good, false
			if i%2 == 1 {
				tok, wantErr = bad, true
			}
			for range 20 {
				if _, err := v.Verify(context.Background(), tok); (err != nil) != wantErr {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for range 16 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

func TestCloseIsIdempotentInPEMMode(t *testing.T) {
	s := testSigner(t, 0)
	v := newPEMVerifier(t, s)
	v.Close()
	v.Close()
	if _, err := v.Verify(context.Background(), sign(t, s, "u", testNow, time.Minute, nil)); err != nil {
		t.Errorf("Verify after Close: %v", err)
	}
}

func BenchmarkVerify(b *testing.B) {
	s := testSigner(b, 0)
	v := newPEMVerifier(b, s, testParty)
	tok := sign(b, s, "user_123", testNow, time.Minute, map[string]any{"sid": "sess_456", "azp": testParty})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}
