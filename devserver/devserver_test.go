package devserver_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/humop/humop/devserver"
)

type client struct {
	t *testing.T
	h http.Handler
}

func newClient(t *testing.T, cfg devserver.Config) (*client, *devserver.Server) {
	t.Helper()
	srv, err := devserver.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return &client{t: t, h: srv.Handler()}, srv
}

func (c *client) do(method, path string, body any, headers ...string) (int, map[string]any) {
	c.t.Helper()
	var rd *bytes.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	} else {
		rd = bytes.NewReader(nil)
	}
	req := httptest.NewRequest(method, path, rd)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, req)
	var m map[string]any
	if rec.Body.Len() > 0 {
		if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
			c.t.Fatalf("%s %s: not JSON: %s", method, path, rec.Body)
		}
	}
	return rec.Code, m
}

func (c *client) register(email string) (string, map[string]any) {
	c.t.Helper()
	status, body := c.do("POST", "/api/v1/operator/register", map[string]any{"name": "Op", "email": email})
	if status != http.StatusCreated {
		c.t.Fatalf("register: %d %v", status, body)
	}
	return body["operator_id"].(string), body
}

func documents(issued string) map[string]any {
	return map[string]any{
		"id_document":      map[string]any{"type": "NATIONAL_ID", "country": "FR", "file_url": "https://f.example.com/id"},
		"selfie":           map[string]any{"file_url": "https://f.example.com/selfie"},
		"proof_of_address": map[string]any{"type": "BANK_STATEMENT", "issued_on": issued, "file_url": "https://f.example.com/poa"},
	}
}

func TestDevelopmentApprovesAtRegistration(t *testing.T) {
	c, _ := newClient(t, devserver.Config{})
	_, body := c.register("a@example.com")
	if body["kyc_status"] != "APPROVED" {
		t.Errorf("kyc_status = %v, want APPROVED in development", body["kyc_status"])
	}
}

func TestManualKYCFromRegistrationToApproval(t *testing.T) {
	c, srv := newClient(t, devserver.Config{ManualKYC: true})
	id, body := c.register("a@example.com")
	if body["kyc_status"] != "PENDING" {
		t.Fatalf("kyc_status = %v, want PENDING with manual KYC", body["kyc_status"])
	}
	today := srv.Clock().Now().Format("2006-01-02")
	op := []string{"X-Operator-Id", id}

	if status, b := c.do("POST", "/api/v1/operator/kyc", documents(today), op...); status != 202 {
		t.Fatalf("submit: %d %v", status, b)
	}
	status, b := c.do("POST", "/dev/operators/"+id+"/kyc", map[string]any{"decision": "REJECTED", "reason": "blurry"})
	if status != 200 || b["kyc_status"] != "REJECTED" || b["rejection_reason"] != "blurry" {
		t.Fatalf("reject: %d %v", status, b)
	}
	if status, b := c.do("POST", "/api/v1/operator/kyc", documents(today), op...); status != 202 {
		t.Fatalf("resubmit: %d %v", status, b)
	}
	if status, b := c.do("POST", "/dev/operators/"+id+"/kyc", map[string]any{"decision": "APPROVED"}); status != 200 || b["kyc_status"] != "APPROVED" {
		t.Fatalf("approve: %d %v", status, b)
	}
	// The same decision again changes nothing; the contrary one is refused.
	if status, _ := c.do("POST", "/dev/operators/"+id+"/kyc", map[string]any{"decision": "APPROVED"}); status != 200 {
		t.Errorf("repeated approval: %d, want 200", status)
	}
	if status, _ := c.do("POST", "/dev/operators/"+id+"/kyc", map[string]any{"decision": "REJECTED", "reason": "x"}); status != 409 {
		t.Errorf("rejection after approval: %d, want 409", status)
	}
	_, me := c.do("GET", "/api/v1/operator/me", nil, op...)
	if me["kyc_status"] != "APPROVED" {
		t.Errorf("profile kyc_status = %v, want APPROVED", me["kyc_status"])
	}
	_, k := c.do("GET", "/api/v1/operator/kyc", nil, op...)
	if n := len(k["history"].([]any)); n != 5 {
		t.Errorf("history has %d events, want 5 (open, submit, reject, resubmit, approve): %v", n, k["history"])
	}
}

