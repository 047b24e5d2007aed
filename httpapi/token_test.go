package httpapi_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/humop/humop"
	"github.com/humop/humop/clerk"
	"github.com/humop/humop/httpapi"
	"github.com/humop/humop/memstore"
	"github.com/humop/humop/operator"
)

const testIssuer = "https://clerk.humop.example"

// tokenEnv is a production handler (no bypass) verifying tokens of one
// signer, with an operator linked to subject user_1.
type tokenEnv struct {
	*env
	signer *clerk.Signer
	opID   string
}

func newTokenEnv(t testing.TB) *tokenEnv {
	t.Helper()
	signer, err := clerk.GenerateSigner(testIssuer)
	if err != nil {
		t.Fatal(err)
	}
	v, err := clerk.New(context.Background(), clerk.Config{
		Issuer:            testIssuer,
		PublicKeyPEM:      signer.PublicKeyPEM(),
		AuthorizedParties: []string{"https://app.humop.example"},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Close)
	store := &memstore.Store{}
	svc, err := humop.New(humop.Options{Store: store, ApproveAtRegistration: true})
	if err != nil {
		t.Fatal(err)
	}
	p, err := svc.RegisterOperator(context.Background(), operator.Registration{Name: "A", Email: "a@example.com"}, "user_1")
	if err != nil {
		t.Fatal(err)
	}
	h := httpapi.New(httpapi.Options{Service: svc, Tokens: httpapi.ClerkTokens(v), Development: true})
	return &tokenEnv{env: &env{h: h, store: store, svc: svc}, signer: signer, opID: p.Operator.ID}
}

func (e *tokenEnv) sign(t testing.TB, sub string, ttl time.Duration, now time.Time, extra map[string]any) string {
	t.Helper()
	if extra == nil {
		extra = map[string]any{}
	}
	if _, ok := extra["azp"]; !ok {
		extra["azp"] = "https://app.humop.example"
	}
	tok, _, err := e.signer.Sign(sub, ttl, now, extra)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestValidTokenAuthenticates(t *testing.T) {
	e := newTokenEnv(t)
	tok := e.sign(t, "user_1", time.Minute, time.Now(), nil)
	res := e.call(t, "GET", "/api/v1/operator/me", nil, "Authorization", "Bearer "+tok)
	if res.status != http.StatusOK || res.body["operator_id"] != e.opID {
		t.Fatalf("GET me with a valid token: %d %s", res.status, res.raw)
	}
}

func TestHostileTokensAreRefused(t *testing.T) {
	e := newTokenEnv(t)
	now := time.Now()
	good := e.sign(t, "user_1", time.Minute, now, nil)
	parts := strings.Split(good, ".")
	other, _ := clerk.GenerateSigner(testIssuer)
	otherTok, _, _ := other.Sign("user_1", time.Minute, now, map[string]any{"azp": "https://app.humop.example"})

	hs256 := func(key []byte) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
			"iss": testIssuer, "sub": "user_1", "azp": "https://app.humop.example",
			"iat": now.Unix(), "exp": now.Add(time.Minute).Unix(),
		})
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	enc := base64.RawURLEncoding.EncodeToString
	none := enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."
	altered := parts[0] + "." + enc([]byte(`{"iss":"`+testIssuer+`","sub":"user_2","azp":"https://app.humop.example","exp":9999999999}`)) + "." + parts[2]
	unknownKID := func() string {
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"iss": testIssuer, "sub": "user_1", "exp": now.Add(time.Minute).Unix()})
		tok.Header["kid"] = "no-such-key"
		s, _ := tok.SigningString()
		return s + "." + parts[2]
	}()

	tests := []struct {
		name   string
		header string
		want   string // in WWW-Authenticate's description
	}{
		{"alg none", "Bearer " + none, ""},
		{"HS256 signed with the public key's bytes", "Bearer " + hs256([]byte(e.signer.PublicKeyPEM())), "RS256"},
		{"expired", "Bearer " + e.sign(t, "user_1", time.Minute, now.Add(-2*time.Minute), nil), "expired"},
		{"not yet valid", "Bearer " + e.sign(t, "user_1", time.Hour, now.Add(10*time.Minute), nil), "not valid yet"},
		{"wrong issuer", "Bearer " + e.sign(t, "user_1", time.Minute, now, map[string]any{"iss": testIssuer + ".evil"}), "issuer"},
		{"wrong azp", "Bearer " + e.sign(t, "user_1", time.Minute, now, map[string]any{"azp": "https://evil.example"}), "authorized party"},
		{"missing azp", "Bearer " + e.sign(t, "user_1", time.Minute, now, map[string]any{"azp": nil}), "authorized party"},
		{"signed by another key", "Bearer " + otherTok, "signature"},
		{"payload altered after signing", "Bearer " + altered, "signature"},
		{"unknown kid", "Bearer " + unknownKID, ""},
		{"missing sub", "Bearer " + e.sign(t, "", time.Minute, now, nil), "subject"},
		{"missing exp", "Bearer " + e.sign(t, "user_1", time.Minute, now, map[string]any{"exp": nil}), ""},
		{"malformed segments", "Bearer abc.def", "malformed"},
		{"not base64", "Bearer !!!.@@@.###", "malformed"},
		{"header full of dots", "Bearer " + strings.Repeat(".", 5000), ""},
		{"empty bearer", "Bearer ", ""},
		{"bearer without token", "Bearer", ""},
		{"10 KB header", "Bearer " + strings.Repeat("a", 10<<10), "too long"},
		{"valid token of an identity with no operator", "Bearer " + e.sign(t, "user_2", time.Minute, now, nil), "no operator"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The bypass header names a real operator: a bad token must
			// not fall back to it.
			res := e.call(t, "GET", "/api/v1/operator/me", nil, "Authorization", tt.header, "X-Operator-Id", e.opID)
			if res.status != http.StatusUnauthorized {
				t.Fatalf("status = %d, want 401; body %s", res.status, res.raw)
			}
			challenge := res.header.Get("WWW-Authenticate")
			if !strings.HasPrefix(challenge, "Bearer ") || !strings.Contains(challenge, tt.want) {
				t.Errorf("WWW-Authenticate = %q, want a Bearer challenge mentioning %q", challenge, tt.want)
			}
			if strings.Contains(res.raw, "BEGIN") || strings.Contains(challenge, "BEGIN") {
				t.Errorf("key material leaked: %s", res.raw)
			}
		})
	}
}

// BenchmarkGetMe compares an authenticated GET /api/v1/operator/me with a
// verified token against the same request through the development bypass.
func BenchmarkGetMe(b *testing.B) {
	e := newTokenEnv(b)
	tok := e.sign(b, "user_1", time.Hour, time.Now(), nil)
	run := func(b *testing.B, header, value string) {
		b.ReportAllocs()
		for b.Loop() {
			req := httptest.NewRequest("GET", "/api/v1/operator/me", nil)
			req.Header.Set(header, value)
			rec := httptest.NewRecorder()
			e.h.ServeHTTP(rec, req)
			if rec.Code != 200 {
				b.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
		}
	}
	b.Run("baseline=bypass", func(b *testing.B) { run(b, "X-Operator-Id", e.opID) })
	b.Run("bearer-token", func(b *testing.B) { run(b, "Authorization", "Bearer "+tok) })
}
