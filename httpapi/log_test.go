package httpapi_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rs/zerolog"

	"github.com/humop/humop"
	"github.com/humop/humop/httpapi"
	"github.com/humop/humop/memstore"
)

func TestOneAccessLinePerRequestWithoutSecrets(t *testing.T) {
	var buf bytes.Buffer
	log := zerolog.New(&buf)
	svc, err := humop.New(humop.Options{Store: &memstore.Store{}, ApproveAtRegistration: true, Logger: log,
		Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{h: httpapi.New(httpapi.Options{Service: svc, Logger: log, Development: true,
		Tokens: fakeTokens{"secret-token-value": "user_1"}})}

	e.call(t, "POST", "/api/v1/operator/register",
		map[string]any{"name": "Maria", "email": "maria.lopez@example.com", "phone": "+4915123456789"},
		"Authorization", "Bearer secret-token-value", "X-Request-Id", "r1")
	e.call(t, "GET", "/api/v1/operator/me", nil, "Authorization", "Bearer wrong-token", "X-Request-Id", "r2")

	out := buf.String()
	for _, secret := range []string{"secret-token-value", "wrong-token", "maria.lopez@example.com", "4915123456789"} {
		if strings.Contains(out, secret) {
			t.Errorf("the log holds %q:\n%s", secret, out)
		}
	}
	var access []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		if m["message"] == "request" {
			if _, ok := m["duration_ms"].(float64); !ok {
				t.Errorf("access line without duration_ms: %v", m)
			}
			delete(m, "duration_ms")
			delete(m, "bytes")
			access = append(access, m)
		}
	}
	want := []map[string]any{
		{"level": "info", "message": "request", "method": "POST", "route": "/api/v1/operator/register",
			"path": "/api/v1/operator/register", "status": 201.0, "request_id": "r1"},
		{"level": "info", "message": "request", "method": "GET", "route": "/api/v1/operator/me",
			"path": "/api/v1/operator/me", "status": 401.0, "request_id": "r2"},
	}
	if diff := cmp.Diff(want, access); diff != "" {
		t.Errorf("access lines (-want +got):\n%s", diff)
	}
	if !strings.Contains(out, `"message":"operator registered"`) || !strings.Contains(out, `m***@example.com`) {
		t.Errorf("no masked 'operator registered' line:\n%s", out)
	}
}
