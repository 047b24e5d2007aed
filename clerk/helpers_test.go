package clerk_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/humop/humop/clerk"
)

const (
	testIssuer = "https://clerk.example.com"
	testParty  = "https://operator.example.com"
)

// testNow is the pinned clock of every verifier in these tests.
var testNow = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func fixedNow() time.Time { return testNow }

var (
	keysMu sync.Mutex
	keys   []*rsa.PrivateKey
)

// rsaKey returns the i-th 2048-bit test key, generating keys once per test
// binary because generation is slow.
func rsaKey(t testing.TB, i int) *rsa.PrivateKey {
	t.Helper()
	keysMu.Lock()
	defer keysMu.Unlock()
	for len(keys) <= i {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatalf("rsa.GenerateKey: %v", err)
		}
		keys = append(keys, k)
	}
	return keys[i]
}

// testSigner returns a Signer over test key i with issuer testIssuer.
func testSigner(t testing.TB, i int) *clerk.Signer {
	t.Helper()
	return clerk.NewSigner(rsaKey(t, i), "", testIssuer)
}

// sign issues a token from s at iat with the given ttl and extra claims.
func sign(t testing.TB, s *clerk.Signer, sub string, iat time.Time, ttl time.Duration, extra map[string]any) string {
	t.Helper()
	tok, _, err := s.Sign(sub, ttl, iat, extra)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	return tok
}

// signRaw signs claims with an arbitrary method and key, bypassing Signer.
func signRaw(t testing.TB, method jwt.SigningMethod, key any, kid string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("SignedString(%s): %v", method.Alg(), err)
	}
	return s
}

// validClaims are the claims of a valid token at testNow.
func validClaims() jwt.MapClaims {
	return jwt.MapClaims{
		"iss": testIssuer,
		"sub": "user_123",
		"sid": "sess_456",
		"azp": testParty,
		"iat": testNow.Unix(),
		"nbf": testNow.Unix(),
		"exp": testNow.Add(time.Minute).Unix(),
	}
}

// newPEMVerifier returns a networkless verifier trusting signer's key,
// closed at the end of the test.
func newPEMVerifier(t testing.TB, s *clerk.Signer, parties ...string) *clerk.Verifier {
	t.Helper()
	v, err := clerk.New(context.Background(), clerk.Config{
		Issuer:            testIssuer,
		AuthorizedParties: parties,
		PublicKeyPEM:      s.PublicKeyPEM(),
		Now:               fixedNow,
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(v.Close)
	return v
}

// jwksServer is an httptest server on 127.0.0.1 serving a replaceable JWKS
// and counting requests.
type jwksServer struct {
	*httptest.Server
	body   atomic.Pointer[[]byte]
	status atomic.Int32
	hits   atomic.Int64
}

func newJWKSServer(t testing.TB, body []byte) *jwksServer {
	t.Helper()
	js := &jwksServer{}
	js.set(body)
	js.status.Store(http.StatusOK)
	js.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		js.hits.Add(1)
		if code := int(js.status.Load()); code != http.StatusOK {
			http.Error(w, "unavailable", code)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(*js.body.Load())
	}))
	t.Cleanup(js.Close)
	return js
}

func (js *jwksServer) set(body []byte) { js.body.Store(&body) }

func (js *jwksServer) serve(t testing.TB, s *clerk.Signer) {
	t.Helper()
	b, err := s.JWKS()
	if err != nil {
		t.Fatalf("JWKS: %v", err)
	}
	js.set(b)
}

func jwksOf(t testing.TB, s *clerk.Signer) []byte {
	t.Helper()
	b, err := s.JWKS()
	if err != nil {
		t.Fatalf("JWKS: %v", err)
	}
	return b
}

// newJWKSVerifier returns a verifier on js, closed at the end of the test.
// every, if non-zero, replaces the one-minute unknown-kid refresh limit.
func newJWKSVerifier(t testing.TB, js *jwksServer, every time.Duration) *clerk.Verifier {
	t.Helper()
	cfg := clerk.Config{Issuer: testIssuer, JWKSURL: js.URL + "/.well-known/jwks.json", Now: fixedNow}
	var (
		v   *clerk.Verifier
		err error
	)
	if every == 0 {
		v, err = clerk.New(context.Background(), cfg)
	} else {
		v, err = clerk.NewWithUnknownKIDRefreshInterval(context.Background(), cfg, every)
	}
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(v.Close)
	return v
}

// checkErr asserts that err is a *clerk.Error matching want whose message
// reveals nothing of the token and fits in a quoted header parameter.
func checkErr(t testing.TB, err, want error, token string) {
	t.Helper()
	if err == nil {
		t.Fatalf("Verify succeeded, want %v", want)
	}
	var ce *clerk.Error
	if !errors.As(err, &ce) {
		t.Fatalf("error %v (%T) is not a *clerk.Error", err, err)
	}
	if !errors.Is(err, want) {
		t.Fatalf("Verify error = %q, want errors.Is(%q)", err, want)
	}
	if ce.Description == "" || strings.ContainsAny(ce.Description, "\"\\\r\n") {
		t.Errorf("Description %q is empty or unsafe in a quoted-string", ce.Description)
	}
	for _, part := range strings.Split(token, ".") {
		if len(part) >= 8 && (strings.Contains(err.Error(), part) || strings.Contains(ce.Description, part)) {
			t.Errorf("error %q leaks part of the token", err)
		}
	}
}
