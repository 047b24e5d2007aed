package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/humop/humop"
	"github.com/humop/humop/httpapi"
	"github.com/humop/humop/memstore"
)

func TestRateLimitAnswers429WithRetryAfter(t *testing.T) {
	svc, err := humop.New(humop.Options{Store: &memstore.Store{}, ApproveAtRegistration: true,
		Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	h := httpapi.New(httpapi.Options{Service: svc, Development: true,
		RateLimit: &httpapi.RateLimit{PerSecond: 1, Burst: 3}})
	get := func(headers ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/api/v1/operator/me", nil)
		req.RemoteAddr = "192.0.2.1:1234"
		if len(headers) > 0 && headers[0] == "from" {
			req.RemoteAddr, headers = headers[1], headers[2:]
		}
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	for i := range 3 {
		if rec := get("X-Operator-Id", "op_a"); rec.Code == http.StatusTooManyRequests {
			t.Fatalf("request %d within the burst got 429", i+1)
		}
	}
	// Inventing credentials does not escape the limit.
	rec := get("Authorization", "Bearer invented-1")
	if rec.Code != http.StatusTooManyRequests {
		t.Fatalf("fourth request: %d, want 429", rec.Code)
	}
	if secs, err := strconv.Atoi(rec.Header().Get("Retry-After")); err != nil || secs < 1 {
		t.Errorf("Retry-After = %q, want whole seconds", rec.Header().Get("Retry-After"))
	}
	if rec := get("X-API-Key", "ho_live_invented"); rec.Code != http.StatusTooManyRequests {
		t.Errorf("a new invented credential: %d, want 429", rec.Code)
	}
	// Another address has its own allowance; health checks are never limited.
	if rec := get("from", "192.0.2.2:1234", "X-Operator-Id", "op_a"); rec.Code == http.StatusTooManyRequests {
		t.Error("another client was limited by the first one's requests")
	}
	req := httptest.NewRequest("GET", "/healthz", nil)
	req.RemoteAddr = "192.0.2.1:1234"
	req.Header.Set("X-Operator-Id", "op_a")
	rec = httptest.NewRecorder()
	h.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) error {
		w.WriteHeader(200)
		return nil
	})
	h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Errorf("health check of a limited client: %d, want 200", rec.Code)
	}
}
