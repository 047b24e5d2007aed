package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/humop/humop"
	"github.com/humop/humop/httpapi"
	"github.com/humop/humop/kyc"
	"github.com/humop/humop/memstore"
	"github.com/humop/humop/task"
)

// weekAhead is the default deadline of the tasks posted here: a week after
// testNow.
const weekAhead = "2026-04-09T12:00:00Z"

// photoTask returns a valid posting of a physical task.
func photoTask() map[string]any {
	return map[string]any{
		"title":              "Photograph the shop front",
		"description":        "Two photos of Torstrasse 1 during opening hours.",
		"task_type":          "PHOTO",
		"reward_usd":         15,
		"deadline":           weekAhead,
		"proof_requirements": []string{"photo of the front", "photo of the opening hours"},
		"location":           map[string]any{"lat": 52.5291, "lng": 13.4016, "address": "Torstrasse 1, Berlin"},
	}
}

// digitalTask returns a valid posting of a task done online, without a
// location.
func digitalTask() map[string]any {
	return map[string]any{
		"title":              "Check a sign-up form",
		"description":        "Fill in the form at https://example.com/signup and report errors.",
		"task_type":          "FORM_FILLING",
		"reward_usd":         4.5,
		"deadline":           weekAhead,
		"proof_requirements": []string{"screenshot of the confirmation"},
	}
}

// absent marks a field that edited leaves out.
var absent = &struct{}{}

// edited returns a copy of posting with the fields changed: name, value,
// name, value... A value of absent removes the field.
func edited(posting map[string]any, kv ...any) map[string]any {
	out := make(map[string]any, len(posting))
	for k, v := range posting {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == absent {
			delete(out, kv[i].(string))
			continue
		}
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

// newOperator registers an operator with the skills (all when none) and
// returns the header that authenticates it.
func (e *env) newOperator(t testing.TB, email string, skills ...string) []string {
	t.Helper()
	body := map[string]any{"name": "Operator " + email, "email": email}
	if len(skills) > 0 {
		body["skills"] = skills
	}
	return []string{"X-Operator-Id", e.register(t, body)}
}

// postTask posts the task as the agent and returns the answer.
func (e *env) postTask(t testing.TB, agent []string, posting map[string]any) map[string]any {
	t.Helper()
	res := e.call(t, "POST", "/api/v1/tasks", posting, agent...)
	if res.status != http.StatusCreated {
		t.Fatalf("post task: status %d, body %s", res.status, res.raw)
	}
	return res.body
}

// must sends a request and fails the test unless it gets the status.
func (e *env) must(t testing.TB, want int, method, path string, body any, headers ...string) response {
	t.Helper()
	res := e.call(t, method, path, body, headers...)
	if res.status != want {
		t.Fatalf("%s %s: status %d, want %d; body %s", method, path, res.status, want, res.raw)
	}
	return res
}

// statusOf returns the task's status as its agent sees it.
func (e *env) statusOf(t testing.TB, agent []string, id string) string {
	t.Helper()
	return e.must(t, 200, "GET", "/api/v1/tasks/"+id, nil, agent...).body["status"].(string)
}

// taskIDs returns the task_id of each item of a list answer.
func taskIDs(t testing.TB, res response) []string {
	t.Helper()
	data, ok := res.body["data"].([]any)
	if !ok {
		t.Fatalf("no data array in %s", res.raw)
	}
	out := []string{}
	for _, item := range data {
		out = append(out, item.(map[string]any)["task_id"].(string))
	}
	return out
}

func wantPage(limit, offset, total int) map[string]any {
	return map[string]any{"limit": float64(limit), "offset": float64(offset), "total": float64(total)}
}

// proofFor returns a valid submission for the posting's requirements.
func proofFor(posting map[string]any) map[string]any {
	var proof []map[string]any
	for i, req := range posting["proof_requirements"].([]string) {
		proof = append(proof, map[string]any{"requirement": req, "url": fmt.Sprintf("https://cdn.example.com/%d.jpg", i)})
	}
	return map[string]any{"note": "done", "proof": proof}
}

// lifecycle is one task with its agent and its holder, moved along the
// status machine by to.
type lifecycle struct {
	e       *env
	agent   []string
	holder  []string
	posting map[string]any
	id      string
}

// newLifecycle registers an agent and a PHOTO operator (distinct per tag)
// and posts a photo task.
func (e *env) newLifecycle(t testing.TB, tag string) *lifecycle {
	t.Helper()
	l := &lifecycle{
		e:       e,
		agent:   e.newAgent(t, "agent-"+tag+"@example.com"),
		holder:  e.newOperator(t, "holder-"+tag+"@example.com", "PHOTO"),
		posting: photoTask(),
	}
	l.id = e.postTask(t, l.agent, l.posting)["task_id"].(string)
	return l
}

func (l *lifecycle) path(suffix string) string { return "/api/v1/tasks/" + l.id + suffix }
func (l *lifecycle) opPath(suffix string) string {
	return "/api/v1/operator/tasks/" + l.id + suffix
}

// to moves the task from PENDING to the status by the shortest path of
// the status machine. VERIFIED is not a resting status and is refused.
func (l *lifecycle) to(t testing.TB, status string) {
	t.Helper()
	e := l.e
	paths := map[string][]string{
		"PENDING":          {},
		"ESTIMATE_PENDING": {"accept"},
		"ACCEPTED":         {"accept", "approve"},
		"IN_PROGRESS":      {"accept", "approve", "start"},
		"SUBMITTED":        {"accept", "approve", "start", "submit"},
		"MANUAL_REVIEW":    {"accept", "approve", "start", "submit", "manual"},
		"COMPLETED":        {"accept", "approve", "start", "submit", "verify"},
		"DISPUTED":         {"accept", "approve", "start", "submit", "manual", "dispute"},
		"CANCELLED":        {"accept", "approve", "cancel"},
	}
	steps, ok := paths[status]
	if !ok {
		t.Fatalf("no path to %s", status)
	}
	for _, step := range steps {
		switch step {
		case "accept":
			e.must(t, 200, "POST", l.opPath("/accept"), map[string]any{"estimate_hours": 2}, l.holder...)
		case "approve":
			e.must(t, 200, "POST", l.path("/estimate/approve"), nil, l.agent...)
		case "start":
			e.must(t, 200, "POST", l.opPath("/start"), nil, l.holder...)
		case "submit":
			e.must(t, 200, "POST", l.opPath("/submit"), proofFor(l.posting), l.holder...)
		case "manual", "verify":
			o := humop.GuardianOutcome{ManualReview: step == "manual", Quality: 5}
			if _, err := e.svc.RecordGuardianOutcome(context.Background(), l.id, o); err != nil {
				t.Fatalf("RecordGuardianOutcome(%s, %+v) = %v", l.id, o, err)
			}
		case "dispute":
			e.must(t, 200, "POST", l.path("/review"), map[string]any{"decision": "REJECT", "reason": "blurry"}, l.agent...)
		case "cancel":
			e.must(t, 200, "POST", l.path("/cancel"), nil, l.agent...)
		}
	}
	if got := e.statusOf(t, l.agent, l.id); got != status {
		t.Fatalf("task is %s after %v, want %s", got, steps, status)
	}
}

// --- posting ---

func TestPostTaskAnswersTheWholeTask(t *testing.T) {
	e := devEnv(t)
	ag := e.newAgent(t, "bot@example.com")
	posting := edited(photoTask(),
		"title", "  Photograph the shop front ",
		"task_type", "PHOTO",
		"reward_usd", 12.5,
		"deadline", "2026-04-09T14:00:00+02:00",
		"proof_requirements", []string{" photo of the front ", "photo of the opening hours"},
		"callback_url", "https://agent.example.com/hooks?token=abc",
		"callback_secret", "whsec-do-not-show",
	)
	res := e.call(t, "POST", "/api/v1/tasks", posting, ag...)
	if res.status != http.StatusCreated {
		t.Fatalf("status = %d, want 201; body %s", res.status, res.raw)
	}
	id, _ := res.body["task_id"].(string)
	if !strings.HasPrefix(id, "task_") || len(id) != 5+26 {
		t.Errorf("task_id = %q, want task_ and a ULID", id)
	}
	want := map[string]any{
		"task_id":            id,
		"title":              "Photograph the shop front",
		"description":        "Two photos of Torstrasse 1 during opening hours.",
		"task_type":          "PHOTO",
		"location":           map[string]any{"lat": 52.5291, "lng": 13.4016, "address": "Torstrasse 1, Berlin"},
		"reward_usd":         12.5,
		"deadline":           "2026-04-09T12:00:00.000Z",
		"proof_requirements": []any{"photo of the front", "photo of the opening hours"},
		"created_at":         "2026-04-02T12:00:00.000Z",
		"updated_at":         "2026-04-02T12:00:00.000Z",
		"status":             "PENDING",
		"callback_url":       "https://agent.example.com/hooks?token=abc",
		"estimate_minutes":   nil,
		"estimate":           nil,
		"submission":         nil,
		"quality":            nil,
		"claimed_at":         nil,
		"accepted_at":        nil,
		"started_at":         nil,
		"submitted_at":       nil,
		"verified_at":        nil,
		"completed_at":       nil,
		"cancelled_at":       nil,
		"disputed_at":        nil,
	}
	if diff := cmp.Diff(want, res.body); diff != "" {
		t.Errorf("POST /api/v1/tasks (-want +got):\n%s", diff)
	}
	if !strings.Contains(res.raw, `"reward_usd":12.50`) {
		t.Errorf("reward_usd is not written with two decimals: %s", res.raw)
	}
	got := e.must(t, 200, "GET", "/api/v1/tasks/"+id, nil, ag...)
	if diff := cmp.Diff(res.body, got.body); diff != "" {
		t.Errorf("GET after POST differs from the POST answer (-post +get):\n%s", diff)
	}
}

func TestPostTaskAcceptsValidPostings(t *testing.T) {
	tests := []struct {
		name    string
		posting map[string]any
		check   map[string]any // fields of the answer that must read so
	}{
		{"digital task without a location", digitalTask(),
			map[string]any{"location": nil, "task_type": "FORM_FILLING", "reward_usd": 4.5}},
		{"digital task with a location", edited(digitalTask(), "location", map[string]any{"lat": 0, "lng": 0, "address": "remote"}),
			map[string]any{"location": map[string]any{"lat": 0.0, "lng": 0.0, "address": "remote"}}},
		{"credential task", edited(digitalTask(), "task_type", "API_KEY_PROCUREMENT"),
			map[string]any{"task_type": "API_KEY_PROCUREMENT"}},
		{"reward of one cent", edited(photoTask(), "reward_usd", 0.01), map[string]any{"reward_usd": 0.01}},
		{"reward with two decimals", edited(photoTask(), "reward_usd", json.RawMessage("99.97")), map[string]any{"reward_usd": 99.97}},
		{"reward written with trailing zeros", edited(photoTask(), "reward_usd", json.RawMessage("15.00")), map[string]any{"reward_usd": 15.0}},
		{"the largest reward", edited(photoTask(), "reward_usd", json.RawMessage("10000000000")), map[string]any{"reward_usd": 1e10}},
		{"deadline a second ahead", edited(photoTask(), "deadline", "2026-04-02T12:00:01Z"),
			map[string]any{"deadline": "2026-04-02T12:00:01.000Z"}},
		{"deadline with fractional seconds", edited(photoTask(), "deadline", "2026-04-03T00:00:00.250Z"),
			map[string]any{"deadline": "2026-04-03T00:00:00.250Z"}},
		{"extreme coordinates", edited(photoTask(), "location", map[string]any{"lat": -90, "lng": 180, "address": "pole"}),
			map[string]any{"location": map[string]any{"lat": -90.0, "lng": 180.0, "address": "pole"}}},
		{"http callback", edited(photoTask(), "callback_url", "http://localhost:9000/hook"),
			map[string]any{"callback_url": "http://localhost:9000/hook"}},
		{"no callback", photoTask(), map[string]any{"callback_url": nil}},
		{"twenty proof requirements", edited(digitalTask(), "proof_requirements", numbered(20)),
			map[string]any{"status": "PENDING"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := devEnv(t)
			body := e.postTask(t, e.newAgent(t, "bot@example.com"), tt.posting)
			got := map[string]any{}
			for k := range tt.check {
				got[k] = body[k]
			}
			if diff := cmp.Diff(tt.check, got); diff != "" {
				t.Errorf("posted task (-want +got):\n%s", diff)
			}
		})
	}
}

// numbered returns n distinct proof requirements.
func numbered(n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprint("proof ", i+1))
	}
	return out
}

