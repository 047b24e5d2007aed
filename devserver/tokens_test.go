package devserver_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/humop/humop/clerk"
	"github.com/humop/humop/devserver"
)

func (c *client) token(operatorID string, extra ...any) string {
	c.t.Helper()
	body := map[string]any{"operator_id": operatorID}
	for i := 0; i+1 < len(extra); i += 2 {
		body[extra[i].(string)] = extra[i+1]
	}
	status, b := c.do("POST", "/dev/tokens", body)
	if status != http.StatusCreated {
		c.t.Fatalf("POST /dev/tokens: %d %v", status, b)
	}
	return b["token"].(string)
}

func TestDevTokensAuthenticateOperators(t *testing.T) {
	c, srv := newClient(t, devserver.Config{})
	id, _ := c.register("a@example.com")
	status, b := c.do("POST", "/dev/tokens", map[string]any{"operator_id": id})
	if status != http.StatusCreated {
		t.Fatalf("POST /dev/tokens: %d %v", status, b)
	}
	exp, err := time.Parse(time.RFC3339, b["expires_at"].(string))
	if err != nil || exp.Sub(srv.Clock().Now()) < 59*time.Minute {
		t.Errorf("expires_at = %v (%v), want about an hour ahead", b["expires_at"], err)
	}
	auth := []string{"Authorization", "Bearer " + b["token"].(string)}
	status, me := c.do("GET", "/api/v1/operator/me", nil, auth...)
	if status != 200 || me["operator_id"] != id {
		t.Fatalf("GET me with a dev token: %d %v", status, me)
	}
	// A second token for the same operator names the same subject.
	if status, me := c.do("GET", "/api/v1/operator/me", nil, "Authorization", "Bearer "+c.token(id)); status != 200 || me["operator_id"] != id {
		t.Errorf("GET me with a second token: %d %v", status, me)
	}
	// The dev clock expires tokens too.
	c.do("POST", "/dev/clock/advance", map[string]any{"duration": "2h"})
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/api/v1/operator/me", nil)
	req.Header.Set("Authorization", auth[1])
	srv.Handler().ServeHTTP(rec, req)
	if rec.Code != 401 || !strings.Contains(rec.Header().Get("WWW-Authenticate"), "expired") {
		t.Errorf("expired token: %d, WWW-Authenticate %q; want 401 saying expired", rec.Code, rec.Header().Get("WWW-Authenticate"))
	}
}

func TestDevTokenErrors(t *testing.T) {
	c, _ := newClient(t, devserver.Config{})
	id, _ := c.register("a@example.com")
	tests := []struct {
		name string
		body map[string]any
		want int
	}{
		{"no operator id", map[string]any{}, 400},
		{"unknown operator", map[string]any{"operator_id": "op_01ARZ3NDEKTSV4RRFFQ69G5FAV"}, 404},
		{"bad ttl", map[string]any{"operator_id": id, "ttl": "forever"}, 400},
		{"ttl too long", map[string]any{"operator_id": id, "ttl": "9000h"}, 400},
	}
	for _, tt := range tests {
		if status, b := c.do("POST", "/dev/tokens", tt.body); status != tt.want {
			t.Errorf("%s: %d %v, want %d", tt.name, status, b, tt.want)
		}
	}
}

func TestJWKSServesTheDevKey(t *testing.T) {
	c, _ := newClient(t, devserver.Config{})
	status, b := c.do("GET", "/.well-known/jwks.json", nil)
	if status != 200 {
		t.Fatalf("GET jwks: %d", status)
	}
	keys, _ := b["keys"].([]any)
	if len(keys) != 1 {
		t.Fatalf("jwks has %d keys, want 1: %v", len(keys), b)
	}
	k := keys[0].(map[string]any)
	if k["kty"] != "RSA" || k["alg"] != "RS256" || k["kid"] == "" || k["d"] != nil {
		t.Errorf("jwks key = %v, want a public RS256 RSA key with a kid", k)
	}
}

