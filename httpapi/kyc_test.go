package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/humop/humop/kyc"
)

// documents returns a complete, valid submission as of testNow
// (2026-04-02), with the proof of address issued on issuedOn.
func documents(issuedOn string) map[string]any {
	return map[string]any{
		"id_document":      map[string]any{"type": "PASSPORT", "country": "DE", "file_url": "https://files.example.com/id.jpg"},
		"selfie":           map[string]any{"file_url": "https://files.example.com/selfie.jpg"},
		"proof_of_address": map[string]any{"type": "UTILITY_BILL", "issued_on": issuedOn, "file_url": "https://files.example.com/bill.pdf"},
	}
}

func pendingEnv(t *testing.T) (*env, string) {
	t.Helper()
	e := newEnv(t, setup{development: true, reviewer: kyc.Manual{}, pending: true})
	id := e.register(t, maria())
	return e, id
}

func TestKYCSubmissionOpensAReview(t *testing.T) {
	e, id := pendingEnv(t)
	res := e.call(t, "GET", "/api/v1/operator/kyc", nil, "X-Operator-Id", id)
	if res.status != http.StatusOK || res.body["kyc_status"] != "PENDING" || res.body["submitted_at"] != nil {
		t.Fatalf("GET kyc before submitting: %d %s", res.status, res.raw)
	}
	res = e.call(t, "POST", "/api/v1/operator/kyc", documents("2026-03-15"), "X-Operator-Id", id)
	if res.status != http.StatusAccepted {
		t.Fatalf("POST kyc: status %d, want 202; body %s", res.status, res.raw)
	}
	want := map[string]any{"kyc_status": "PENDING", "submitted_at": "2026-04-02T12:00:00.000Z", "review": 1.0}
	if diff := cmp.Diff(want, res.body); diff != "" {
		t.Errorf("POST kyc answer (-want +got):\n%s", diff)
	}
	got := e.call(t, "GET", "/api/v1/operator/kyc", nil, "X-Operator-Id", id)
	if got.body["review_open"] != true || got.body["submission"] == nil {
		t.Errorf("GET kyc after submitting: %s", got.raw)
	}
}

func TestKYCSubmissionRejectsBadDocuments(t *testing.T) {
	without := func(key string) map[string]any {
		d := documents("2026-03-15")
		delete(d, key)
		return d
	}
	with := func(doc, field string, value any) map[string]any {
		d := documents("2026-03-15")
		d[doc].(map[string]any)[field] = value
		return d
	}
	tests := []struct {
		name        string
		body        any
		wantStatus  int
		wantInError string
	}{
		{"no id document", without("id_document"), 400, "id_document is required"},
		{"no selfie", without("selfie"), 400, "selfie is required"},
		{"no proof of address", without("proof_of_address"), 400, "proof_of_address is required"},
		{"unknown id type", with("id_document", "type", "LIBRARY_CARD"), 400, "id_document.type"},
		{"unknown country", with("id_document", "country", "XX"), 400, "id_document.country"},
		{"http file url", with("selfie", "file_url", "http://files.example.com/s.jpg"), 400, "selfie.file_url"},
		{"relative file url", with("id_document", "file_url", "/id.jpg"), 400, "id_document.file_url"},
		{"unknown proof type", with("proof_of_address", "type", "LETTER"), 400, "proof_of_address.type"},
		{"bad date", with("proof_of_address", "issued_on", "15/03/2026"), 400, "YYYY-MM-DD"},
		{"field of another document", with("selfie", "country", "DE"), 400, "unknown field"},
		{"exactly three months and one day old", documents("2026-01-01"), 422, "3 months"},
		{"issued tomorrow", documents("2026-04-03"), 422, "future"},
		{"far in the past", documents("2020-01-01"), 422, "3 months"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, id := pendingEnv(t)
			res := e.call(t, "POST", "/api/v1/operator/kyc", tt.body, "X-Operator-Id", id)
			if res.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", res.status, tt.wantStatus, res.raw)
			}
			if msg, _ := res.body["error"].(string); !strings.Contains(msg, tt.wantInError) {
				t.Errorf("error = %q, want it to mention %q", msg, tt.wantInError)
			}
			after := e.call(t, "GET", "/api/v1/operator/kyc", nil, "X-Operator-Id", id)
			if after.body["submitted_at"] != nil || after.body["review_open"] != false {
				t.Errorf("a refused submission was recorded: %s", after.raw)
			}
		})
	}
}

