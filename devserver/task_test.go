package devserver_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/humop/humop/devserver"
	"github.com/humop/humop/webhook"
)

// must sends a request and fails the test unless it gets the status.
func (c *client) must(want int, method, path string, body any, headers ...string) map[string]any {
	c.t.Helper()
	status, got := c.do(method, path, body, headers...)
	if status != want {
		c.t.Fatalf("%s %s: status %d, want %d; body %v", method, path, status, want, got)
	}
	return got
}

// agent registers an agent and returns the header that authenticates it.
func (c *client) agent(email string) []string {
	c.t.Helper()
	body := c.must(201, "POST", "/api/v1/agents/register", map[string]any{"name": "Bot", "email": email})
	return []string{"X-API-Key", body["api_key"].(string)}
}

// operator registers an operator with the skills and returns the header
// that authenticates it.
func (c *client) operator(email string, skills ...string) []string {
	c.t.Helper()
	body := c.must(201, "POST", "/api/v1/operator/register", map[string]any{"name": "Op " + email, "email": email, "skills": skills})
	return []string{"X-Operator-Id", body["operator_id"].(string)}
}

func photoPosting(extra ...any) map[string]any {
	p := map[string]any{
		"title":              "Photograph the shop front",
		"description":        "Two photos of Torstrasse 1.",
		"task_type":          "PHOTO",
		"reward_usd":         15,
		"deadline":           time.Now().Add(7 * 24 * time.Hour).UTC().Format(time.RFC3339),
		"proof_requirements": []string{"front", "opening hours"},
		"location":           map[string]any{"lat": 52.5291, "lng": 13.4016, "address": "Torstrasse 1, Berlin"},
	}
	for i := 0; i+1 < len(extra); i += 2 {
		p[extra[i].(string)] = extra[i+1]
	}
	return p
}

var photoProof = map[string]any{"proof": []any{
	map[string]any{"requirement": "front", "url": "https://cdn.example.com/front.jpg"},
	map[string]any{"requirement": "opening hours", "url": "https://cdn.example.com/hours.jpg"},
}}

// job is one photo task with its agent and holder.
type job struct {
	c      *client
	agent  []string
	holder []string
	id     string
}

func newJob(c *client, tag string, extra ...any) *job {
	c.t.Helper()
	j := &job{c: c, agent: c.agent("agent-" + tag + "@example.com"), holder: c.operator("op-"+tag+"@example.com", "PHOTO")}
	j.id = c.must(201, "POST", "/api/v1/tasks", photoPosting(extra...), j.agent...)["task_id"].(string)
	return j
}

// work claims, has approved, starts and submits the task, returning the
// submit answer.
func (j *job) work() map[string]any {
	j.c.t.Helper()
	op := "/api/v1/operator/tasks/" + j.id
	j.c.must(200, "POST", op+"/accept", map[string]any{"estimate_hours": 1}, j.holder...)
	j.c.must(200, "POST", "/api/v1/tasks/"+j.id+"/estimate/approve", nil, j.agent...)
	j.c.must(200, "POST", op+"/start", nil, j.holder...)
	return j.c.must(200, "POST", op+"/submit", photoProof, j.holder...)
}

func (j *job) get() map[string]any {
	j.c.t.Helper()
	return j.c.must(200, "GET", "/api/v1/tasks/"+j.id, nil, j.agent...)
}

func TestDefaultGuardianCompletesSubmittedWork(t *testing.T) {
	c, _ := newClient(t, devserver.Config{})
	j := newJob(c, "a")
	if got := j.work()["status"]; got != "SUBMITTED" {
		t.Errorf("submit answered status %v, want SUBMITTED (the task as submitted)", got)
	}
	got := j.get()
	if got["status"] != "COMPLETED" || got["quality"] != 5.0 || got["verified_at"] == nil || got["completed_at"] == nil {
		t.Errorf("after submission: status %v quality %v verified_at %v completed_at %v; want COMPLETED with quality 5",
			got["status"], got["quality"], got["verified_at"], got["completed_at"])
	}
	held := c.must(200, "GET", "/api/v1/operator/tasks/assigned", nil, j.holder...)
	if s := held["data"].([]any)[0].(map[string]any)["status"]; s != "COMPLETED" {
		t.Errorf("the holder sees status %v, want COMPLETED", s)
	}
}

