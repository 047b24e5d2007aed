package devserver_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/humop/humop/devserver"
)

// TestRejectedOperatorResubmitsIsApprovedAndClaims walks KYC end to end
// through the API alone, with the manual reviewer: a pending operator
// cannot claim, a rejected one cannot either, a resubmission opens a new
// review, and once approved the claim succeeds.
func TestRejectedOperatorResubmitsIsApprovedAndClaims(t *testing.T) {
	start := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	ts := devserver.Start(t, devserver.WithManualKYC(), devserver.WithStartTime(start))

	var reg map[string]any
	ts.Do("POST", "/api/v1/operator/register", map[string]any{"name": "Ana", "email": "ana@example.com",
		"skills": []string{"FORM_FILLING"}}, &reg)
	op := reg["operator_id"].(string)
	if reg["kyc_status"] != "PENDING" {
		t.Fatalf("kyc_status at registration = %v, want PENDING", reg["kyc_status"])
	}
	auth := []string{"Authorization", "Bearer " + ts.TokenFor(op, 24*time.Hour)}

	var ag map[string]any
	ts.Do("POST", "/api/v1/agents/register", map[string]any{"name": "Bot", "email": "bot@example.com"}, &ag)
	key := []string{"X-API-Key", ag["api_key"].(string)}
	var tk map[string]any
	ts.Do("POST", "/api/v1/tasks", map[string]any{
		"title": "Fill the form", "description": "Sign up at example.com", "task_type": "FORM_FILLING",
		"reward_usd": 8, "deadline": start.Add(72 * time.Hour).Format(time.RFC3339),
		"proof_requirements": []string{"screenshot"},
	}, &tk, key...)
	accept := "/api/v1/operator/tasks/" + tk["task_id"].(string) + "/accept"
	estimate := map[string]any{"estimate_hours": 1}

	claim := func(want int, when string) {
		t.Helper()
		if status, body := ts.Request("POST", accept, estimate, auth...); status != want {
			t.Fatalf("claim %s: %d %s, want %d", when, status, body, want)
		}
	}
	docs := map[string]any{
		"id_document":      map[string]any{"type": "DRIVERS_LICENSE", "country": "PT", "file_url": "https://f.example.com/id"},
		"selfie":           map[string]any{"file_url": "https://f.example.com/selfie"},
		"proof_of_address": map[string]any{"type": "UTILITY_BILL", "issued_on": "2026-04-20", "file_url": "https://f.example.com/bill"},
	}

	claim(http.StatusForbidden, "while KYC is pending")
	ts.Do("POST", "/api/v1/operator/kyc", docs, nil, auth...)
	claim(http.StatusForbidden, "while the review is open")
	ts.Do("POST", "/dev/operators/"+op+"/kyc", map[string]any{"decision": "REJECTED", "reason": "selfie is blurry"}, nil)
	claim(http.StatusForbidden, "after a rejection")

	var kyc map[string]any
	ts.Do("GET", "/api/v1/operator/kyc", nil, &kyc, auth...)
	if kyc["kyc_status"] != "REJECTED" || kyc["rejection_reason"] != "selfie is blurry" {
		t.Fatalf("GET kyc after the rejection = %v", kyc)
	}
	ts.Do("POST", "/api/v1/operator/kyc", docs, nil, auth...)
	ts.Do("POST", "/dev/operators/"+op+"/kyc", map[string]any{"decision": "APPROVED"}, nil)
	claim(http.StatusOK, "once approved")

	ts.Do("GET", "/api/v1/operator/kyc", nil, &kyc, auth...)
	if n := len(kyc["history"].([]any)); kyc["kyc_status"] != "APPROVED" || kyc["review"] != 2.0 || n != 5 {
		t.Errorf("GET kyc at the end = %v (history %d), want APPROVED after review 2 with 5 events", kyc, n)
	}
}
