package clerk_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/humop/humop/clerk"
)

func TestJWKSVerifiesValidToken(t *testing.T) {
	s := testSigner(t, 0)
	js := newJWKSServer(t, jwksOf(t, s))
	v := newJWKSVerifier(t, js, 0)

	got, err := v.Verify(context.Background(), sign(t, s, "user_123", testNow, time.Minute, map[string]any{"sid": "sess_1"}))
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	want := clerk.Claims{Subject: "user_123", SessionID: "sess_1", IssuedAt: testNow, ExpiresAt: testNow.Add(time.Minute)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("claims mismatch (-want +got):\n%s", diff)
	}
	for range 10 {
		if _, err := v.Verify(context.Background(), sign(t, s, "user_123", testNow, time.Minute, nil)); err != nil {
			t.Fatalf("Verify: %v", err)
		}
	}
	if n := js.hits.Load(); n != 1 {
		t.Errorf("JWKS fetched %d times, want 1 (keys are cached)", n)
	}
}

func TestJWKSUnknownKIDRefetchIsRateLimited(t *testing.T) {
	s := testSigner(t, 0)
	js := newJWKSServer(t, jwksOf(t, s))
	v := newJWKSVerifier(t, js, 0)

	tokens := make([]string, 100)
	for i := range tokens {
		forged := clerk.NewSigner(rsaKey(t, 0), rand.Text(), testIssuer) // right key, random kid
		tokens[i] = sign(t, forged, "user_123", testNow, time.Minute, nil)
	}
	start := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, len(tokens))
	for i, tok := range tokens {
		wg.Go(func() { _, errs[i] = v.Verify(context.Background(), tok) })
	}
	wg.Wait()
	for i, err := range errs {
		if !errors.Is(err, clerk.ErrUnknownKey) {
			t.Fatalf("token %d: error = %v, want ErrUnknownKey", i, err)
		}
	}
	if n := js.hits.Load(); n > 2 {
		t.Errorf("JWKS fetched %d times for 100 unknown kids, want at most 2", n)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("rate-limited requests took %v; they should fail without waiting for the limiter", d)
	}
	// Known keys keep working while the refresh is rate limited.
	if _, err := v.Verify(context.Background(), sign(t, s, "user_123", testNow, time.Minute, nil)); err != nil {
		t.Errorf("Verify with known kid: %v", err)
	}
}

func TestJWKSKeyRotation(t *testing.T) {
	a, b, c := testSigner(t, 0), testSigner(t, 1), testSigner(t, 2)

	t.Run("new kid verifies after one refresh and the removed key is dropped", func(t *testing.T) {
		js := newJWKSServer(t, jwksOf(t, a))
		v := newJWKSVerifier(t, js, 0)
		if _, err := v.Verify(context.Background(), sign(t, a, "u", testNow, time.Minute, nil)); err != nil {
			t.Fatalf("Verify with key A: %v", err)
		}
		js.serve(t, b)
		if _, err := v.Verify(context.Background(), sign(t, b, "u", testNow, time.Minute, nil)); err != nil {
			t.Fatalf("Verify with rotated key B: %v", err)
		}
		if n := js.hits.Load(); n != 2 {
			t.Errorf("JWKS fetched %d times, want 2", n)
		}
		_, err := v.Verify(context.Background(), sign(t, a, "u", testNow, time.Minute, nil))
		checkErr(t, err, clerk.ErrUnknownKey, "")
	})

	t.Run("second rotation within a minute is not fetched and fails fast", func(t *testing.T) {
		js := newJWKSServer(t, jwksOf(t, a))
		v := newJWKSVerifier(t, js, 0)
		js.serve(t, b)
		if _, err := v.Verify(context.Background(), sign(t, b, "u", testNow, time.Minute, nil)); err != nil {
			t.Fatalf("Verify with rotated key B: %v", err)
		}
		js.serve(t, c)
		start := time.Now()
		_, err := v.Verify(context.Background(), sign(t, c, "u", testNow, time.Minute, nil))
		checkErr(t, err, clerk.ErrUnknownKey, "")
		if d := time.Since(start); d > time.Second {
			t.Errorf("rate-limited Verify took %v, want an immediate failure", d)
		}
		if n := js.hits.Load(); n != 2 {
			t.Errorf("JWKS fetched %d times, want 2", n)
		}
	})

	t.Run("repeated rotations are picked up once the refresh interval has passed", func(t *testing.T) {
		js := newJWKSServer(t, jwksOf(t, a))
		v := newJWKSVerifier(t, js, 50*time.Millisecond)
		for i, s := range []*clerk.Signer{b, c, a} {
			js.serve(t, s)
			// The limiter lets the refresh wait up to 50ms instead of failing.
			if _, err := v.Verify(context.Background(), sign(t, s, "u", testNow, time.Minute, nil)); err != nil {
				t.Fatalf("rotation %d: Verify: %v", i, err)
			}
		}
		if n := js.hits.Load(); n != 4 {
			t.Errorf("JWKS fetched %d times, want 4", n)
		}
	})
}

func TestJWKSLazyStart(t *testing.T) {
	s := testSigner(t, 0)
	js := newJWKSServer(t, jwksOf(t, s))
	js.status.Store(http.StatusServiceUnavailable)
	v := newJWKSVerifier(t, js, 0) // must not fail although the fetch did
	js.status.Store(http.StatusOK)

	if _, err := v.Verify(context.Background(), sign(t, s, "u", testNow, time.Minute, nil)); err != nil {
		t.Fatalf("Verify after the JWKS came back: %v", err)
	}
	if n := js.hits.Load(); n != 2 {
		t.Errorf("JWKS fetched %d times, want 2", n)
	}
}