func TestDevControlDecidesWithoutDocuments(t *testing.T) {
	c, _ := newClient(t, devserver.Config{ManualKYC: true})
	id, _ := c.register("a@example.com")
	status, b := c.do("POST", "/dev/operators/"+id+"/kyc", map[string]any{"decision": "REJECTED", "reason": "no", "final": true})
	if status != 200 || b["kyc_status"] != "REJECTED" || b["final"] != true {
		t.Fatalf("final rejection: %d %v", status, b)
	}
	status, b = c.do("POST", "/api/v1/operator/kyc", documents(time.Now().UTC().Format("2006-01-02")), "X-Operator-Id", id)
	if status != 409 {
		t.Errorf("submission after a final rejection: %d %v, want 409", status, b)
	}
}

func TestDevControlErrors(t *testing.T) {
	c, _ := newClient(t, devserver.Config{ManualKYC: true})
	id, _ := c.register("a@example.com")
	tests := []struct {
		name string
		path string
		body any
		want int
	}{
		{"unknown decision", "/dev/operators/" + id + "/kyc", map[string]any{"decision": "MAYBE"}, 400},
		{"unknown field", "/dev/operators/" + id + "/kyc", map[string]any{"decision": "APPROVED", "x": 1}, 400},
		{"unknown operator", "/dev/operators/op_01ARZ3NDEKTSV4RRFFQ69G5FAV/kyc", map[string]any{"decision": "APPROVED"}, 404},
		{"bad duration", "/dev/clock/advance", map[string]any{"duration": "soon"}, 400},
		{"negative duration", "/dev/clock/advance", map[string]any{"duration": "-1h"}, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if status, b := c.do("POST", tt.path, tt.body); status != tt.want {
				t.Errorf("POST %s: %d %v, want %d", tt.path, status, b, tt.want)
			}
		})
	}
}

func TestClockAdvanceAndReset(t *testing.T) {
	c, srv := newClient(t, devserver.Config{})
	before := srv.Clock().Now()
	status, b := c.do("POST", "/dev/clock/advance", map[string]any{"duration": "72h"})
	if status != 200 {
		t.Fatalf("advance: %d %v", status, b)
	}
	if got := srv.Clock().Now().Sub(before); got < 72*time.Hour || got > 73*time.Hour {
		t.Errorf("clock moved by %v, want 72h", got)
	}
	id, _ := c.register("a@example.com")
	if status, _ := c.do("POST", "/dev/reset", nil); status != 200 {
		t.Fatalf("reset: %d", status)
	}
	if status, _ := c.do("GET", "/api/v1/operator/me", nil, "X-Operator-Id", id); status != 401 {
		t.Errorf("operator survived the reset: GET me = %d, want 401", status)
	}
	if got := srv.Clock().Now().Sub(before); got > time.Hour {
		t.Errorf("clock still %v ahead after reset", got)
	}
	// The email is free again.
	c.register("a@example.com")
}

func TestDevRoutesAreAbsentOutsideDevelopment(t *testing.T) {
	c, _ := newClient(t, devserver.Config{Environment: "production"})
	for _, path := range []string{"/dev/reset", "/dev/clock/advance", "/dev/operators/op_x/kyc"} {
		status, body := c.do("POST", path, map[string]any{})
		if status != http.StatusNotFound {
			t.Errorf("POST %s in production: %d %v, want 404", path, status, body)
		}
	}
	status, body := c.do("GET", "/healthz", nil)
	if diff := cmp.Diff(map[string]any{"status": "ok", "environment": "production"}, body); status != 200 || diff != "" {
		t.Errorf("GET /healthz = %d (-want +got):\n%s", status, diff)
	}
	status, body = c.do("POST", "/api/v1/operator/register", map[string]any{"name": "A", "email": "a@example.com"})
	if status != http.StatusUnauthorized || !strings.Contains(body["error"].(string), "Bearer") {
		t.Errorf("register in production without a token: %d %v, want 401", status, body)
	}
}