func TestScriptedGuardianOutcomes(t *testing.T) {
	tests := []struct {
		name        string
		outcome     map[string]any
		scriptAt    string // the status the task has when scripted
		review      map[string]any
		wantStatus  string
		wantQuality float64
	}{
		{"manual review scripted on a pending task, approved by the agent",
			map[string]any{"outcome": "MANUAL_REVIEW"}, "PENDING",
			map[string]any{"decision": "APPROVE", "quality": 3}, "COMPLETED", 3},
		{"manual review scripted while in progress, rejected by the agent",
			map[string]any{"outcome": "MANUAL_REVIEW"}, "IN_PROGRESS",
			map[string]any{"decision": "REJECT", "reason": "blurry"}, "DISPUTED", 1},
		{"verified with a quality", map[string]any{"outcome": "VERIFIED", "quality": 2}, "ACCEPTED", nil, "COMPLETED", 2},
		{"verified without a quality scores 5", map[string]any{"outcome": "VERIFIED"}, "ESTIMATE_PENDING", nil, "COMPLETED", 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newClient(t, devserver.Config{})
			j := newJob(c, "a")
			op := "/api/v1/operator/tasks/" + j.id
			steps := map[string][]func(){
				"PENDING": nil,
				"ESTIMATE_PENDING": {func() {
					c.must(200, "POST", op+"/accept", map[string]any{"estimate_hours": 1}, j.holder...)
				}},
			}
			steps["ACCEPTED"] = append(steps["ESTIMATE_PENDING"], func() {
				c.must(200, "POST", "/api/v1/tasks/"+j.id+"/estimate/approve", nil, j.agent...)
			})
			steps["IN_PROGRESS"] = append(steps["ACCEPTED"], func() { c.must(200, "POST", op+"/start", nil, j.holder...) })
			for _, step := range steps[tt.scriptAt] {
				step()
			}
			res := c.must(200, "POST", "/dev/tasks/"+j.id+"/guardian", tt.outcome)
			want := map[string]any{"task_id": j.id, "status": tt.scriptAt,
				"outcome": strings.ToUpper(tt.outcome["outcome"].(string)), "applied": false}
			if diff := cmp.Diff(want, res); diff != "" {
				t.Errorf("script the guardian (-want +got):\n%s", diff)
			}
			for _, step := range steps["IN_PROGRESS"][len(steps[tt.scriptAt]):] {
				step()
			}
			c.must(200, "POST", op+"/submit", photoProof, j.holder...)
			if tt.review != nil {
				if got := j.get()["status"]; got != "MANUAL_REVIEW" {
					t.Fatalf("after submission the task is %v, want MANUAL_REVIEW", got)
				}
				c.must(200, "POST", "/api/v1/tasks/"+j.id+"/review", tt.review, j.agent...)
			}
			got := j.get()
			if got["status"] != tt.wantStatus || got["quality"] != tt.wantQuality {
				t.Errorf("task ends %v with quality %v, want %s with %v", got["status"], got["quality"], tt.wantStatus, tt.wantQuality)
			}
		})
	}
}

func TestScriptedOutcomeIsUsedOnce(t *testing.T) {
	c, _ := newClient(t, devserver.Config{})
	first := newJob(c, "a")
	c.must(200, "POST", "/dev/tasks/"+first.id+"/guardian", map[string]any{"outcome": "MANUAL_REVIEW"})
	second := newJob(c, "b")
	first.work()
	second.work()
	if got := first.get()["status"]; got != "MANUAL_REVIEW" {
		t.Errorf("scripted task is %v, want MANUAL_REVIEW", got)
	}
	if got := second.get()["status"]; got != "COMPLETED" {
		t.Errorf("unscripted task is %v, want COMPLETED by the default guardian", got)
	}
}