func TestPostTaskRejectsBadInput(t *testing.T) {
	p := photoTask()
	loc := func(lat, lng any) map[string]any {
		return map[string]any{"lat": lat, "lng": lng, "address": "Torstrasse 1, Berlin"}
	}
	tests := []struct {
		name        string
		body        any
		contentType string
		wantStatus  int
		wantInError string
	}{
		{"missing title", edited(p, "title", absent), "", 400, "title must be 1 to 200"},
		{"blank title", edited(p, "title", "   "), "", 400, "title must be 1 to 200"},
		{"title of 201 characters", edited(p, "title", strings.Repeat("t", 201)), "", 400, "title must be 1 to 200"},
		{"title with a line break", edited(p, "title", "a\nb"), "", 400, "title must not contain control"},
		{"title not a string", edited(p, "title", 5), "", 400, "title must be a string"},
		{"missing description", edited(p, "description", absent), "", 400, "description must be 1 to 5000"},
		{"description of 5001 characters", edited(p, "description", strings.Repeat("d", 5001)), "", 400, "description must be 1 to 5000"},
		{"missing task_type", edited(p, "task_type", absent), "", 400, "task_type is required"},
		{"unknown task_type", edited(p, "task_type", "GARDENING"), "", 400, "task_type must be one of"},
		{"missing reward_usd", edited(p, "reward_usd", absent), "", 400, "reward_usd is required"},
		{"null reward_usd", edited(p, "reward_usd", nil), "", 400, "reward_usd is required"},
		{"zero reward_usd", edited(p, "reward_usd", 0), "", 400, "reward_usd must be greater than 0"},
		{"zero reward_usd with decimals", edited(p, "reward_usd", json.RawMessage("0.00")), "", 400, "reward_usd must be greater than 0"},
		{"negative zero reward_usd", edited(p, "reward_usd", json.RawMessage("-0")), "", 400, "reward_usd must be greater than 0"},
		{"negative reward_usd", edited(p, "reward_usd", -5), "", 400, "reward_usd must not be negative"},
		{"reward_usd with three decimals", edited(p, "reward_usd", json.RawMessage("10.555")), "", 400, "reward_usd must have at most two decimal places"},
		{"reward_usd with three decimals ending in zero", edited(p, "reward_usd", json.RawMessage("10.500")), "", 400, "at most two decimal places"},
		{"reward_usd as a string", edited(p, "reward_usd", "15"), "", 400, "reward_usd must be a JSON number"},
		{"reward_usd as a boolean", edited(p, "reward_usd", true), "", 400, "reward_usd"},
		{"reward_usd with an exponent", edited(p, "reward_usd", json.RawMessage("1e2")), "", 400, "reward_usd must be written without an exponent"},
		{"reward_usd over the maximum", edited(p, "reward_usd", json.RawMessage("10000000000.01")), "", 400, "reward_usd must be at most"},
		{"huge reward_usd", edited(p, "reward_usd", json.RawMessage("123456789012345678901234567890")), "", 400, "reward_usd must be at most"},
		{"missing deadline", edited(p, "deadline", absent), "", 400, "deadline is required"},
		{"empty deadline", edited(p, "deadline", ""), "", 400, "deadline is required"},
		{"deadline in the past", edited(p, "deadline", "2026-04-01T12:00:00Z"), "", 422, "deadline must be in the future"},
		{"deadline equal to now", edited(p, "deadline", "2026-04-02T12:00:00Z"), "", 422, "deadline must be in the future"},
		{"deadline as a date", edited(p, "deadline", "2026-04-09"), "", 400, "deadline must be an RFC 3339 time"},
		{"deadline without a zone", edited(p, "deadline", "2026-04-09T12:00:00"), "", 400, "deadline must be an RFC 3339 time"},
		{"deadline in words", edited(p, "deadline", "next week"), "", 400, "deadline must be an RFC 3339 time"},
		{"deadline as a number", edited(p, "deadline", 1775736000), "", 400, "deadline must be a string"},
		{"missing proof_requirements", edited(p, "proof_requirements", absent), "", 400, "proof_requirements must list at least one"},
		{"empty proof_requirements", edited(p, "proof_requirements", []string{}), "", 400, "proof_requirements must list at least one"},
		{"blank proof requirement", edited(p, "proof_requirements", []string{"a", " "}), "", 400, "proof_requirements[1]"},
		{"repeated proof requirement", edited(p, "proof_requirements", []string{"a", " a"}), "", 400, "proof_requirements[1] repeats"},
		{"21 proof requirements", edited(p, "proof_requirements", numbered(21)), "", 400, "at most 20"},
		{"proof_requirements not an array", edited(p, "proof_requirements", "photo"), "", 400, "proof_requirements must be an array"},
		{"physical task without a location", edited(p, "location", absent), "", 400, "location is required for task_type PHOTO"},
		{"delivery without a location", edited(p, "task_type", "DELIVERY", "location", absent), "", 400, "location is required"},
		{"inspection with a null location", edited(p, "task_type", "INSPECTION", "location", nil), "", 400, "location is required"},
		{"verification without a location", edited(p, "task_type", "VERIFICATION", "location", absent), "", 400, "location is required"},
		{"latitude over 90", edited(p, "location", loc(90.5, 0)), "", 400, "location.lat must be between -90 and 90"},
		{"latitude under -90", edited(p, "location", loc(-91, 0)), "", 400, "location.lat"},
		{"longitude over 180", edited(p, "location", loc(0, 180.01)), "", 400, "location.lng must be between -180 and 180"},
		{"longitude under -180", edited(p, "location", loc(0, -181)), "", 400, "location.lng"},
		{"latitude as a string", edited(p, "location", loc("52.5", 13.4)), "", 400, "lat"},
		{"digital task with a bad latitude", edited(digitalTask(), "location", loc(100, 0)), "", 400, "location.lat"},
		{"location without an address", edited(p, "location", map[string]any{"lat": 1, "lng": 1}), "", 400, "location.address"},
		{"unknown field in location", edited(p, "location", map[string]any{"lat": 1, "lng": 1, "address": "x", "zip": "10115"}), "", 400, `unknown field "zip"`},
		{"ftp callback_url", edited(p, "callback_url", "ftp://agent.example.com/hook"), "", 400, "callback_url must be an absolute http or https URL"},
		{"relative callback_url", edited(p, "callback_url", "/hook"), "", 400, "callback_url"},
		{"callback_url without a host", edited(p, "callback_url", "https://"), "", 400, "callback_url"},
		{"callback_url not a URL", edited(p, "callback_url", "agent hook"), "", 400, "callback_url"},
		{"javascript callback_url", edited(p, "callback_url", "javascript:alert(1)"), "", 400, "callback_url"},
		{"callback_secret of 257 characters", edited(p, "callback_secret", strings.Repeat("s", 257)), "", 400, "callback_secret must be at most 256"},
		{"unknown field", edited(p, "priority", "high"), "", 400, `unknown field "priority"`},
		{"status given", edited(p, "status", "COMPLETED"), "", 400, `unknown field "status"`},
		{"malformed JSON", `{"title":`, "", 400, "not valid JSON"},
		{"array body", `[]`, "", 400, "JSON object"},
		{"empty body", "", "", 400, "empty"},
		{"text content type", `{}`, "text/plain", 415, "application/json"},
		{"body over 1 MiB", edited(p, "description", strings.Repeat("d", 1<<20)), "", 413, "at most 1048576 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := devEnv(t)
			ag := e.newAgent(t, "bot@example.com")
			headers := ag
			if tt.contentType != "" {
				headers = append(slices.Clone(ag), "Content-Type", tt.contentType)
			}
			res := e.call(t, "POST", "/api/v1/tasks", tt.body, headers...)
			if res.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", res.status, tt.wantStatus, res.raw)
			}
			if msg, _ := res.body["error"].(string); !strings.Contains(msg, tt.wantInError) {
				t.Errorf("error = %q, want it to mention %q", msg, tt.wantInError)
			}
			list := e.must(t, 200, "GET", "/api/v1/tasks", nil, ag...)
			if got := list.body["pagination"].(map[string]any)["total"]; got != 0.0 {
				t.Errorf("a refused posting left %v tasks behind", got)
			}
		})
	}
}

func TestPostTaskIdempotencyKey(t *testing.T) {
	e := devEnv(t)
	ag := e.newAgent(t, "bot@example.com")
	key := []string{"Idempotency-Key", "8e03978e-40d5-43e8-bc93-6894a57f9324"}
	first := e.call(t, "POST", "/api/v1/tasks", photoTask(), append(slices.Clone(ag), key...)...)
	again := e.call(t, "POST", "/api/v1/tasks", photoTask(), append(slices.Clone(ag), key...)...)
	if first.status != http.StatusCreated || again.status != first.status || again.raw != first.raw {
		t.Errorf("same key and body twice: %d %s then %d %s, want the first answer replayed",
			first.status, first.raw, again.status, again.raw)
	}
	if got := e.must(t, 200, "GET", "/api/v1/tasks", nil, ag...).body["pagination"].(map[string]any)["total"]; got != 1.0 {
		t.Errorf("tasks after a replayed POST = %v, want 1", got)
	}
	other := e.call(t, "POST", "/api/v1/tasks", digitalTask(), append(slices.Clone(ag), key...)...)
	if other.status != http.StatusUnprocessableEntity {
		t.Errorf("same key with another body: status %d, want 422; body %s", other.status, other.raw)
	}
	if again.header.Get("Idempotent-Replayed") != "true" || first.header.Get("Idempotent-Replayed") != "" {
		t.Errorf("Idempotent-Replayed: first %q, replay %q; want it on the replay only",
			first.header.Get("Idempotent-Replayed"), again.header.Get("Idempotent-Replayed"))
	}
	// Keys are scoped to the caller: another agent may use the same one.
	ag2 := e.newAgent(t, "other@example.com")
	e.must(t, 201, "POST", "/api/v1/tasks", photoTask(), append(slices.Clone(ag2), key...)...)

	// After 24 hours the key is forgotten: the same request posts anew.
	*e.now = testNow.Add(24 * time.Hour)
	later := e.must(t, 201, "POST", "/api/v1/tasks", photoTask(), append(slices.Clone(ag), key...)...)
	if later.body["task_id"] == first.body["task_id"] {
		t.Errorf("a key 24 hours old replayed %v, want a new task", later.body["task_id"])
	}
}

