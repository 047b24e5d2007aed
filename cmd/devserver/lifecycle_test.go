package main

import (
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestBinaryRunsATaskFromPostingToCompletion drives the whole lifecycle
// through the built dev server, as a client would with curl: an agent posts
// a task, a simulated operator claims it, the agent approves the estimate,
// the operator works it, the default guardian verifies it.
func TestBinaryRunsATaskFromPostingToCompletion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped in -short")
	}
	bin := buildBinary(t)
	cmd, url, logged := startBinary(t, bin, []string{"ENVIRONMENT=", "LOG_FORMAT=json"},
		"-simulate-operators", "2", "-simulate-pace", "50ms")

	status, reg := post(t, url+"/api/v1/agents/register", `{"name":"Research Bot","email":"bot@example.com"}`)
	if status != http.StatusCreated {
		t.Fatalf("register agent: %d %v", status, reg)
	}
	key := []string{"X-API-Key", reg["api_key"].(string)}

	deadline := time.Now().Add(7 * 24 * time.Hour).UTC().Format(time.RFC3339)
	status, posted := post(t, url+"/api/v1/tasks", fmt.Sprintf(`{
		"title": "Photograph the shop front",
		"description": "Two photos of Torstrasse 1 during opening hours.",
		"task_type": "PHOTO",
		"reward_usd": 15,
		"deadline": %q,
		"proof_requirements": ["photo of the front", "photo of the opening hours"],
		"location": {"lat": 52.5291, "lng": 13.4016, "address": "Torstrasse 1, Berlin"}
	}`, deadline), key...)
	if status != http.StatusCreated || posted["status"] != "PENDING" {
		t.Fatalf("post task: %d %v", status, posted)
	}
	task := url + "/api/v1/tasks/" + posted["task_id"].(string)

	// Poll until a simulated operator has claimed it, then approve.
	got := awaitStatus(t, task, key, "ESTIMATE_PENDING")
	op, _ := got["operator"].(map[string]any)
	if name, _ := op["name"].(string); !strings.HasPrefix(name, "Simulated Operator") || got["estimate_minutes"] == nil {
		t.Errorf("claimed task shows operator %v and estimate_minutes %v", got["operator"], got["estimate_minutes"])
	}
	status, approved := post(t, task+"/estimate/approve", `{}`, key...)
	if status != http.StatusOK || approved["status"] != "ACCEPTED" {
		t.Fatalf("approve: %d %v", status, approved)
	}

	got = awaitStatus(t, task, key, "COMPLETED")
	if got["quality"] != 5.0 || got["submission"] == nil || got["completed_at"] == nil {
		t.Errorf("completed task: quality %v submission %v completed_at %v", got["quality"], got["submission"], got["completed_at"])
	}
	status, list := get(t, url+"/api/v1/tasks?status=COMPLETED", key...)
	if total := list["pagination"].(map[string]any)["total"]; status != http.StatusOK || total != 1.0 {
		t.Errorf("GET completed tasks: %d, total %v, want 1", status, total)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("dev server exit after SIGTERM: %v, want status 0", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("dev server did not stop after SIGTERM")
	}
	for _, want := range []string{`"simulated_operators":2`, `"message":"task claimed"`, `"message":"stopped"`} {
		if !strings.Contains(logged.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, logged)
		}
	}
	if strings.Contains(logged.String(), reg["api_key"].(string)) {
		t.Error("the log holds the agent's API key")
	}
}

// awaitStatus polls the agent's view of a task until it has the status, or
// fails after a deadline.
func awaitStatus(t *testing.T, taskURL string, key []string, want string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		status, got := get(t, taskURL, key...)
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d %v", taskURL, status, got)
		}
		if got["status"] == want {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("task still %v after 15s, want %s", got["status"], want)
		}
		time.Sleep(25 * time.Millisecond)
	}
}