func TestGuardianControlErrors(t *testing.T) {
	c, _ := newClient(t, devserver.Config{})
	open := newJob(c, "open")
	done := newJob(c, "done")
	done.work()
	review := newJob(c, "review")
	c.must(200, "POST", "/dev/tasks/"+review.id+"/guardian", map[string]any{"outcome": "MANUAL_REVIEW"})
	review.work()
	cancelled := newJob(c, "cancelled")
	c.must(200, "POST", "/api/v1/tasks/"+cancelled.id+"/cancel", nil, cancelled.agent...)

	tests := []struct {
		name string
		id   string
		body any
		want int
	}{
		{"unknown outcome", open.id, map[string]any{"outcome": "MAYBE"}, 400},
		{"no outcome", open.id, map[string]any{}, 400},
		{"quality 0", open.id, map[string]any{"outcome": "VERIFIED", "quality": 0}, 400},
		{"quality 6", open.id, map[string]any{"outcome": "VERIFIED", "quality": 6}, 400},
		{"quality not whole", open.id, map[string]any{"outcome": "VERIFIED", "quality": 2.5}, 400},
		{"unknown field", open.id, map[string]any{"outcome": "VERIFIED", "note": "x"}, 400},
		{"unknown task", "task_01ARZ3NDEKTSV4RRFFQ69G5FAV", map[string]any{"outcome": "VERIFIED"}, 404},
		{"completed task", done.id, map[string]any{"outcome": "VERIFIED"}, 409},
		{"task in manual review", review.id, map[string]any{"outcome": "VERIFIED"}, 409},
		{"cancelled task", cancelled.id, map[string]any{"outcome": "MANUAL_REVIEW"}, 409},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := c.do("POST", "/dev/tasks/"+tt.id+"/guardian", tt.body)
			if status != tt.want {
				t.Errorf("status = %d, want %d; body %v", status, tt.want, body)
			}
			if msg, _ := body["error"].(string); msg == "" {
				t.Errorf("no error message: %v", body)
			}
		})
	}
	// The refusals changed nothing: the open task completes by default.
	open.work()
	if got := open.get()["status"]; got != "COMPLETED" {
		t.Errorf("open task after refused scripts ends %v, want COMPLETED", got)
	}
}

func TestGuardianControlIsAbsentOutsideDevelopment(t *testing.T) {
	c, _ := newClient(t, devserver.Config{Environment: "production"})
	if status, body := c.do("POST", "/dev/tasks/task_x/guardian", map[string]any{"outcome": "VERIFIED"}); status != 404 {
		t.Errorf("POST /dev/tasks/{id}/guardian in production: %d %v, want 404", status, body)
	}
}

// receiver collects webhook deliveries after checking their signature.
type receiver struct {
	t      *testing.T
	secret string
	url    string
	// fail answers 503 to this many first attempts.
	fail int

	mu       sync.Mutex
	events   []webhook.Event
	attempts int
}

func newReceiver(t *testing.T, secret string, fail int) *receiver {
	r := &receiver{t: t, secret: secret, fail: fail}
	srv := httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(srv.Close)
	r.url = srv.URL + "/hooks/humop?token=abc"
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		r.t.Errorf("read webhook: %v", err)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.attempts++
	if r.attempts <= r.fail {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	if req.Method != "POST" || req.URL.Query().Get("token") != "abc" {
		r.t.Errorf("webhook: %s %s, want a POST to the callback URL", req.Method, req.URL)
	}
	if !webhook.Verify(r.secret, body, req.Header.Get("X-Signature")) {
		r.t.Errorf("X-Signature %q does not verify with the callback secret over %s", req.Header.Get("X-Signature"), body)
	}
	sig := req.Header.Get("X-Signature")
	if sig != strings.ToLower(sig) || len(sig) != 64 {
		r.t.Errorf("X-Signature = %q, want 64 lowercase hex digits", sig)
	}
	ts, err := strconv.ParseInt(req.Header.Get("X-Timestamp"), 10, 64)
	if err != nil || time.Since(time.Unix(ts, 0)).Abs() > time.Minute {
		r.t.Errorf("X-Timestamp = %q, want the Unix time of the attempt", req.Header.Get("X-Timestamp"))
	}
	if strings.Contains(string(body), r.secret) {
		r.t.Errorf("the webhook body holds the secret: %s", body)
	}
	var ev webhook.Event
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ev); err != nil {
		r.t.Errorf("webhook body %s: %v", body, err)
	}
	if _, err := time.Parse("2006-01-02T15:04:05.000Z", ev.Timestamp); err != nil {
		r.t.Errorf("timestamp %q is not UTC RFC 3339 with milliseconds", ev.Timestamp)
	}
	r.events = append(r.events, ev)
	w.WriteHeader(http.StatusNoContent)
}

