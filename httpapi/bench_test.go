package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// registerBody returns a distinct registration for each n.
func registerBody(n int64) string {
	return fmt.Sprintf(`{"name":"Operator %d","email":"op%d@example.com","phone":"+4915123456789",`+
		`"location":{"city":"Berlin","country":"DE"},"skills":["PHOTO","DELIVERY"]}`, n, n)
}

func benchHandler(b *testing.B, h http.Handler, wantStatus int) {
	var n atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest("POST", "/api/v1/operator/register", strings.NewReader(registerBody(n.Add(1))))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != wantStatus {
				b.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkRegister measures registration through the handler on memstore,
// against a bare net/http handler that decodes the same JSON and answers
// 201 (the floor any handler pays for HTTP plumbing and JSON).
func BenchmarkRegister(b *testing.B) {
	b.Run("baseline=bare-net-http", func(b *testing.B) {
		type loc struct{ City, Country string }
		type reg struct {
			Name, Email, Phone string
			Location           *loc
			Skills             []string
		}
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var v reg
			if err := json.NewDecoder(r.Body).Decode(&v); err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			json.NewEncoder(w).Encode(map[string]any{"name": v.Name, "email": v.Email})
		})
		benchHandler(b, h, http.StatusCreated)
	})
	b.Run("httpapi+memstore", func(b *testing.B) {
		benchHandler(b, devEnv(b).h, http.StatusCreated)
	})
}
