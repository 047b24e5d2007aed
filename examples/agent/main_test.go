package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/humop/humop/devserver"
	"github.com/humop/humop/webhook"
)

// statusLine matches the lines run prints for status changes.
var statusLine = regexp.MustCompile(`^[A-Z_]+ <- [A-Z_]+$`)

// TestFollowsATaskToCompletion runs the agent against a dev server whose
// simulated operators claim, start and submit tasks on their own.
func TestFollowsATaskToCompletion(t *testing.T) {
	ts := devserver.Start(t, devserver.WithConfig(func(c *devserver.Config) {
		c.SimulateOperators = 2
		c.SimulationPace = 20 * time.Millisecond
	}))
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()

	var out bytes.Buffer
	if err := run(ctx, []string{"-url", ts.URL, "-timeout", "15s"}, &out); err != nil {
		t.Fatalf("run() = %v, want nil; output:\n%s", err, out.String())
	}

	var got []string
	for line := range strings.Lines(out.String()) {
		if line = strings.TrimSpace(line); statusLine.MatchString(line) {
			got = append(got, line)
		}
	}
	want := []string{
		"ESTIMATE_PENDING <- PENDING",
		"ACCEPTED <- ESTIMATE_PENDING",
		"IN_PROGRESS <- ACCEPTED",
		"SUBMITTED <- IN_PROGRESS",
		"VERIFIED <- SUBMITTED",
		"COMPLETED <- VERIFIED",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("status changes printed (-want +got):\n%s\noutput:\n%s", diff, out.String())
	}
	for _, s := range []string{"approving Simulated Operator", "webhooks: 6 signatures verified, 0 rejected"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("output lacks %q:\n%s", s, out.String())
		}
	}
}

// TestGivesUpAtTheTimeout checks that run fails, naming the task, when no
// operator takes it in time.
func TestGivesUpAtTheTimeout(t *testing.T) {
	ts := devserver.Start(t) // no simulated operators: nobody claims the task
	var out bytes.Buffer
	err := run(t.Context(), []string{"-url", ts.URL, "-timeout", "300ms"}, &out)
	if err == nil || !strings.Contains(err.Error(), "did not finish within 300ms") {
		t.Errorf("run() = %v, want a timeout error; output:\n%s", err, out.String())
	}
}

// TestReceiverChecksSignatures checks that only deliveries signed with the
// task's secret get through.
func TestReceiverChecksSignatures(t *testing.T) {
	const secret = "s3cret"
	body := []byte(`{"event":"task.status_changed","task_id":"task_1","status":"ACCEPTED","previous_status":"ESTIMATE_PENDING","timestamp":"2026-04-02T12:00:00.000Z"}`)
	for _, tc := range []struct {
		name      string
		signature string
		want      int
	}{
		{"signed with the secret", webhook.Sign(secret, body), http.StatusNoContent},
		{"signed with another secret", webhook.Sign("guess", body), http.StatusUnauthorized},
		{"signature not hex", "not-hex", http.StatusUnauthorized},
		{"no signature", "", http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			rc := newReceiver(secret, &out)
			req := httptest.NewRequest("POST", "/webhook", bytes.NewReader(body))
			req.Header.Set("X-Signature", tc.signature)
			rec := httptest.NewRecorder()
			rc.ServeHTTP(rec, req)

			if rec.Code != tc.want {
				t.Errorf("status = %d, want %d", rec.Code, tc.want)
			}
			passed := len(rc.events) == 1
			if passed != (tc.want == http.StatusNoContent) {
				t.Errorf("event handed on = %v, want %v", passed, !passed)
			}
			if rejected := strings.Contains(out.String(), "bad signature"); rejected != (tc.want == http.StatusUnauthorized) {
				t.Errorf("output %q says bad signature = %v, want %v", out.String(), rejected, !rejected)
			}
		})
	}
}