func TestKYCProofDateEdges(t *testing.T) {
	// testNow is 2026-04-02.
	for _, tt := range []struct {
		issued string
		want   int
	}{
		{"2026-01-02", 202}, // exactly three months
		{"2026-01-01", 422}, // one day more
		{"2026-04-02", 202}, // today
		{"2026-04-03", 422}, // the future
	} {
		e, id := pendingEnv(t)
		res := e.call(t, "POST", "/api/v1/operator/kyc", documents(tt.issued), "X-Operator-Id", id)
		if res.status != tt.want {
			t.Errorf("proof issued %s: status %d, want %d; body %s", tt.issued, res.status, tt.want, res.raw)
		}
	}
}

func TestKYCSubmissionStates(t *testing.T) {
	decide := func(t *testing.T, e *env, id string, d kyc.Decision) {
		t.Helper()
		if _, err := e.svc.DecideKYC(context.Background(), id, d); err != nil {
			t.Fatalf("DecideKYC(%+v) = %v", d, err)
		}
	}
	tests := []struct {
		name   string
		before func(t *testing.T, e *env, id string)
		want   int
	}{
		{"while a review is open", func(t *testing.T, e *env, id string) {}, 409},
		{"once approved", func(t *testing.T, e *env, id string) {
			decide(t, e, id, kyc.Decision{Status: kyc.Approved, Actor: "test"})
		}, 409},
		{"after a final rejection", func(t *testing.T, e *env, id string) {
			decide(t, e, id, kyc.Decision{Status: kyc.Rejected, Reason: "forged", Final: true, Actor: "test"})
		}, 409},
		{"after a retryable rejection", func(t *testing.T, e *env, id string) {
			decide(t, e, id, kyc.Decision{Status: kyc.Rejected, Reason: "blurry selfie", Actor: "test"})
		}, 202},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, id := pendingEnv(t)
			if res := e.call(t, "POST", "/api/v1/operator/kyc", documents("2026-03-15"), "X-Operator-Id", id); res.status != 202 {
				t.Fatalf("first submission: %d %s", res.status, res.raw)
			}
			tt.before(t, e, id)
			res := e.call(t, "POST", "/api/v1/operator/kyc", documents("2026-03-20"), "X-Operator-Id", id)
			if res.status != tt.want {
				t.Errorf("second submission: status %d, want %d; body %s", res.status, tt.want, res.raw)
			}
		})
	}
}

func TestKYCRejectionShowsReasonAndHistory(t *testing.T) {
	e, id := pendingEnv(t)
	e.call(t, "POST", "/api/v1/operator/kyc", documents("2026-03-15"), "X-Operator-Id", id)
	if _, err := e.svc.DecideKYC(context.Background(), id,
		kyc.Decision{Review: 1, Status: kyc.Rejected, Reason: "selfie does not match", Actor: "provider"}); err != nil {
		t.Fatal(err)
	}
	res := e.call(t, "GET", "/api/v1/operator/kyc", nil, "X-Operator-Id", id)
	if res.body["kyc_status"] != "REJECTED" || res.body["rejection_reason"] != "selfie does not match" ||
		res.body["decided_at"] != "2026-04-02T12:00:00.000Z" || res.body["final"] != false {
		t.Errorf("GET kyc after a rejection: %s", res.raw)
	}
	var moves []string
	for _, ev := range res.body["history"].([]any) {
		m := ev.(map[string]any)
		from, _ := m["from"].(string)
		moves = append(moves, from+">"+m["to"].(string)+" by "+m["actor"].(string))
	}
	want := []string{">PENDING by system", "PENDING>PENDING by operator", "PENDING>REJECTED by provider"}
	if diff := cmp.Diff(want, moves); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
}

func TestKYCEndpointsNeedAnOperator(t *testing.T) {
	e, _ := pendingEnv(t)
	for _, method := range []string{"GET", "POST"} {
		var body any
		if method == "POST" {
			body = documents("2026-03-15")
		}
		if res := e.call(t, method, "/api/v1/operator/kyc", body); res.status != http.StatusUnauthorized {
			t.Errorf("%s kyc without credentials: %d, want 401", method, res.status)
		}
	}
}