// await polls until n events have arrived, or fails after a deadline.
func (r *receiver) await(n int) []webhook.Event {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r.mu.Lock()
		got := append([]webhook.Event(nil), r.events...)
		r.mu.Unlock()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("%d webhook events after 10s, want %d: %+v", len(got), n, got)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// statusChanges reads events as "PREVIOUS -> STATUS", checking the task and the
// event name.
func statusChanges(t *testing.T, id string, events []webhook.Event) []string {
	t.Helper()
	var out []string
	for _, ev := range events {
		if ev.TaskID != id || ev.Event != "task.status_changed" {
			t.Errorf("event %+v, want task.status_changed of %s", ev, id)
		}
		out = append(out, ev.PreviousStatus+" -> "+ev.Status)
	}
	return out
}

func TestWebhooksReportEveryStatusChangeInOrder(t *testing.T) {
	const secret = "whsec-test-0123456789"
	r := newReceiver(t, secret, 0) // before the server, so it outlives it
	c, _ := newClient(t, devserver.Config{})
	j := newJob(c, "a", "callback_url", r.url, "callback_secret", secret)
	j.work()
	want := []string{
		"PENDING -> ESTIMATE_PENDING",
		"ESTIMATE_PENDING -> ACCEPTED",
		"ACCEPTED -> IN_PROGRESS",
		"IN_PROGRESS -> SUBMITTED",
		"SUBMITTED -> VERIFIED",
		"VERIFIED -> COMPLETED",
	}
	if diff := cmp.Diff(want, statusChanges(t, j.id, r.await(len(want)))); diff != "" {
		t.Errorf("webhook events (-want +got):\n%s", diff)
	}
}

func TestWebhooksForRejectionAndCancellation(t *testing.T) {
	const secret = "another-secret"
	r := newReceiver(t, secret, 0)
	c, _ := newClient(t, devserver.Config{})
	j := newJob(c, "a", "callback_url", r.url, "callback_secret", secret)
	op := "/api/v1/operator/tasks/" + j.id
	c.must(200, "POST", op+"/accept", map[string]any{"estimate_hours": 1}, j.holder...)
	c.must(200, "POST", "/api/v1/tasks/"+j.id+"/estimate/reject", map[string]any{"reason": "slow"}, j.agent...)
	c.must(200, "POST", op+"/accept", map[string]any{"estimate_minutes": 30}, j.holder...)
	c.must(200, "POST", "/api/v1/tasks/"+j.id+"/cancel", nil, j.agent...)
	want := []string{
		"PENDING -> ESTIMATE_PENDING",
		"ESTIMATE_PENDING -> PENDING",
		"PENDING -> ESTIMATE_PENDING",
		"ESTIMATE_PENDING -> CANCELLED",
	}
	if diff := cmp.Diff(want, statusChanges(t, j.id, r.await(len(want)))); diff != "" {
		t.Errorf("webhook events (-want +got):\n%s", diff)
	}
}

func TestWebhookIsRetriedAfterAFailure(t *testing.T) {
	const secret = "retry-secret"
	r := newReceiver(t, secret, 1)
	c, _ := newClient(t, devserver.Config{})
	j := newJob(c, "a", "callback_url", r.url, "callback_secret", secret)
	c.must(200, "POST", "/api/v1/operator/tasks/"+j.id+"/accept", map[string]any{"estimate_hours": 1}, j.holder...)
	got := statusChanges(t, j.id, r.await(1))
	if diff := cmp.Diff([]string{"PENDING -> ESTIMATE_PENDING"}, got); diff != "" {
		t.Errorf("webhook events after one refused attempt (-want +got):\n%s", diff)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.attempts != 2 {
		t.Errorf("%d attempts, want 2 (one refused, one delivered)", r.attempts)
	}
}

func TestASlowWebhookReceiverDoesNotSlowTheRequest(t *testing.T) {
	release := make(chan struct{})
	var arrived sync.Once
	got := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived.Do(func() { close(got) })
		<-release
	}))
	t.Cleanup(slow.Close)
	c, _ := newClient(t, devserver.Config{})
	t.Cleanup(func() { close(release) }) // runs first: the server's Close then drains quickly
	j := newJob(c, "a", "callback_url", slow.URL, "callback_secret", "s")

	start := time.Now()
	c.must(200, "POST", "/api/v1/operator/tasks/"+j.id+"/accept", map[string]any{"estimate_hours": 1}, j.holder...)
	c.must(200, "POST", "/api/v1/tasks/"+j.id+"/estimate/approve", nil, j.agent...)
	select {
	case <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("the webhook never arrived")
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("two requests took %v while the receiver hangs; they must not wait for it", took)
	}
}