func TestConcurrentPostsWithOneIdempotencyKeyPostOnce(t *testing.T) {
	e := devEnv(t)
	ag := e.newAgent(t, "bot@example.com")
	headers := append(slices.Clone(ag), "Idempotency-Key", "retry-storm-1")
	const n = 20
	answers := make([]response, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			answers[i] = e.call(t, "POST", "/api/v1/tasks", photoTask(), headers...)
		})
	}
	close(start)
	wg.Wait()
	var created []string
	for _, res := range answers {
		switch res.status {
		case http.StatusCreated:
			created = append(created, res.body["task_id"].(string))
		case http.StatusConflict: // the key was still being processed
		default:
			t.Errorf("concurrent POST with one key: %d %s, want 201 or 409", res.status, res.raw)
		}
	}
	list := e.must(t, 200, "GET", "/api/v1/tasks", nil, ag...)
	if got := list.body["pagination"].(map[string]any)["total"]; got != 1.0 {
		t.Fatalf("%d concurrent POSTs with one key posted %v tasks, want 1", n, got)
	}
	posted := taskIDs(t, list)[0]
	for _, id := range created {
		if id != posted {
			t.Errorf("an answer names task %s, but the one task posted is %s", id, posted)
		}
	}
}

func TestCallbackSecretIsNeverShown(t *testing.T) {
	e := devEnv(t)
	ag := e.newAgent(t, "bot@example.com")
	op := e.newOperator(t, "op@example.com", "PHOTO")
	const secret = "whsec-0123456789-very-secret"
	posting := edited(photoTask(), "callback_url", "https://agent.example.com/hook", "callback_secret", secret)
	id := e.postTask(t, ag, posting)["task_id"].(string)

	look := func(label string, res response) {
		t.Helper()
		if strings.Contains(res.raw, secret) || strings.Contains(res.raw, "callback_secret") {
			t.Errorf("%s shows the callback secret: %s", label, res.raw)
		}
	}
	look("POST /api/v1/tasks", e.call(t, "POST", "/api/v1/tasks", posting, ag...))
	look("GET /api/v1/tasks/{id}", e.call(t, "GET", "/api/v1/tasks/"+id, nil, ag...))
	look("GET /api/v1/tasks", e.call(t, "GET", "/api/v1/tasks", nil, ag...))
	look("GET /api/v1/operator/tasks", e.call(t, "GET", "/api/v1/operator/tasks", nil, op...))
	look("GET /api/v1/operator/tasks/{id}", e.call(t, "GET", "/api/v1/operator/tasks/"+id, nil, op...))
	look("accept", e.must(t, 200, "POST", "/api/v1/operator/tasks/"+id+"/accept", map[string]any{"estimate_hours": 1}, op...))
	look("GET /api/v1/operator/tasks/assigned", e.call(t, "GET", "/api/v1/operator/tasks/assigned", nil, op...))
	look("approve", e.must(t, 200, "POST", "/api/v1/tasks/"+id+"/estimate/approve", nil, ag...))
	look("cancel", e.must(t, 200, "POST", "/api/v1/tasks/"+id+"/cancel", nil, ag...))
	// A refused posting does not echo it either.
	look("refused POST", e.call(t, "POST", "/api/v1/tasks", edited(posting, "callback_url", "ftp://x"), ag...))
}

// --- the agent's lists and views ---

