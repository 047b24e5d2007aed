package clerk_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/humop/humop/clerk"
)

func TestSignerSignIssuesClerkShapedTokens(t *testing.T) {
	s := testSigner(t, 0)
	now := time.Date(2030, 1, 2, 3, 4, 5, 600_000_000, time.UTC)
	tok, exp, err := s.Sign("user_1", 90*time.Second, now, map[string]any{"azp": testParty, "sid": "sess_1"})
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	if want := time.Date(2030, 1, 2, 3, 5, 35, 0, time.UTC); !exp.Equal(want) {
		t.Errorf("expiresAt = %v, want %v", exp, want)
	}
	parsed, _, err := jwt.NewParser().ParseUnverified(tok, jwt.MapClaims{})
	if err != nil {
		t.Fatalf("ParseUnverified: %v", err)
	}
	wantHeader := map[string]any{"alg": "RS256", "typ": "JWT", "kid": s.KeyID()}
	if diff := cmp.Diff(wantHeader, parsed.Header); diff != "" {
		t.Errorf("header mismatch (-want +got):\n%s", diff)
	}
	wantClaims := jwt.MapClaims{
		"iss": testIssuer, "sub": "user_1", "azp": testParty, "sid": "sess_1",
		"iat": float64(now.Unix()), "nbf": float64(now.Unix()), "exp": float64(exp.Unix()),
	}
	if diff := cmp.Diff(wantClaims, parsed.Claims); diff != "" {
		t.Errorf("claims mismatch (-want +got):\n%s", diff)
	}
}

func TestSignerSignOmitsAzpUnlessGiven(t *testing.T) {
	s := testSigner(t, 0)
	tok, _, err := s.Sign("user_1", time.Minute, testNow, nil)
	if err != nil {
		t.Fatal(err)
	}
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(tok, claims); err != nil {
		t.Fatal(err)
	}
	if _, ok := claims["azp"]; ok {
		t.Errorf("token has azp although none was given: %v", claims)
	}
}

func TestSignerSignRejectsNonPositiveTTL(t *testing.T) {
	s := testSigner(t, 0)
	for _, ttl := range []time.Duration{0, -time.Second} {
		if _, _, err := s.Sign("u", ttl, testNow, nil); err == nil {
			t.Errorf("Sign with ttl %v succeeded", ttl)
		}
	}
}

func TestSignerJWKS(t *testing.T) {
	key := rsaKey(t, 0)
	s := clerk.NewSigner(key, "kid-1", testIssuer)
	raw, err := s.JWKS()
	if err != nil {
		t.Fatalf("JWKS: %v", err)
	}
	type jwk struct{ Kty, Use, Alg, Kid, N, E string }
	var got struct{ Keys []jwk }
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("JWKS is not JSON: %v", err)
	}
	want := []jwk{{
		Kty: "RSA", Use: "sig", Alg: "RS256", Kid: "kid-1",
		N: base64.RawURLEncoding.EncodeToString(key.N.Bytes()),
		E: base64.RawURLEncoding.EncodeToString(big.NewInt(int64(key.E)).Bytes()),
	}}
	if diff := cmp.Diff(want, got.Keys); diff != "" {
		t.Errorf("JWKS mismatch (-want +got):\n%s", diff)
	}
	if strings.Contains(string(raw), `"d"`) || strings.Contains(string(raw), `"p"`) {
		t.Errorf("JWKS leaks private key parameters: %s", raw)
	}
}

func TestSignerKeyIDIsDerivedFromThePublicKey(t *testing.T) {
	a1 := clerk.NewSigner(rsaKey(t, 0), "", testIssuer)
	a2 := clerk.NewSigner(rsaKey(t, 0), "", "https://other.example.com")
	b := clerk.NewSigner(rsaKey(t, 1), "", testIssuer)
	if a1.KeyID() == "" || a1.KeyID() != a2.KeyID() {
		t.Errorf("kid of the same key differs or is empty: %q vs %q", a1.KeyID(), a2.KeyID())
	}
	if a1.KeyID() == b.KeyID() {
		t.Errorf("different keys share kid %q", a1.KeyID())
	}
	g, err := clerk.GenerateSigner(testIssuer)
	if err != nil {
		t.Fatalf("GenerateSigner: %v", err)
	}
	if g.KeyID() == "" || g.Issuer() != testIssuer {
		t.Errorf("GenerateSigner: kid %q issuer %q", g.KeyID(), g.Issuer())
	}
}

func TestLoadOrGenerateSigner(t *testing.T) {
	t.Run("missing file is generated with mode 0600 and reloaded with the same key", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "dev", "clerk-key.pem")
		first, err := clerk.LoadOrGenerateSigner(path, testIssuer)
		if err != nil {
			t.Fatalf("first LoadOrGenerateSigner: %v", err)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm != 0o600 {
			t.Errorf("key file mode = %v, want 0600", perm)
		}
		second, err := clerk.LoadOrGenerateSigner(path, testIssuer)
		if err != nil {
			t.Fatalf("second LoadOrGenerateSigner: %v", err)
		}
		if first.KeyID() != second.KeyID() || first.PublicKeyPEM() != second.PublicKeyPEM() {
			t.Fatal("reloaded signer has a different key")
		}
		// A token from before the "restart" verifies against the reloaded key.
		v := newPEMVerifier(t, second)
		if _, err := v.Verify(context.Background(), sign(t, first, "u", testNow, time.Minute, nil)); err != nil {
			t.Errorf("Verify: %v", err)
		}
	})

	key := rsaKey(t, 1)
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecPKCS8, err := x509.MarshalPKCS8PrivateKey(ecKey)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		content []byte
		wantErr bool
	}{
		{"PKCS8 PRIVATE KEY file is loaded", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}), false},
		{"PKCS1 RSA PRIVATE KEY file is loaded", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), false},
		{"file without PEM is an error", []byte("garbage"), true},
		{"EC private key is an error", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecPKCS8}), true},
		{"public key block is an error", []byte(clerk.NewSigner(key, "", testIssuer).PublicKeyPEM()), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "key.pem")
			if err := os.WriteFile(path, tt.content, 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := clerk.LoadOrGenerateSigner(path, testIssuer)
			if tt.wantErr {
				if err == nil {
					t.Fatal("LoadOrGenerateSigner succeeded, want error")
				}
				after, _ := os.ReadFile(path)
				if string(after) != string(tt.content) {
					t.Error("invalid key file was overwritten")
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadOrGenerateSigner: %v", err)
			}
			if want := clerk.NewSigner(key, "", testIssuer).KeyID(); s.KeyID() != want {
				t.Errorf("kid = %q, want %q", s.KeyID(), want)
			}
		})
	}
}