func TestTokenKeyFileKeepsTokensAcrossRestarts(t *testing.T) {
	file := t.TempDir() + "/dev-token.pem"
	c1, _ := newClient(t, devserver.Config{TokenKeyFile: file})
	id, _ := c1.register("a@example.com")
	tok := c1.token(id)
	_, jwks1 := c1.do("GET", "/.well-known/jwks.json", nil)

	c2, _ := newClient(t, devserver.Config{TokenKeyFile: file})
	_, jwks2 := c2.do("GET", "/.well-known/jwks.json", nil)
	a, _ := json.Marshal(jwks1)
	b, _ := json.Marshal(jwks2)
	if string(a) != string(b) {
		t.Errorf("the key changed across restarts:\n%s\n%s", a, b)
	}
	// The operator lives in the first server's memory, so the second
	// server knows the token's signature but not its subject: 401 for
	// "no operator", not for the signature.
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/api/v1/operator/me", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	c2.h.ServeHTTP(rec, req)
	if rec.Code != 401 || !strings.Contains(rec.Body.String(), "no operator") {
		t.Errorf("token from before the restart: %d %s, want 401 no operator", rec.Code, rec.Body)
	}
}

func TestProductionAcceptsOnlyClerkTokens(t *testing.T) {
	const issuer = "https://clerk.example.com"
	clerkKey, err := clerk.GenerateSigner(issuer)
	if err != nil {
		t.Fatal(err)
	}
	c, srv := newClient(t, devserver.Config{
		Environment: "production",
		Clerk:       devserver.ClerkConfig{JWTKey: clerkKey.PublicKeyPEM(), Issuer: issuer},
	})
	tok, _, err := clerkKey.Sign("user_42", time.Hour, time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	auth := []string{"Authorization", "Bearer " + tok}
	status, reg := c.do("POST", "/api/v1/operator/register", map[string]any{"name": "A", "email": "a@example.com"}, auth...)
	if status != http.StatusCreated || reg["kyc_status"] != "PENDING" {
		t.Fatalf("register with a Clerk token in production: %d %v", status, reg)
	}
	if status, me := c.do("GET", "/api/v1/operator/me", nil, auth...); status != 200 || me["operator_id"] != reg["operator_id"] {
		t.Errorf("GET me with the Clerk token: %d %v", status, me)
	}
	if status, _ := c.do("GET", "/api/v1/operator/me", nil, "X-Operator-Id", reg["operator_id"].(string)); status != 401 {
		t.Errorf("X-Operator-Id in production: %d, want 401", status)
	}
	for _, path := range []string{"/dev/tokens", "/.well-known/jwks.json"} {
		if status, _ := c.do("POST", path, map[string]any{"operator_id": reg["operator_id"]}); status != 404 {
			t.Errorf("POST %s in production: %d, want 404", path, status)
		}
	}
	if status, _ := c.do("GET", "/.well-known/jwks.json", nil); status != 404 {
		t.Errorf("GET jwks in production: %d, want 404", status)
	}
	// A token of another issuer, signed by a key the server does not know.
	other, _ := clerk.GenerateSigner("https://clerk.example.com.evil")
	bad, _, _ := other.Sign("user_42", time.Hour, time.Now(), nil)
	if status, _ := c.do("GET", "/api/v1/operator/me", nil, "Authorization", "Bearer "+bad); status != 401 {
		t.Errorf("foreign token: %d, want 401", status)
	}
	_ = srv
}

func TestClerkKeyWithoutIssuerIsAConfigError(t *testing.T) {
	k, _ := clerk.GenerateSigner("x")
	if _, err := devserver.New(devserver.Config{Clerk: devserver.ClerkConfig{JWTKey: k.PublicKeyPEM()}}); err == nil {
		t.Error("New with CLERK_JWT_KEY and no issuer succeeded")
	}
}