func TestJWKSRejectsUnusableKeys(t *testing.T) {
	s := testSigner(t, 0)
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	point, err := ecKey.PublicKey.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	ecJWK := map[string]any{"kty": "EC", "crv": "P-256", "kid": s.KeyID(), "x": b64(point[1:33]), "y": b64(point[33:])}

	// modified returns the signer's JWKS with fields of its key replaced.
	modified := func(t *testing.T, set map[string]any) []byte {
		t.Helper()
		var doc struct {
			Keys []map[string]any `json:"keys"`
		}
		if err := json.Unmarshal(jwksOf(t, s), &doc); err != nil {
			t.Fatal(err)
		}
		for k, val := range set {
			if val == nil {
				delete(doc.Keys[0], k)
			} else {
				doc.Keys[0][k] = val
			}
		}
		out, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	ecSet, err := json.Marshal(map[string]any{"keys": []any{ecJWK}})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		jwks func(t *testing.T) []byte
		want error
		desc string
	}{
		{"JWK claiming RS384 is not used for RS256", func(t *testing.T) []byte { return modified(t, map[string]any{"alg": "RS384"}) }, clerk.ErrUnknownKey, "token signing key is not an RS256 key"},
		{"JWK claiming PS256 is not used for RS256", func(t *testing.T) []byte { return modified(t, map[string]any{"alg": "PS256"}) }, clerk.ErrUnknownKey, "token signing key is not an RS256 key"},
		{"JWK for encryption is not used", func(t *testing.T) []byte { return modified(t, map[string]any{"use": "enc"}) }, clerk.ErrUnknownKey, "token signing key is not a signature key"},
		{"EC JWK under the token's kid is not used", func(t *testing.T) []byte { return ecSet }, clerk.ErrUnknownKey, "token signing key is not an RSA key"},
		{"JWK without alg and use is used", func(t *testing.T) []byte { return modified(t, map[string]any{"alg": nil, "use": nil}) }, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			js := newJWKSServer(t, tt.jwks(t))
			v := newJWKSVerifier(t, js, 0)
			tok := sign(t, s, "u", testNow, time.Minute, nil)
			_, err := v.Verify(context.Background(), tok)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			checkErr(t, err, tt.want, tok)
			var ce *clerk.Error
			if errors.As(err, &ce) && ce.Description != tt.desc {
				t.Errorf("Description = %q, want %q", ce.Description, tt.desc)
			}
		})
	}
}

func TestJWKSTokenWithoutKIDIsRejected(t *testing.T) {
	s := testSigner(t, 0)
	js := newJWKSServer(t, jwksOf(t, s))
	v := newJWKSVerifier(t, js, 0)
	tok := signRaw(t, jwt.SigningMethodRS256, rsaKey(t, 0), "", validClaims())
	_, err := v.Verify(context.Background(), tok)
	checkErr(t, err, clerk.ErrUnknownKey, tok)
}

func TestJWKSVerifyAfterClose(t *testing.T) {
	s := testSigner(t, 0)
	js := newJWKSServer(t, jwksOf(t, s))
	v := newJWKSVerifier(t, js, 0)
	v.Close()
	v.Close() // idempotent

	if _, err := v.Verify(context.Background(), sign(t, s, "u", testNow, time.Minute, nil)); err != nil {
		t.Errorf("Verify with cached key after Close: %v", err)
	}
	forged := clerk.NewSigner(rsaKey(t, 0), "unknown-kid", testIssuer)
	_, err := v.Verify(context.Background(), sign(t, forged, "u", testNow, time.Minute, nil))
	checkErr(t, err, clerk.ErrUnknownKey, "")
	if n := js.hits.Load(); n != 1 {
		t.Errorf("JWKS fetched %d times, want 1 (no fetch after Close)", n)
	}
}

func TestJWKSCloseStopsGoroutines(t *testing.T) {
	const marker = "jwkset.NewStorageFromHTTP"
	refreshGoroutines := func() int {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		n := 0
		for g := range strings.SplitSeq(string(buf), "\n\n") {
			if strings.Contains(g, marker) {
				n++
			}
		}
		return n
	}
	// Earlier tests' verifiers are closed, but their goroutines may still be exiting.
	waitUntil(t, func() bool { return refreshGoroutines() == 0 }, "refresh goroutines of earlier tests to exit")
	before := runtime.NumGoroutine()

	s := testSigner(t, 0)
	js := newJWKSServer(t, jwksOf(t, s))
	v, err := clerk.New(context.Background(), clerk.Config{Issuer: testIssuer, JWKSURL: js.URL, Now: fixedNow})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if _, err := v.Verify(context.Background(), sign(t, s, "u", testNow, time.Minute, nil)); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if n := refreshGoroutines(); n != 1 {
		t.Fatalf("%d refresh goroutines running before Close, want 1", n)
	}

	v.Close()
	js.Close()
	waitUntil(t, func() bool {
		return refreshGoroutines() == 0 && runtime.NumGoroutine() <= before
	}, "goroutines to return to their count before New")
}

// waitUntil polls cond every few milliseconds for up to 5s.
func waitUntil(t *testing.T, cond func() bool, what string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestNewJWKSAbortsWhenContextEnds(t *testing.T) {
	block := make(chan struct{})
	js := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-block }))
	defer js.Close()
	defer close(block) // runs first: unblock the handler so that Close returns

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := clerk.New(ctx, clerk.Config{Issuer: testIssuer, JWKSURL: js.URL})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("New error = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("New took %v after its context ended", d)
	}
}
