package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/humop/humop/clerk"
)

const (
	testIssuer = "https://clerk.platform.test"
	testOrigin = "https://app.platform.test"
)

// TestServerSignsOperatorsInWithClerkTokens runs the platform server as
// main would, with a Clerk key pair made for the test, and walks an
// operator through registration and sign-in on the mounted API.
func TestServerSignsOperatorsInWithClerkTokens(t *testing.T) {
	signer, err := clerk.GenerateSigner(testIssuer)
	if err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "humop.db")
	env := map[string]string{
		"CLERK_ISSUER":             testIssuer,
		"CLERK_JWT_KEY":            signer.PublicKeyPEM(),
		"CLERK_AUTHORIZED_PARTIES": testOrigin,
		"LOG_LEVEL":                "disabled",
	}
	base, stop := start(t, []string{"-addr", "127.0.0.1:0", "-db", db}, env)

	token, _, err := signer.Sign("user_maria", time.Hour, time.Now(), map[string]any{"azp": testOrigin})
	if err != nil {
		t.Fatal(err)
	}
	bearer := "Bearer " + token
	reg := `{"name":"Maria Lopez","email":"maria@example.com","skills":["PHOTO"]}`

	// Registering needs a token outside development.
	if status, body := call(t, "POST", base+"/api/v1/operator/register", reg, ""); status != http.StatusUnauthorized {
		t.Errorf("register without a token = %d %s, want 401", status, body)
	}
	status, body := call(t, "POST", base+"/api/v1/operator/register", reg, bearer)
	if status != http.StatusCreated {
		t.Fatalf("register = %d %s, want 201", status, body)
	}
	var op struct {
		OperatorID string `json:"operator_id"`
		KYCStatus  string `json:"kyc_status"`
	}
	decode(t, body, &op)
	if op.KYCStatus != "PENDING" {
		t.Errorf("kyc_status after register = %q, want PENDING (manual review)", op.KYCStatus)
	}

	status, body = call(t, "GET", base+"/api/v1/operator/me", "", bearer)
	var me struct {
		OperatorID string `json:"operator_id"`
		Email      string `json:"email"`
	}
	decode(t, body, &me)
	if status != http.StatusOK || me.OperatorID != op.OperatorID || me.Email != "maria@example.com" {
		t.Errorf("GET /me = %d %s, want 200 with operator %s", status, body, op.OperatorID)
	}

	// The platform's own route lives in the same server.
	status, body = call(t, "GET", base+"/platform/status", "", "")
	if status != http.StatusOK || !strings.Contains(string(body), `"status":"ok"`) {
		t.Errorf("GET /platform/status = %d %s, want 200 ok", status, body)
	}

	// Credentials that only a development server would take are refused.
	for name, header := range map[string][2]string{
		"X-Operator-Id grants nothing": {"X-Operator-Id", op.OperatorID},
		"token from another origin":    {"Authorization", "Bearer " + sign(t, signer, "user_maria", "https://evil.test")},
		"token of an unknown identity": {"Authorization", "Bearer " + sign(t, signer, "user_nobody", testOrigin)},
	} {
		req, _ := http.NewRequest("GET", base+"/api/v1/operator/me", nil)
		req.Header.Set(header[0], header[1])
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: GET /me = %d, want 401", name, res.StatusCode)
		}
	}

	// A graceful stop closes the file, so a restart opens it (an open
	// file would be ErrInUse) and Maria's token still signs her in.
	stop()
	base, _ = start(t, []string{"-addr", "127.0.0.1:0", "-db", db}, env)
	if status, body := call(t, "GET", base+"/api/v1/operator/me", "", bearer); status != http.StatusOK {
		t.Errorf("GET /me after restart = %d %s, want 200", status, body)
	}
}

// TestRefusesToStartWithoutSignIn checks that a misconfigured server stops
// before listening, saying what is missing.
func TestRefusesToStartWithoutSignIn(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"nothing set", nil, "set CLERK_ISSUER and one of CLERK_JWT_KEY or CLERK_JWKS_URL"},
		{"no issuer", map[string]string{"CLERK_JWKS_URL": "https://clerk.example.com/.well-known/jwks.json"}, "CLERK_ISSUER is required"},
		{"no key source", map[string]string{"CLERK_ISSUER": testIssuer}, "set CLERK_JWT_KEY (PEM public key) or CLERK_JWKS_URL"},
		{"both key sources", map[string]string{"CLERK_ISSUER": testIssuer, "CLERK_JWT_KEY": "x", "CLERK_JWKS_URL": "https://x.test/jwks"}, "only one of"},
		{"a key that is no key", map[string]string{"CLERK_ISSUER": testIssuer, "CLERK_JWT_KEY": "not a PEM"}, "PublicKeyPEM contains no PEM block"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "humop.db")
			getenv := func(k string) string { return tc.env[k] }
			var out bytes.Buffer
			err := run(t.Context(), []string{"-addr", "127.0.0.1:0", "-db", db}, getenv, &out)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("run() = %v, want an error containing %q", err, tc.want)
			}
			if strings.Contains(out.String(), "listening") {
				t.Errorf("run() listened before refusing: %s", out.String())
			}
		})
	}
}

// start runs run() in the background and returns its base URL, and a stop
// function that cancels it and waits for a clean exit (also at cleanup).
func start(t *testing.T, args []string, env map[string]string) (base string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &addrWriter{ready: make(chan string, 1)}
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, func(k string) string { return env[k] }, out) }()

	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("run() after cancel = %v, want nil", err)
				}
			case <-time.After(15 * time.Second):
				t.Error("run() did not return within 15s of cancel")
			}
		})
	}
	t.Cleanup(stop)

	select {
	case base = <-out.ready:
		return base, stop
	case err := <-done:
		t.Fatalf("run() = %v before listening", err)
	case <-time.After(10 * time.Second):
		t.Fatal("run() did not listen within 10s")
	}
	return "", nil
}

// addrWriter is run's stdout: it hands the URL of the "listening on" line
// to ready.
type addrWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	ready chan string
	sent  bool
}

func (w *addrWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if !w.sent {
		for line := range strings.Lines(w.buf.String()) {
			if url, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on "); ok {
				w.ready <- url
				w.sent = true
				break
			}
		}
	}
	return len(p), nil
}

// call sends a request with an optional JSON body and Authorization header
// and returns the status and body.
func call(t *testing.T, method, url, body, authorization string) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, url, err)
	}
	return res.StatusCode, raw
}

func decode(t *testing.T, raw []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
}

// sign returns a token for sub requested by origin.
func sign(t *testing.T, s *clerk.Signer, sub, origin string) string {
	t.Helper()
	token, _, err := s.Sign(sub, time.Hour, time.Now(), map[string]any{"azp": origin})
	if err != nil {
		t.Fatal(err)
	}
	return token
}