func TestAgentTaskListPagesNewestFirst(t *testing.T) {
	e := devEnv(t)
	ag := e.newAgent(t, "bot@example.com")
	var posted []string // oldest first
	for i := range 25 {
		*e.now = testNow.Add(time.Duration(i) * time.Minute)
		posted = append(posted, e.postTask(t, ag, digitalTask())["task_id"].(string))
	}
	newest := slices.Clone(posted)
	slices.Reverse(newest)

	tests := []struct {
		query string
		want  []string
		page  map[string]any
	}{
		{"", newest[:20], wantPage(20, 0, 25)},
		{"?limit=10", newest[:10], wantPage(10, 0, 25)},
		{"?limit=10&offset=10", newest[10:20], wantPage(10, 10, 25)},
		{"?limit=10&offset=20", newest[20:], wantPage(10, 20, 25)},
		{"?offset=24", newest[24:], wantPage(20, 24, 25)},
		{"?offset=25", []string{}, wantPage(20, 25, 25)},
		{"?offset=1000", []string{}, wantPage(20, 1000, 25)},
		{"?limit=1", newest[:1], wantPage(1, 0, 25)},
		{"?limit=100", newest, wantPage(100, 0, 25)},
	}
	for _, tt := range tests {
		t.Run("query "+tt.query, func(t *testing.T) {
			res := e.must(t, 200, "GET", "/api/v1/tasks"+tt.query, nil, ag...)
			if diff := cmp.Diff(tt.want, taskIDs(t, res)); diff != "" {
				t.Errorf("task ids (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.page, res.body["pagination"]); diff != "" {
				t.Errorf("pagination (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTasksPostedAtOneInstantAreOrderedByID(t *testing.T) {
	e := devEnv(t)
	ag := e.newAgent(t, "bot@example.com")
	op := e.newOperator(t, "op@example.com")
	var posted []string
	for range 5 {
		posted = append(posted, e.postTask(t, ag, digitalTask())["task_id"].(string))
	}
	want := slices.Clone(posted)
	slices.Sort(want)
	slices.Reverse(want)
	for _, path := range []string{"/api/v1/tasks", "/api/v1/operator/tasks"} {
		hdr := ag
		if strings.Contains(path, "operator") {
			hdr = op
		}
		if diff := cmp.Diff(want, taskIDs(t, e.must(t, 200, "GET", path, nil, hdr...))); diff != "" {
			t.Errorf("GET %s with equal created_at (-want +got):\n%s", path, diff)
		}
	}
}

func TestListsAreNewestFirstByCreationTime(t *testing.T) {
	// The clock may disagree with the order of the ids (a clock set back,
	// an embedder's Now): created_at decides, the id only breaks ties.
	e := devEnv(t)
	ag := e.newAgent(t, "bot@example.com")
	op := e.newOperator(t, "op@example.com")
	*e.now = testNow.Add(time.Hour)
	later := e.postTask(t, ag, digitalTask())["task_id"].(string)
	*e.now = testNow
	earlier := e.postTask(t, ag, digitalTask())["task_id"].(string)
	want := []string{later, earlier}
	for _, path := range []string{"/api/v1/tasks", "/api/v1/operator/tasks"} {
		hdr := ag
		if strings.Contains(path, "operator") {
			hdr = op
		}
		if diff := cmp.Diff(want, taskIDs(t, e.must(t, 200, "GET", path, nil, hdr...))); diff != "" {
			t.Errorf("GET %s: task created at 13:00 must come before the one created at 12:00 (-want +got):\n%s", path, diff)
		}
	}
}

func TestPaginationRejectsBadParameters(t *testing.T) {
	e := devEnv(t)
	ag := e.newAgent(t, "bot@example.com")
	op := e.newOperator(t, "op@example.com")
	paths := []struct {
		path    string
		headers []string
	}{
		{"/api/v1/tasks", ag},
		{"/api/v1/operator/tasks", op},
		{"/api/v1/operator/tasks/assigned", op},
	}
	queries := []struct {
		query, wantInError string
	}{
		{"limit=0", "limit must be a whole number from 1 to 100"},
		{"limit=101", "limit must be a whole number from 1 to 100"},
		{"limit=-1", "limit"},
		{"limit=abc", "limit must be a whole number"},
		{"limit=1.5", "limit must be a whole number"},
		{"limit=", "limit"},
		{"limit=99999999999999999999", "limit"},
		{"offset=-1", "offset must be a whole number of at least 0"},
		{"offset=x", "offset must be a whole number"},
		{"offset=2.0", "offset must be a whole number"},
		{"limit=10&offset=-5", "offset"},
		{"limit=+5", "limit must be a whole number"},
		{"limit=%2010", "limit must be a whole number"},
		{"offset=-0", "offset must be a whole number"},
	}
	for _, p := range paths {
		for _, q := range queries {
			t.Run(p.path+"?"+q.query, func(t *testing.T) {
				res := e.call(t, "GET", p.path+"?"+q.query, nil, p.headers...)
				if res.status != http.StatusBadRequest {
					t.Fatalf("status = %d, want 400; body %s", res.status, res.raw)
				}
				if msg, _ := res.body["error"].(string); !strings.Contains(msg, q.wantInError) {
					t.Errorf("error = %q, want it to mention %q", msg, q.wantInError)
				}
			})
		}
	}
}

func TestAgentTaskListFiltersByStatus(t *testing.T) {
	e := devEnv(t)
	a := e.newLifecycle(t, "a")
	claimed := a.id
	a.to(t, "ESTIMATE_PENDING")
	var pending []string
	for range 2 {
		pending = append(pending, e.postTask(t, a.agent, photoTask())["task_id"].(string))
	}
	cancelled := e.postTask(t, a.agent, photoTask())["task_id"].(string)
	e.must(t, 200, "POST", "/api/v1/tasks/"+cancelled+"/cancel", nil, a.agent...)
	// Another agent's tasks never show.
	b := e.newLifecycle(t, "b")
	e.postTask(t, b.agent, photoTask())

	newestFirst := func(ids ...string) []string { slices.Reverse(ids); return ids }
	tests := []struct {
		query string
		want  []string
	}{
		{"", newestFirst(claimed, pending[0], pending[1], cancelled)},
		{"?status=PENDING", newestFirst(pending[0], pending[1])},
		{"?status=%20PENDING%20", newestFirst(pending[0], pending[1])},
		{"?status=ESTIMATE_PENDING", []string{claimed}},
		{"?status=CANCELLED", []string{cancelled}},
		{"?status=COMPLETED", []string{}},
		{"?status=PENDING&limit=1", newestFirst(pending[0], pending[1])[:1]},
		{"?status=PENDING&limit=1&offset=1", newestFirst(pending[0], pending[1])[1:]},
	}
	for _, tt := range tests {
		t.Run("query "+tt.query, func(t *testing.T) {
			res := e.must(t, 200, "GET", "/api/v1/tasks"+tt.query, nil, a.agent...)
			if diff := cmp.Diff(tt.want, taskIDs(t, res)); diff != "" {
				t.Errorf("task ids (-want +got):\n%s", diff)
			}
		})
	}
	res := e.must(t, 200, "GET", "/api/v1/tasks?status=PENDING&limit=1", nil, a.agent...)
	if diff := cmp.Diff(wantPage(1, 0, 2), res.body["pagination"]); diff != "" {
		t.Errorf("total counts every match (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"BOGUS", "DONE", "PENDING,ACCEPTED", "pending"} {
		res := e.call(t, "GET", "/api/v1/tasks?status="+bad, nil, a.agent...)
		if msg, _ := res.body["error"].(string); res.status != 400 || !strings.Contains(msg, "status") {
			t.Errorf("GET /api/v1/tasks?status=%s = %d %s, want 400 naming status", bad, res.status, res.raw)
		}
	}
}

func TestAgentSeesOnlyItsOwnTasks(t *testing.T) {
	e := devEnv(t)
	a := e.newLifecycle(t, "a")
	a.to(t, "ESTIMATE_PENDING")
	other := e.newAgent(t, "other@example.com")
	mine := e.postTask(t, other, digitalTask())["task_id"].(string)

	missing := e.call(t, "GET", "/api/v1/tasks/task_01ARZ3NDEKTSV4RRFFQ69G5FAV", nil, other...)
	if missing.status != 404 {
		t.Fatalf("GET an unknown task: %d, want 404", missing.status)
	}
	tests := []struct {
		method, path string
		body         any
	}{
		{"GET", a.path(""), nil},
		{"POST", a.path("/estimate/approve"), nil},
		{"POST", a.path("/estimate/reject"), map[string]any{"reason": "no"}},
		{"POST", a.path("/cancel"), nil},
		{"POST", a.path("/review"), map[string]any{"decision": "APPROVE", "quality": 5}},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			res := e.call(t, tt.method, tt.path, tt.body, other...)
			if res.status != http.StatusNotFound {
				t.Fatalf("status = %d, want 404; body %s", res.status, res.raw)
			}
			if diff := cmp.Diff(missing.body, res.body); diff != "" {
				t.Errorf("another agent's task answers unlike an absent one (-absent +other's):\n%s", diff)
			}
		})
	}
	if diff := cmp.Diff([]string{mine}, taskIDs(t, e.must(t, 200, "GET", "/api/v1/tasks", nil, other...))); diff != "" {
		t.Errorf("the other agent's list (-want +got):\n%s", diff)
	}
	if got := e.statusOf(t, a.agent, a.id); got != "ESTIMATE_PENDING" {
		t.Errorf("the refused requests moved the task to %s", got)
	}
}

func TestAgentSeesTheHolderAndEstimateOnceClaimed(t *testing.T) {
	e := devEnv(t)
	l := e.newLifecycle(t, "a")
	before := e.must(t, 200, "GET", l.path(""), nil, l.agent...)
	if _, ok := before.body["operator"]; ok || before.body["estimate_minutes"] != nil {
		t.Errorf("before any claim: operator %v, estimate_minutes %v; want neither", before.body["operator"], before.body["estimate_minutes"])
	}

	*e.now = testNow.Add(10 * time.Minute)
	e.must(t, 200, "POST", l.opPath("/accept"), map[string]any{
		"estimate_days": 1, "estimate_hours": 2, "estimate_minutes": 30, "estimate_note": " after work ",
	}, l.holder...)
	res := e.must(t, 200, "GET", l.path(""), nil, l.agent...)
	got := map[string]any{}
	for _, k := range []string{"status", "operator", "estimate_minutes", "estimate", "claimed_at", "updated_at"} {
		got[k] = res.body[k]
	}
	want := map[string]any{
		"status":           "ESTIMATE_PENDING",
		"operator":         map[string]any{"name": "Operator holder-a@example.com", "rating": 5.0},
		"estimate_minutes": 1590.0,
		"estimate":         map[string]any{"days": 1.0, "hours": 2.0, "minutes": 30.0, "note": "after work"},
		"claimed_at":       "2026-04-02T12:10:00.000Z",
		"updated_at":       "2026-04-02T12:10:00.000Z",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GET the claimed task (-want +got):\n%s", diff)
	}
	if !strings.Contains(res.raw, `"rating":5.00`) {
		t.Errorf("rating is not written with two decimals: %s", res.raw)
	}
	list := e.must(t, 200, "GET", "/api/v1/tasks", nil, l.agent...)
	item := list.body["data"].([]any)[0].(map[string]any)
	if diff := cmp.Diff(res.body, item); diff != "" {
		t.Errorf("the list item differs from GET /api/v1/tasks/{id} (-get +list):\n%s", diff)
	}
}

// --- the agent's moves ---

func TestApproveEstimate(t *testing.T) {
	e := devEnv(t)
	l := e.newLifecycle(t, "a")
	e.must(t, 200, "POST", l.opPath("/accept"), map[string]any{"estimate_hours": 3, "estimate_minutes": 15}, l.holder...)
	*e.now = testNow.Add(5 * time.Minute)
	res := e.must(t, 200, "POST", l.path("/estimate/approve"), nil, l.agent...)
	want := map[string]any{
		"task_id":          l.id,
		"status":           "ACCEPTED",
		"accepted_at":      "2026-04-02T12:05:00.000Z",
		"operator":         map[string]any{"name": "Operator holder-a@example.com", "rating": 5.0},
		"estimate_minutes": 195.0,
	}
	if diff := cmp.Diff(want, res.body); diff != "" {
		t.Errorf("approve (-want +got):\n%s", diff)
	}
	got := e.must(t, 200, "GET", l.path(""), nil, l.agent...)
	if got.body["status"] != "ACCEPTED" || got.body["accepted_at"] != "2026-04-02T12:05:00.000Z" {
		t.Errorf("GET after approve: status %v accepted_at %v", got.body["status"], got.body["accepted_at"])
	}
	// An empty JSON object is as good as no body; anything in it is not.
	l2 := e.newLifecycle(t, "b")
	l2.to(t, "ESTIMATE_PENDING")
	if res := e.call(t, "POST", l2.path("/estimate/approve"), map[string]any{"note": "ok"}, l2.agent...); res.status != 400 {
		t.Errorf("approve with an unknown field: %d, want 400", res.status)
	}
	e.must(t, 200, "POST", l2.path("/estimate/approve"), map[string]any{}, l2.agent...)
}

func TestRejectEstimatePutsTheTaskBackOnOffer(t *testing.T) {
	for _, reclaimer := range []string{"the same operator", "another operator"} {
		t.Run(reclaimer+" may claim it again", func(t *testing.T) {
			e := devEnv(t)
			l := e.newLifecycle(t, "a")
			other := e.newOperator(t, "other@example.com", "PHOTO")
			l.to(t, "ESTIMATE_PENDING")
			// While claimed, nobody else sees it on offer.
			if got := taskIDs(t, e.must(t, 200, "GET", "/api/v1/operator/tasks", nil, other...)); len(got) != 0 {
				t.Errorf("a claimed task is on offer: %v", got)
			}

			res := e.must(t, 200, "POST", l.path("/estimate/reject"), map[string]any{"reason": " too slow "}, l.agent...)
			want := map[string]any{"task_id": l.id, "status": "PENDING", "reason": "too slow"}
			if diff := cmp.Diff(want, res.body); diff != "" {
				t.Errorf("reject (-want +got):\n%s", diff)
			}
			got := e.must(t, 200, "GET", l.path(""), nil, l.agent...).body
			if _, ok := got["operator"]; ok || got["estimate_minutes"] != nil || got["estimate"] != nil ||
				got["claimed_at"] != nil || got["status"] != "PENDING" || got["rejection_reason"] != "too slow" {
				t.Errorf("GET after reject: operator %v, estimate_minutes %v, estimate %v, claimed_at %v, status %v, rejection_reason %v",
					got["operator"], got["estimate_minutes"], got["estimate"], got["claimed_at"], got["status"], got["rejection_reason"])
			}
			if got := taskIDs(t, e.must(t, 200, "GET", "/api/v1/operator/tasks/assigned", nil, l.holder...)); len(got) != 0 {
				t.Errorf("the former holder still has it among its assigned tasks: %v", got)
			}
			for _, op := range [][]string{l.holder, other} {
				if diff := cmp.Diff([]string{l.id}, taskIDs(t, e.must(t, 200, "GET", "/api/v1/operator/tasks", nil, op...))); diff != "" {
					t.Errorf("browse after reject (-want +got):\n%s", diff)
				}
			}
			who := l.holder
			if reclaimer != "the same operator" {
				who = other
			}
			e.must(t, 200, "POST", l.opPath("/accept"), map[string]any{"estimate_minutes": 40}, who...)
			if got := e.must(t, 200, "GET", l.path(""), nil, l.agent...).body["estimate_minutes"]; got != 40.0 {
				t.Errorf("estimate_minutes after the new claim = %v, want 40", got)
			}
		})
	}
}

func TestRejectEstimateWithoutReason(t *testing.T) {
	e := devEnv(t)
	for i, body := range []any{nil, map[string]any{}, map[string]any{"reason": ""}} {
		l := e.newLifecycle(t, fmt.Sprint(i))
		l.to(t, "ESTIMATE_PENDING")
		res := e.must(t, 200, "POST", l.path("/estimate/reject"), body, l.agent...)
		if diff := cmp.Diff(map[string]any{"task_id": l.id, "status": "PENDING", "reason": nil}, res.body); diff != "" {
			t.Errorf("reject with body %v (-want +got):\n%s", body, diff)
		}
	}
	l := e.newLifecycle(t, "long")
	l.to(t, "ESTIMATE_PENDING")
	res := e.call(t, "POST", l.path("/estimate/reject"), map[string]any{"reason": strings.Repeat("r", 1001)}, l.agent...)
	if res.status != 400 || !strings.Contains(res.raw, "reason must be at most 1000") {
		t.Errorf("reject with a reason of 1001 characters: %d %s, want 400", res.status, res.raw)
	}
}

func TestCancel(t *testing.T) {
	for _, from := range []string{"PENDING", "ESTIMATE_PENDING", "ACCEPTED"} {
		t.Run("from "+from+" refunds the reward", func(t *testing.T) {
			e := devEnv(t)
			l := e.newLifecycle(t, "a")
			l.posting = edited(l.posting, "reward_usd", 12.34)
			l.id = e.postTask(t, l.agent, l.posting)["task_id"].(string)
			l.to(t, from)
			*e.now = testNow.Add(time.Hour)
			res := e.must(t, 200, "POST", l.path("/cancel"), nil, l.agent...)
			want := map[string]any{"task_id": l.id, "status": "CANCELLED", "refunded_usd": 12.34}
			if diff := cmp.Diff(want, res.body); diff != "" {
				t.Errorf("cancel (-want +got):\n%s", diff)
			}
			got := e.must(t, 200, "GET", l.path(""), nil, l.agent...).body
			if got["status"] != "CANCELLED" || got["cancelled_at"] != "2026-04-02T13:00:00.000Z" {
				t.Errorf("GET after cancel: status %v cancelled_at %v", got["status"], got["cancelled_at"])
			}
			if got := taskIDs(t, e.must(t, 200, "GET", "/api/v1/operator/tasks", nil, l.holder...)); slices.Contains(got, l.id) {
				t.Errorf("the cancelled task %s is on offer: %v", l.id, got)
			}
			if res := e.call(t, "POST", l.path("/cancel"), nil, l.agent...); res.status != 409 {
				t.Errorf("cancelling twice: %d, want 409", res.status)
			}
			if res := e.call(t, "POST", l.opPath("/accept"), map[string]any{"estimate_hours": 1}, l.holder...); res.status != 409 {
				t.Errorf("accepting a cancelled task: %d %s, want 409", res.status, res.raw)
			}
		})
	}
	for _, from := range []string{"IN_PROGRESS", "SUBMITTED", "MANUAL_REVIEW", "COMPLETED", "DISPUTED", "CANCELLED"} {
		t.Run("from "+from+" is a conflict", func(t *testing.T) {
			e := devEnv(t)
			l := e.newLifecycle(t, "a")
			l.to(t, from)
			res := e.call(t, "POST", l.path("/cancel"), nil, l.agent...)
			if res.status != http.StatusConflict {
				t.Fatalf("status = %d, want 409; body %s", res.status, res.raw)
			}
			if msg, _ := res.body["error"].(string); !strings.Contains(msg, "task is "+from) {
				t.Errorf("error = %q, want it to say the task is %s", msg, from)
			}
			if got := e.statusOf(t, l.agent, l.id); got != from {
				t.Errorf("status after a refused cancel = %s, want %s", got, from)
			}
		})
	}
}

// --- the status machine ---

func TestMovesOutsideTheStatusMachineConflict(t *testing.T) {
	type move struct {
		name   string
		method string
		path   func(*lifecycle) string
		body   any
		by     func(l *lifecycle, newcomer []string) []string
		from   []string // statuses the move is allowed from
	}
	agentActs := func(l *lifecycle, _ []string) []string { return l.agent }
	holderActs := func(l *lifecycle, _ []string) []string { return l.holder }
	newcomerActs := func(_ *lifecycle, n []string) []string { return n }
	moves := []move{
		{"accept", "POST", func(l *lifecycle) string { return l.opPath("/accept") },
			map[string]any{"estimate_hours": 1}, newcomerActs, []string{"PENDING"}},
		{"approve", "POST", func(l *lifecycle) string { return l.path("/estimate/approve") },
			nil, agentActs, []string{"ESTIMATE_PENDING"}},
		{"reject", "POST", func(l *lifecycle) string { return l.path("/estimate/reject") },
			nil, agentActs, []string{"ESTIMATE_PENDING"}},
		{"start", "POST", func(l *lifecycle) string { return l.opPath("/start") },
			nil, holderActs, []string{"ACCEPTED"}},
		{"submit", "POST", func(l *lifecycle) string { return l.opPath("/submit") },
			proofFor(photoTask()), holderActs, []string{"IN_PROGRESS"}},
		{"review approve", "POST", func(l *lifecycle) string { return l.path("/review") },
			map[string]any{"decision": "APPROVE", "quality": 4}, agentActs, []string{"MANUAL_REVIEW"}},
		{"review reject", "POST", func(l *lifecycle) string { return l.path("/review") },
			map[string]any{"decision": "REJECT"}, agentActs, []string{"MANUAL_REVIEW"}},
		{"cancel", "POST", func(l *lifecycle) string { return l.path("/cancel") },
			nil, agentActs, []string{"PENDING", "ESTIMATE_PENDING", "ACCEPTED"}},
	}
	statuses := []string{"PENDING", "ESTIMATE_PENDING", "ACCEPTED", "IN_PROGRESS", "SUBMITTED",
		"MANUAL_REVIEW", "COMPLETED", "DISPUTED", "CANCELLED"}
	for _, from := range statuses {
		for _, m := range moves {
			want := http.StatusConflict
			if slices.Contains(m.from, from) {
				want = http.StatusOK
			}
			if from == "PENDING" && (m.name == "start" || m.name == "submit") {
				want = http.StatusNotFound // nobody holds a task on offer
			}
			t.Run(fmt.Sprintf("%s from %s answers %d", m.name, from, want), func(t *testing.T) {
				e := devEnv(t)
				l := e.newLifecycle(t, "a")
				newcomer := e.newOperator(t, "newcomer@example.com", "PHOTO")
				l.to(t, from)
				res := e.call(t, m.method, m.path(l), m.body, m.by(l, newcomer)...)
				if res.status != want {
					t.Fatalf("status = %d, want %d; body %s", res.status, want, res.raw)
				}
				if want == http.StatusConflict {
					if got := e.statusOf(t, l.agent, l.id); got != from {
						t.Errorf("a refused %s moved the task from %s to %s", m.name, from, got)
					}
				}
			})
		}
	}
}

func TestGuardianOutcomeOnlyForSubmittedWork(t *testing.T) {
	for _, from := range []string{"PENDING", "ESTIMATE_PENDING", "ACCEPTED", "IN_PROGRESS",
		"MANUAL_REVIEW", "COMPLETED", "DISPUTED", "CANCELLED"} {
		for _, o := range []humop.GuardianOutcome{{ManualReview: true}, {Quality: 5}} {
			t.Run(fmt.Sprintf("%+v from %s", o, from), func(t *testing.T) {
				e := devEnv(t)
				l := e.newLifecycle(t, "a")
				l.to(t, from)
				_, err := e.svc.RecordGuardianOutcome(context.Background(), l.id, o)
				if !errors.Is(err, task.ErrWrongState) {
					t.Errorf("RecordGuardianOutcome(%+v) from %s = %v, want ErrWrongState", o, from, err)
				}
			})
		}
	}
	e := devEnv(t)
	if _, err := e.svc.RecordGuardianOutcome(context.Background(), "task_01ARZ3NDEKTSV4RRFFQ69G5FAV", humop.GuardianOutcome{Quality: 5}); !errors.Is(err, task.ErrNotFound) {
		t.Errorf("RecordGuardianOutcome(unknown task) = %v, want ErrNotFound", err)
	}
	l := e.newLifecycle(t, "q")
	l.to(t, "SUBMITTED")
	for _, q := range []int{0, 6, -1} {
		if _, err := e.svc.RecordGuardianOutcome(context.Background(), l.id, humop.GuardianOutcome{Quality: q}); err == nil {
			t.Errorf("RecordGuardianOutcome(quality %d) = nil, want an error", q)
		}
	}
	if got := e.statusOf(t, l.agent, l.id); got != "SUBMITTED" {
		t.Errorf("status after refused outcomes = %s, want SUBMITTED", got)
	}
}

// --- browsing ---

// offerKeys are exactly the fields of a task on offer.
var offerKeys = []string{"created_at", "deadline", "description", "location", "proof_requirements",
	"reward_usd", "task_id", "task_type", "title"}

func TestBrowseShowsOpenTasksOfTheOperatorsSkills(t *testing.T) {
	e := devEnv(t)
	ag := e.newAgent(t, "bot@example.com")
	op := e.newOperator(t, "op@example.com", "PHOTO", "FORM_FILLING")
	rival := e.newOperator(t, "rival@example.com", "PHOTO")

	post := func(p map[string]any) string { return e.postTask(t, ag, p)["task_id"].(string) }
	photo := post(photoTask())
	form := post(digitalTask())
	post(edited(photoTask(), "task_type", "DELIVERY"))
	post(edited(digitalTask(), "task_type", "CAPTCHA_SOLVING"))
	claimed := post(photoTask())
	e.must(t, 200, "POST", "/api/v1/operator/tasks/"+claimed+"/accept", map[string]any{"estimate_hours": 1}, rival...)
	cancelled := post(photoTask())
	e.must(t, 200, "POST", "/api/v1/tasks/"+cancelled+"/cancel", nil, ag...)
	soon := post(edited(photoTask(), "deadline", "2026-04-02T13:00:00Z"))

	tests := []struct {
		query string
		want  []string
	}{
		{"", []string{soon, form, photo}},
		{"?task_type=PHOTO", []string{soon, photo}},
		{"?task_type=FORM_FILLING", []string{form}},
		{"?task_type=DELIVERY", []string{}},
		{"?task_type=CAPTCHA_SOLVING", []string{}},
		{"?task_type=PHOTO&limit=1", []string{soon}},
		{"?task_type=PHOTO&limit=1&offset=1", []string{photo}},
	}
	for _, tt := range tests {
		t.Run("query "+tt.query, func(t *testing.T) {
			res := e.must(t, 200, "GET", "/api/v1/operator/tasks"+tt.query, nil, op...)
			if diff := cmp.Diff(tt.want, taskIDs(t, res)); diff != "" {
				t.Errorf("offer (-want +got):\n%s", diff)
			}
		})
	}
	res := e.must(t, 200, "GET", "/api/v1/operator/tasks?task_type=PHOTO&limit=1", nil, op...)
	if diff := cmp.Diff(wantPage(1, 0, 2), res.body["pagination"]); diff != "" {
		t.Errorf("pagination counts every match (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"GARDENING", "PHOTOS", "1", "photo"} {
		res := e.call(t, "GET", "/api/v1/operator/tasks?task_type="+bad, nil, op...)
		if msg, _ := res.body["error"].(string); res.status != 400 || !strings.Contains(msg, "task_type") {
			t.Errorf("browse task_type=%s: %d %s, want 400 naming task_type", bad, res.status, res.raw)
		}
	}

	// The deadline passes: the task leaves the offer and can no longer be
	// claimed or seen.
	*e.now = time.Date(2026, 4, 2, 13, 0, 0, 0, time.UTC)
	if diff := cmp.Diff([]string{form, photo}, taskIDs(t, e.must(t, 200, "GET", "/api/v1/operator/tasks", nil, op...))); diff != "" {
		t.Errorf("offer once a deadline is reached (-want +got):\n%s", diff)
	}
	if res := e.call(t, "GET", "/api/v1/operator/tasks/"+soon, nil, op...); res.status != 404 {
		t.Errorf("GET an expired task: %d, want 404", res.status)
	}
	res = e.call(t, "POST", "/api/v1/operator/tasks/"+soon+"/accept", map[string]any{"estimate_minutes": 30}, op...)
	if res.status != http.StatusGone || !strings.Contains(res.raw, "deadline") {
		t.Errorf("accept an expired task: %d %s, want 410", res.status, res.raw)
	}
	if got := e.statusOf(t, ag, soon); got != "PENDING" {
		t.Errorf("the agent sees the expired task as %s, want PENDING", got)
	}
}

func TestBrowseItemFields(t *testing.T) {
	e := devEnv(t)
	ag := e.newAgent(t, "bot@example.com")
	op := e.newOperator(t, "op@example.com")
	posting := edited(photoTask(), "callback_url", "https://agent.example.com/hook", "callback_secret", "s3cret-value")
	id := e.postTask(t, ag, posting)["task_id"].(string)
	*e.now = testNow.Add(time.Minute)
	digital := e.postTask(t, ag, digitalTask())["task_id"].(string)

	res := e.must(t, 200, "GET", "/api/v1/operator/tasks", nil, op...)
	want := []any{
		map[string]any{
			"task_id":            digital,
			"title":              "Check a sign-up form",
			"description":        "Fill in the form at https://example.com/signup and report errors.",
			"task_type":          "FORM_FILLING",
			"location":           nil,
			"reward_usd":         4.5,
			"deadline":           "2026-04-09T12:00:00.000Z",
			"proof_requirements": []any{"screenshot of the confirmation"},
			"created_at":         "2026-04-02T12:01:00.000Z",
		},
		map[string]any{
			"task_id":            id,
			"title":              "Photograph the shop front",
			"description":        "Two photos of Torstrasse 1 during opening hours.",
			"task_type":          "PHOTO",
			"location":           map[string]any{"lat": 52.5291, "lng": 13.4016, "address": "Torstrasse 1, Berlin"},
			"reward_usd":         15.0,
			"deadline":           "2026-04-09T12:00:00.000Z",
			"proof_requirements": []any{"photo of the front", "photo of the opening hours"},
			"created_at":         "2026-04-02T12:00:00.000Z",
		},
	}
	if diff := cmp.Diff(want, res.body["data"]); diff != "" {
		t.Errorf("offer items (-want +got):\n%s", diff)
	}
	for _, item := range res.body["data"].([]any) {
		var keys []string
		for k := range item.(map[string]any) {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if diff := cmp.Diff(offerKeys, keys); diff != "" {
			t.Errorf("offer item fields (-want +got):\n%s", diff)
		}
	}
}

func TestBrowseNeedsNoKYCButClaimingDoes(t *testing.T) {
	e := newEnv(t, setup{development: true, pending: true})
	ag := e.newAgent(t, "bot@example.com")
	op := e.newOperator(t, "op@example.com", "PHOTO")
	id := e.postTask(t, ag, photoTask())["task_id"].(string)
	if diff := cmp.Diff([]string{id}, taskIDs(t, e.must(t, 200, "GET", "/api/v1/operator/tasks", nil, op...))); diff != "" {
		t.Errorf("browse with KYC pending (-want +got):\n%s", diff)
	}
	e.must(t, 200, "GET", "/api/v1/operator/tasks/"+id, nil, op...)
	res := e.call(t, "POST", "/api/v1/operator/tasks/"+id+"/accept", map[string]any{"estimate_hours": 1}, op...)
	if res.status != http.StatusForbidden || res.body["code"] != "kyc_required" {
		t.Errorf("accept with KYC pending: %d %s, want 403 kyc_required", res.status, res.raw)
	}
	if got := e.statusOf(t, ag, id); got != "PENDING" {
		t.Errorf("task after a refused accept: %s, want PENDING", got)
	}
}

func TestBrowsePagesNewestFirst(t *testing.T) {
	e := devEnv(t)
	ag := e.newAgent(t, "bot@example.com")
	op := e.newOperator(t, "op@example.com", "PHOTO")
	var newest []string
	for i := range 30 {
		*e.now = testNow.Add(time.Duration(i) * time.Second)
		newest = slices.Insert(newest, 0, e.postTask(t, ag, photoTask())["task_id"].(string))
		e.postTask(t, ag, digitalTask()) // not among the skills
	}
	tests := []struct {
		query string
		want  []string
		page  map[string]any
	}{
		{"", newest[:20], wantPage(20, 0, 30)},
		{"?limit=5&offset=25", newest[25:], wantPage(5, 25, 30)},
		{"?limit=100", newest, wantPage(100, 0, 30)},
		{"?offset=30", []string{}, wantPage(20, 30, 30)},
	}
	for _, tt := range tests {
		t.Run("query "+tt.query, func(t *testing.T) {
			res := e.must(t, 200, "GET", "/api/v1/operator/tasks"+tt.query, nil, op...)
			if diff := cmp.Diff(tt.want, taskIDs(t, res)); diff != "" {
				t.Errorf("offer (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.page, res.body["pagination"]); diff != "" {
				t.Errorf("pagination (-want +got):\n%s", diff)
			}
		})
	}
}

// --- one task and the assigned list, operator side ---

func TestOperatorTaskIsVisibleOrHeldElseNotFound(t *testing.T) {
	e := devEnv(t)
	l := e.newLifecycle(t, "a")
	other := e.newOperator(t, "other@example.com", "PHOTO")
	stranger := e.newOperator(t, "stranger@example.com", "DELIVERY")
	missing := e.call(t, "GET", "/api/v1/operator/tasks/task_01ARZ3NDEKTSV4RRFFQ69G5FAV", nil, other...)
	if missing.status != 404 {
		t.Fatalf("GET an unknown task: %d %s, want 404", missing.status, missing.raw)
	}
	see := func(label string, op []string, want int) {
		t.Helper()
		res := e.call(t, "GET", l.opPath(""), nil, op...)
		if res.status != want {
			t.Errorf("%s: status %d, want %d; body %s", label, res.status, want, res.raw)
			return
		}
		if want == 404 {
			if diff := cmp.Diff(missing.body, res.body); diff != "" {
				t.Errorf("%s: answers unlike an absent task (-absent +got):\n%s", label, diff)
			}
			return
		}
		if res.body["task_id"] != l.id {
			t.Errorf("%s: task_id %v, want %s", label, res.body["task_id"], l.id)
		}
		if _, ok := res.body["callback_url"]; ok {
			t.Errorf("%s: an operator sees the callback_url", label)
		}
	}
	see("on offer, to an operator with the skill", other, 200)
	see("on offer, to an operator without the skill", stranger, 404)
	l.to(t, "IN_PROGRESS")
	see("in progress, to its holder", l.holder, 200)
	see("in progress, to another operator with the skill", other, 404)
	see("in progress, to an operator without the skill", stranger, 404)
	got := e.must(t, 200, "GET", l.opPath(""), nil, l.holder...).body
	if got["status"] != "IN_PROGRESS" || got["estimate_minutes"] != 120.0 {
		t.Errorf("holder's view: status %v estimate_minutes %v, want IN_PROGRESS and 120", got["status"], got["estimate_minutes"])
	}
	// Past the deadline the holder still sees it.
	*e.now = time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	see("past the deadline, to its holder", l.holder, 200)
}

func TestAssignedTasksListsWhatTheOperatorHolds(t *testing.T) {
	e := devEnv(t)
	ag := e.newAgent(t, "bot@example.com")
	op := e.newOperator(t, "op@example.com", "PHOTO")
	rival := e.newOperator(t, "rival@example.com", "PHOTO")
	post := func() string { return e.postTask(t, ag, photoTask())["task_id"].(string) }
	accept := func(op []string, id string) {
		e.must(t, 200, "POST", "/api/v1/operator/tasks/"+id+"/accept", map[string]any{"estimate_minutes": 30}, op...)
	}

	estimated := post()
	accept(op, estimated)
	started := post()
	accept(op, started)
	e.must(t, 200, "POST", "/api/v1/tasks/"+started+"/estimate/approve", nil, ag...)
	e.must(t, 200, "POST", "/api/v1/operator/tasks/"+started+"/start", nil, op...)
	cancelled := post()
	accept(op, cancelled)
	e.must(t, 200, "POST", "/api/v1/tasks/"+cancelled+"/cancel", nil, ag...)
	rejected := post()
	accept(op, rejected)
	e.must(t, 200, "POST", "/api/v1/tasks/"+rejected+"/estimate/reject", nil, ag...)
	accept(rival, post())
	post() // on offer, held by nobody

	res := e.must(t, 200, "GET", "/api/v1/operator/tasks/assigned", nil, op...)
	if diff := cmp.Diff([]string{cancelled, started, estimated}, taskIDs(t, res)); diff != "" {
		t.Errorf("assigned (-want +got):\n%s", diff)
	}
	var statuses []string
	for _, item := range res.body["data"].([]any) {
		statuses = append(statuses, item.(map[string]any)["status"].(string))
	}
	if diff := cmp.Diff([]string{"CANCELLED", "IN_PROGRESS", "ESTIMATE_PENDING"}, statuses); diff != "" {
		t.Errorf("assigned statuses (-want +got):\n%s", diff)
	}
	res = e.must(t, 200, "GET", "/api/v1/operator/tasks/assigned?limit=2&offset=1", nil, op...)
	if diff := cmp.Diff([]string{started, estimated}, taskIDs(t, res)); diff != "" {
		t.Errorf("assigned page (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantPage(2, 1, 3), res.body["pagination"]); diff != "" {
		t.Errorf("assigned pagination (-want +got):\n%s", diff)
	}
	fresh := e.newOperator(t, "fresh@example.com")
	res = e.must(t, 200, "GET", "/api/v1/operator/tasks/assigned", nil, fresh...)
	if diff := cmp.Diff(map[string]any{"data": []any{}, "pagination": wantPage(20, 0, 0)}, res.body); diff != "" {
		t.Errorf("assigned of an operator holding nothing (-want +got):\n%s", diff)
	}
}

// --- accepting ---

func TestAcceptEstimateRules(t *testing.T) {
	tests := []struct {
		name        string
		body        any
		wantStatus  int
		wantMinutes float64
		wantInError string
	}{
		{"minutes alone", map[string]any{"estimate_minutes": 45}, 200, 45, ""},
		{"all three units", map[string]any{"estimate_days": 1, "estimate_hours": 2, "estimate_minutes": 30}, 200, 1590, ""},
		{"hours 24 without days", map[string]any{"estimate_hours": 24}, 200, 1440, ""},
		{"minutes 90 without hours", map[string]any{"estimate_minutes": 90}, 200, 90, ""},
		{"hours 23 with days", map[string]any{"estimate_days": 2, "estimate_hours": 23}, 200, 4260, ""},
		{"minutes 59 with hours", map[string]any{"estimate_hours": 1, "estimate_minutes": 59}, 200, 119, ""},
		{"zeros beside a unit", map[string]any{"estimate_days": 0, "estimate_hours": 0, "estimate_minutes": 5}, 200, 5, ""},
		{"with a note", map[string]any{"estimate_hours": 1, "estimate_note": "on my way"}, 200, 60, ""},

		{"hours 1.5", map[string]any{"estimate_hours": 1.5}, 400, 0, "estimate_hours must be a whole number"},
		{"minutes 0.5", map[string]any{"estimate_minutes": 0.5}, 400, 0, "estimate_minutes must be a whole number"},
		{"days 1.5", map[string]any{"estimate_days": 1.5}, 400, 0, "estimate_days must be a whole number"},
		{"hours as a string", map[string]any{"estimate_hours": "2"}, 400, 0, "estimate_hours must be a whole number"},
		{"negative days", map[string]any{"estimate_days": -1, "estimate_hours": 30}, 400, 0, "estimate_days must not be negative"},
		{"negative hours", map[string]any{"estimate_hours": -2, "estimate_minutes": 30}, 400, 0, "estimate_hours must not be negative"},
		{"negative minutes", map[string]any{"estimate_hours": 1, "estimate_minutes": -1}, 400, 0, "estimate_minutes must not be negative"},
		{"total zero", map[string]any{"estimate_days": 0, "estimate_hours": 0, "estimate_minutes": 0}, 400, 0, "estimate must be more than zero"},
		{"no units at all", map[string]any{}, 400, 0, "estimate must be more than zero"},
		{"only a note", map[string]any{"estimate_note": "soon"}, 400, 0, "more than zero"},
		{"hours 24 with days", map[string]any{"estimate_days": 1, "estimate_hours": 24}, 400, 0, "estimate_hours must be under 24"},
		{"minutes 60 with hours", map[string]any{"estimate_hours": 1, "estimate_minutes": 60}, 400, 0, "estimate_minutes must be under 60"},
		{"minutes 60 with days", map[string]any{"estimate_days": 1, "estimate_minutes": 60}, 400, 0, "estimate_minutes must be under 60"},
		{"over a year", map[string]any{"estimate_days": 366}, 400, 0, "estimate_days must be at most 365"},
		{"note of 1001 characters", map[string]any{"estimate_hours": 1, "estimate_note": strings.Repeat("n", 1001)}, 400, 0, "estimate_note"},
		{"unknown field", map[string]any{"estimate_hours": 1, "estimate_weeks": 1}, 400, 0, `unknown field "estimate_weeks"`},
		{"empty body", "", 400, 0, "empty"},
		{"malformed JSON", `{"estimate_hours": `, 400, 0, "not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := devEnv(t)
			l := e.newLifecycle(t, "a")
			*e.now = testNow.Add(3 * time.Minute)
			res := e.call(t, "POST", l.opPath("/accept"), tt.body, l.holder...)
			if res.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", res.status, tt.wantStatus, res.raw)
			}
			if tt.wantStatus != 200 {
				if msg, _ := res.body["error"].(string); !strings.Contains(msg, tt.wantInError) {
					t.Errorf("error = %q, want it to mention %q", msg, tt.wantInError)
				}
				if got := e.statusOf(t, l.agent, l.id); got != "PENDING" {
					t.Errorf("task after a refused accept: %s, want PENDING", got)
				}
				return
			}
			want := map[string]any{
				"task_id":          l.id,
				"status":           "ESTIMATE_PENDING",
				"estimate_minutes": tt.wantMinutes,
				"claimed_at":       "2026-04-02T12:03:00.000Z",
			}
			if diff := cmp.Diff(want, res.body); diff != "" {
				t.Errorf("accept (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAcceptRefusals(t *testing.T) {
	e := devEnv(t)
	ag := e.newAgent(t, "bot@example.com")
	op := e.newOperator(t, "op@example.com", "PHOTO")
	rival := e.newOperator(t, "rival@example.com", "PHOTO")
	deliverer := e.newOperator(t, "deliverer@example.com", "DELIVERY")
	est := map[string]any{"estimate_hours": 2}

	open := e.postTask(t, ag, photoTask())["task_id"].(string)
	taken := e.postTask(t, ag, photoTask())["task_id"].(string)
	e.must(t, 200, "POST", "/api/v1/operator/tasks/"+taken+"/accept", est, rival...)
	mine := e.postTask(t, ag, photoTask())["task_id"].(string)
	e.must(t, 200, "POST", "/api/v1/operator/tasks/"+mine+"/accept", est, op...)
	expiring := e.postTask(t, ag, edited(photoTask(), "deadline", "2026-04-02T12:30:00Z"))["task_id"].(string)

	tests := []struct {
		name       string
		id         string
		by         []string
		now        time.Time
		wantStatus int
		wantCode   string
	}{
		{"skill not held", open, deliverer, testNow, 403, "skill_not_held"},
		{"no such task", "task_01ARZ3NDEKTSV4RRFFQ69G5FAV", op, testNow, 404, "task_not_found"},
		{"claimed by another operator", taken, op, testNow, 409, ""},
		{"claimed by this operator", mine, op, testNow, 409, ""},
		{"deadline reached", expiring, op, time.Date(2026, 4, 2, 12, 30, 0, 0, time.UTC), 410, "deadline_passed"},
		{"deadline passed", expiring, op, time.Date(2026, 4, 3, 0, 0, 0, 0, time.UTC), 410, "deadline_passed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			*e.now = tt.now
			defer func() { *e.now = testNow }()
			res := e.call(t, "POST", "/api/v1/operator/tasks/"+tt.id+"/accept", est, tt.by...)
			if res.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", res.status, tt.wantStatus, res.raw)
			}
			if tt.wantCode != "" && res.body["code"] != tt.wantCode {
				t.Errorf("code = %v, want %s", res.body["code"], tt.wantCode)
			}
		})
	}
	// Nothing moved: the holders are the ones before.
	if got := e.must(t, 200, "GET", "/api/v1/operator/tasks/"+taken, nil, rival...).body["status"]; got != "ESTIMATE_PENDING" {
		t.Errorf("the rival's task is %v", got)
	}
	if got := taskIDs(t, e.must(t, 200, "GET", "/api/v1/operator/tasks/assigned", nil, op...)); !slices.Equal(got, []string{mine}) {
		t.Errorf("op holds %v, want only %s", got, mine)
	}
}

func TestConcurrentAcceptsHaveOneWinner(t *testing.T) {
	e := devEnv(t)
	ag := e.newAgent(t, "bot@example.com")
	id := e.postTask(t, ag, photoTask())["task_id"].(string)
	const n = 20
	ops := make([][]string, n)
	for i := range n {
		ops[i] = e.newOperator(t, fmt.Sprintf("op%d@example.com", i), "PHOTO")
	}
	statuses := make([]int, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			statuses[i] = e.call(t, "POST", "/api/v1/operator/tasks/"+id+"/accept", map[string]any{"estimate_minutes": 10 + i}, ops[i]...).status
		})
	}
	close(start)
	wg.Wait()
	count := map[int]int{}
	winner := -1
	for i, s := range statuses {
		count[s]++
		if s == 200 {
			winner = i
		}
	}
	if diff := cmp.Diff(map[int]int{200: 1, 409: n - 1}, count); diff != "" {
		t.Fatalf("statuses of %d concurrent accepts (-want +got):\n%s", n, diff)
	}
	got := e.must(t, 200, "GET", "/api/v1/tasks/"+id, nil, ag...).body
	if got["estimate_minutes"] != float64(10+winner) || got["operator"].(map[string]any)["name"] != "Operator "+fmt.Sprintf("op%d@example.com", winner) {
		t.Errorf("the task shows estimate %v by %v, want the winner's (%d)", got["estimate_minutes"], got["operator"], winner)
	}
}

// --- start, submit, review ---

func TestStart(t *testing.T) {
	e := devEnv(t)
	l := e.newLifecycle(t, "a")
	other := e.newOperator(t, "other@example.com", "PHOTO")
	l.to(t, "ESTIMATE_PENDING")
	if res := e.call(t, "POST", l.opPath("/start"), nil, l.holder...); res.status != 409 {
		t.Errorf("start before approval: %d %s, want 409", res.status, res.raw)
	}
	e.must(t, 200, "POST", l.path("/estimate/approve"), nil, l.agent...)
	if res := e.call(t, "POST", l.opPath("/start"), nil, other...); res.status != 404 {
		t.Errorf("start by another operator: %d %s, want 404", res.status, res.raw)
	}
	if res := e.call(t, "POST", "/api/v1/operator/tasks/task_01ARZ3NDEKTSV4RRFFQ69G5FAV/start", nil, l.holder...); res.status != 404 {
		t.Errorf("start an unknown task: %d %s, want 404", res.status, res.raw)
	}
	if res := e.call(t, "POST", l.opPath("/start"), map[string]any{"now": true}, l.holder...); res.status != 400 {
		t.Errorf("start with an unknown field: %d %s, want 400", res.status, res.raw)
	}
	*e.now = testNow.Add(time.Hour)
	res := e.must(t, 200, "POST", l.opPath("/start"), nil, l.holder...)
	want := map[string]any{"task_id": l.id, "status": "IN_PROGRESS", "started_at": "2026-04-02T13:00:00.000Z"}
	if diff := cmp.Diff(want, res.body); diff != "" {
		t.Errorf("start (-want +got):\n%s", diff)
	}
	if res := e.call(t, "POST", l.opPath("/start"), nil, l.holder...); res.status != 409 {
		t.Errorf("start twice: %d %s, want 409", res.status, res.raw)
	}
	if res := e.call(t, "POST", l.opPath("/start"), nil, other...); res.status != 404 {
		t.Errorf("start by another operator once in progress: %d %s, want 404", res.status, res.raw)
	}
}

func TestSubmit(t *testing.T) {
	e := devEnv(t)
	l := e.newLifecycle(t, "a")
	other := e.newOperator(t, "other@example.com", "PHOTO")
	l.to(t, "ACCEPTED")
	good := proofFor(l.posting)
	if res := e.call(t, "POST", l.opPath("/submit"), good, l.holder...); res.status != 409 {
		t.Errorf("submit before starting: %d %s, want 409", res.status, res.raw)
	}
	e.must(t, 200, "POST", l.opPath("/start"), nil, l.holder...)
	if res := e.call(t, "POST", l.opPath("/submit"), good, other...); res.status != 404 {
		t.Errorf("submit by another operator: %d %s, want 404", res.status, res.raw)
	}

	item := func(req, url string) map[string]any { return map[string]any{"requirement": req, "url": url} }
	front, hours := "photo of the front", "photo of the opening hours"
	ok := "https://cdn.example.com/a.jpg"
	bad := []struct {
		name        string
		body        any
		wantInError string
	}{
		{"no proof", map[string]any{"note": "done"}, "proof must have one item per proof requirement"},
		{"empty proof", map[string]any{"proof": []any{}}, "proof must have one item"},
		{"a requirement missing", map[string]any{"proof": []any{item(front, ok)}}, "proof has no item for requirement"},
		{"a requirement repeated", map[string]any{"proof": []any{item(front, ok), item(front, ok), item(hours, ok)}}, "repeats requirement"},
		{"an unknown requirement", map[string]any{"proof": []any{item(front, ok), item(hours, ok), item("selfie", ok)}}, "is not one of the task's proof_requirements"},
		{"a relative url", map[string]any{"proof": []any{item(front, "/a.jpg"), item(hours, ok)}}, "proof[0].url must be an absolute http or https URL"},
		{"an ftp url", map[string]any{"proof": []any{item(front, ok), item(hours, "ftp://cdn.example.com/a.jpg")}}, "proof[1].url"},
		{"a url without a host", map[string]any{"proof": []any{item(front, "https://"), item(hours, ok)}}, "proof[0].url"},
		{"a data url", map[string]any{"proof": []any{item(front, "data:image/png;base64,AAAA"), item(hours, ok)}}, "proof[0].url"},
		{"a missing url", map[string]any{"proof": []any{map[string]any{"requirement": front}, item(hours, ok)}}, "proof[0].url"},
		{"an unknown field in an item", map[string]any{"proof": []any{map[string]any{"requirement": front, "url": ok, "size": 1}, item(hours, ok)}}, `unknown field "size"`},
		{"proof not an array", map[string]any{"proof": "https://cdn.example.com/a.jpg"}, "proof must be an array"},
		{"empty body", "", "empty"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			res := e.call(t, "POST", l.opPath("/submit"), tt.body, l.holder...)
			if res.status != http.StatusBadRequest {
				t.Fatalf("status = %d, want 400; body %s", res.status, res.raw)
			}
			if msg, _ := res.body["error"].(string); !strings.Contains(msg, tt.wantInError) {
				t.Errorf("error = %q, want it to mention %q", msg, tt.wantInError)
			}
		})
	}
	if got := e.statusOf(t, l.agent, l.id); got != "IN_PROGRESS" {
		t.Fatalf("status after refused submissions = %s, want IN_PROGRESS", got)
	}

	*e.now = testNow.Add(2 * time.Hour)
	// Items in any order, with spaces around the requirement.
	body := map[string]any{"note": " all done ", "proof": []any{
		map[string]any{"requirement": " " + hours, "url": "http://cdn.example.com/hours.jpg", "note": "closed Sundays"},
		item(front, "https://cdn.example.com/front.jpg"),
	}}
	res := e.must(t, 200, "POST", l.opPath("/submit"), body, l.holder...)
	want := map[string]any{"task_id": l.id, "status": "SUBMITTED", "submitted_at": "2026-04-02T14:00:00.000Z"}
	if diff := cmp.Diff(want, res.body); diff != "" {
		t.Errorf("submit (-want +got):\n%s", diff)
	}
	// No guardian here: the task waits in SUBMITTED.
	got := e.must(t, 200, "GET", l.path(""), nil, l.agent...).body
	wantSub := map[string]any{
		"note": "all done",
		"proof": []any{
			map[string]any{"requirement": hours, "url": "http://cdn.example.com/hours.jpg", "note": "closed Sundays"},
			map[string]any{"requirement": front, "url": "https://cdn.example.com/front.jpg"},
		},
		"submitted_at": "2026-04-02T14:00:00.000Z",
	}
	if got["status"] != "SUBMITTED" {
		t.Errorf("status = %v, want SUBMITTED without a guardian", got["status"])
	}
	if diff := cmp.Diff(wantSub, got["submission"]); diff != "" {
		t.Errorf("submission as the agent sees it (-want +got):\n%s", diff)
	}
	if res := e.call(t, "POST", l.opPath("/submit"), good, l.holder...); res.status != 409 {
		t.Errorf("submit twice: %d %s, want 409", res.status, res.raw)
	}
}

func TestSubmitChecksTheStateBeforeTheProof(t *testing.T) {
	e := devEnv(t)
	l := e.newLifecycle(t, "a")
	l.to(t, "ACCEPTED")
	res := e.call(t, "POST", l.opPath("/submit"), map[string]any{"proof": []any{}}, l.holder...)
	if res.status != 409 {
		t.Errorf("bad proof on an accepted task: %d %s, want 409", res.status, res.raw)
	}
}

func TestReview(t *testing.T) {
	t.Run("approve completes with the quality", func(t *testing.T) {
		e := devEnv(t)
		l := e.newLifecycle(t, "a")
		l.to(t, "MANUAL_REVIEW")
		*e.now = testNow.Add(24 * time.Hour)
		res := e.must(t, 200, "POST", l.path("/review"), map[string]any{"decision": "APPROVE", "quality": 4, "reason": "fine"}, l.agent...)
		if diff := cmp.Diff(map[string]any{"task_id": l.id, "status": "COMPLETED", "quality": 4.0}, res.body); diff != "" {
			t.Errorf("review (-want +got):\n%s", diff)
		}
		got := e.must(t, 200, "GET", l.path(""), nil, l.agent...).body
		if got["status"] != "COMPLETED" || got["quality"] != 4.0 || got["completed_at"] != "2026-04-03T12:00:00.000Z" {
			t.Errorf("GET after approval: status %v quality %v completed_at %v", got["status"], got["quality"], got["completed_at"])
		}
	})
	t.Run("approve without a quality scores 5", func(t *testing.T) {
		e := devEnv(t)
		l := e.newLifecycle(t, "a")
		l.to(t, "MANUAL_REVIEW")
		res := e.must(t, 200, "POST", l.path("/review"), map[string]any{"decision": "APPROVE"}, l.agent...)
		if diff := cmp.Diff(map[string]any{"task_id": l.id, "status": "COMPLETED", "quality": 5.0}, res.body); diff != "" {
			t.Errorf("review (-want +got):\n%s", diff)
		}
	})
	t.Run("reject disputes with quality 1", func(t *testing.T) {
		e := devEnv(t)
		l := e.newLifecycle(t, "a")
		l.to(t, "MANUAL_REVIEW")
		res := e.must(t, 200, "POST", l.path("/review"), map[string]any{"decision": "REJECT", "reason": " blurry "}, l.agent...)
		if diff := cmp.Diff(map[string]any{"task_id": l.id, "status": "DISPUTED", "quality": 1.0}, res.body); diff != "" {
			t.Errorf("review (-want +got):\n%s", diff)
		}
		got := e.must(t, 200, "GET", l.path(""), nil, l.agent...).body
		if got["status"] != "DISPUTED" || got["dispute_reason"] != "blurry" || got["disputed_at"] == nil {
			t.Errorf("GET after rejection: status %v dispute_reason %v disputed_at %v", got["status"], got["dispute_reason"], got["disputed_at"])
		}
	})
	t.Run("the guardian's verdict completes with its quality", func(t *testing.T) {
		e := devEnv(t)
		l := e.newLifecycle(t, "a")
		l.to(t, "SUBMITTED")
		done, err := e.svc.RecordGuardianOutcome(context.Background(), l.id, humop.GuardianOutcome{Quality: 3})
		if err != nil || done.Status != task.Completed || done.Quality != 3 || done.VerifiedAt.IsZero() {
			t.Fatalf("RecordGuardianOutcome(verified, 3) = %+v, %v", done, err)
		}
		got := e.must(t, 200, "GET", l.path(""), nil, l.agent...).body
		if got["status"] != "COMPLETED" || got["quality"] != 3.0 || got["verified_at"] == nil || got["completed_at"] == nil {
			t.Errorf("GET after verification: %s", e.call(t, "GET", l.path(""), nil, l.agent...).raw)
		}
	})

	bad := []struct {
		name        string
		body        any
		wantInError string
	}{
		{"unknown decision", map[string]any{"decision": "MAYBE", "quality": 5}, `decision must be "APPROVE" or "REJECT"`},
		{"empty decision", map[string]any{"decision": "", "quality": 5}, "decision"},
		{"no decision", map[string]any{"quality": 5}, "decision"},
		{"approve with quality 0", map[string]any{"decision": "APPROVE", "quality": 0}, "quality must be a whole number from 1 to 5"},
		{"approve with quality 6", map[string]any{"decision": "APPROVE", "quality": 6}, "quality must be a whole number from 1 to 5"},
		{"approve with quality 4.5", map[string]any{"decision": "APPROVE", "quality": 4.5}, "quality must be a whole number"},
		{"quality as a string", map[string]any{"decision": "APPROVE", "quality": "5"}, "quality must be a whole number"},
		{"reason of 1001 characters", map[string]any{"decision": "REJECT", "reason": strings.Repeat("r", 1001)}, "reason must be at most 1000"},
		{"unknown field", map[string]any{"decision": "APPROVE", "quality": 5, "tip": 1}, `unknown field "tip"`},
		{"empty body", "", "empty"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			e := devEnv(t)
			l := e.newLifecycle(t, "a")
			l.to(t, "MANUAL_REVIEW")
			res := e.call(t, "POST", l.path("/review"), tt.body, l.agent...)
			if res.status != http.StatusBadRequest {
				t.Fatalf("status = %d, want 400; body %s", res.status, res.raw)
			}
			if msg, _ := res.body["error"].(string); !strings.Contains(msg, tt.wantInError) {
				t.Errorf("error = %q, want it to mention %q", msg, tt.wantInError)
			}
			if got := e.statusOf(t, l.agent, l.id); got != "MANUAL_REVIEW" {
				t.Errorf("status after a refused review = %s, want MANUAL_REVIEW", got)
			}
		})
	}
	for _, from := range []string{"SUBMITTED", "IN_PROGRESS", "COMPLETED", "DISPUTED"} {
		t.Run("review of a "+from+" task is a conflict", func(t *testing.T) {
			e := devEnv(t)
			l := e.newLifecycle(t, "a")
			l.to(t, from)
			res := e.call(t, "POST", l.path("/review"), map[string]any{"decision": "APPROVE", "quality": 5}, l.agent...)
			if res.status != http.StatusConflict {
				t.Errorf("status = %d, want 409; body %s", res.status, res.raw)
			}
		})
	}
}

// hangUpGuardian cancels the submit request's context before giving its
// verdict, as a client hanging up right after submitting would.
type hangUpGuardian struct{ cancel context.CancelFunc }

func (g hangUpGuardian) Check(*task.Task) (*humop.GuardianOutcome, error) {
	g.cancel()
	return &humop.GuardianOutcome{Quality: 5}, nil
}

func TestGuardianVerdictSurvivesAClientThatHangsUp(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	store := &memstore.Store{}
	now := testNow
	svc, err := humop.New(humop.Options{
		Store:                 store,
		Now:                   func() time.Time { return now },
		Reviewer:              kyc.AutoApprove{},
		ApproveAtRegistration: true,
		Guardian:              hangUpGuardian{cancel},
	})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{h: httpapi.New(httpapi.Options{Service: svc, Development: true}), store: store, svc: svc, now: &now}
	l := e.newLifecycle(t, "a")
	l.to(t, "IN_PROGRESS")

	raw, _ := json.Marshal(proofFor(l.posting))
	req := httptest.NewRequest("POST", l.opPath("/submit"), bytes.NewReader(raw)).WithContext(ctx)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(l.holder[0], l.holder[1])
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("submit: %d %s", rec.Code, rec.Body)
	}
	// The submission was committed before the client left; the guardian's
	// verdict on it must not be lost with the request.
	if got := e.statusOf(t, l.agent, l.id); got != "COMPLETED" {
		t.Errorf("task is %s after the guardian verified it, want COMPLETED", got)
	}
}