// httpClient talks to a listening dev server.
var httpClient = &http.Client{Timeout: 10 * time.Second}

func httpCall(t *testing.T, method, url string, body any, headers ...string) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = strings.NewReader(string(raw))
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(res.Body).Decode(&m); err != nil {
		t.Fatalf("%s %s: body is not JSON: %v", method, url, err)
	}
	return res.StatusCode, m
}

func TestSimulatedOperatorsCompleteTasksAndRunStopsCleanly(t *testing.T) {
	srv, err := devserver.New(devserver.Config{
		Addr:              "127.0.0.1:0",
		SimulateOperators: 3,
		SimulationPace:    20 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- srv.Run(ctx) }()
	base := "http://" + srv.Addr()

	status, reg := httpCall(t, "POST", base+"/api/v1/agents/register", map[string]any{"name": "Bot", "email": "bot@example.com"})
	if status != 201 {
		t.Fatalf("register agent: %d %v", status, reg)
	}
	ag := []string{"X-API-Key", reg["api_key"].(string)}
	// One task per domain: each simulated operator works one domain.
	postings := []map[string]any{
		photoPosting(),
		photoPosting("task_type", "FORM_FILLING", "location", nil),
		photoPosting("task_type", "ACCOUNT_CREATION", "location", nil),
	}
	var ids []string
	for _, p := range postings {
		status, body := httpCall(t, "POST", base+"/api/v1/tasks", p, ag...)
		if status != 201 {
			t.Fatalf("post %s: %d %v", p["task_type"], status, body)
		}
		ids = append(ids, body["task_id"].(string))
	}

	// Approve each estimate as it appears; wait for every task to complete.
	deadline := time.Now().Add(15 * time.Second)
	done := map[string]bool{}
	holders := map[string]string{}
	for len(done) < len(ids) {
		if time.Now().After(deadline) {
			t.Fatalf("after 15s only %d of %d tasks completed", len(done), len(ids))
		}
		for _, id := range ids {
			status, got := httpCall(t, "GET", base+"/api/v1/tasks/"+id, nil, ag...)
			if status != 200 {
				t.Fatalf("GET %s: %d %v", id, status, got)
			}
			switch got["status"] {
			case "ESTIMATE_PENDING":
				if m, _ := got["estimate_minutes"].(float64); m <= 0 {
					t.Errorf("simulated estimate of %s: %v minutes", id, got["estimate_minutes"])
				}
				holders[id] = got["operator"].(map[string]any)["name"].(string)
				if status, body := httpCall(t, "POST", base+"/api/v1/tasks/"+id+"/estimate/approve", nil, ag...); status != 200 {
					t.Fatalf("approve %s: %d %v", id, status, body)
				}
			case "COMPLETED":
				if got["quality"] != 5.0 || got["submission"] == nil {
					t.Errorf("completed task %s: quality %v submission %v", id, got["quality"], got["submission"])
				}
				done[id] = true
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	seen := map[string]bool{}
	for _, name := range holders {
		if !strings.HasPrefix(name, "Simulated Operator ") {
			t.Errorf("holder %q is not a simulated operator", name)
		}
		seen[name] = true
	}
	if len(seen) != len(ids) {
		t.Errorf("holders %v, want one simulated operator per domain", holders)
	}

	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("Run after cancel = %v, want nil", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not return after its context was cancelled")
	}
	if res, err := httpClient.Get(base + "/healthz"); err == nil {
		res.Body.Close()
		t.Error("the server still answers after Run returned")
	}
}

func TestRunWithoutSimulationStopsCleanly(t *testing.T) {
	srv, err := devserver.New(devserver.Config{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- srv.Run(ctx) }()
	if status, body := httpCall(t, "GET", fmt.Sprintf("http://%s/healthz", srv.Addr()), nil); status != 200 {
		t.Fatalf("GET /healthz: %d %v", status, body)
	}
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("Run after cancel = %v, want nil", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not return after its context was cancelled")
	}
}
