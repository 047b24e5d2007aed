package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/humop/humop"
	"github.com/humop/humop/agent"
)

// apiKeyPattern is the form of every API key the contract issues.
var apiKeyPattern = regexp.MustCompile(`^ho_live_[A-Za-z0-9]{48}$`)

// newAgent registers an agent with the email and returns the header that
// authenticates it, ready to pass to call.
func (e *env) newAgent(t testing.TB, email string) []string {
	t.Helper()
	res := e.call(t, "POST", "/api/v1/agents/register", map[string]any{"name": "Agent " + email, "email": email})
	if res.status != http.StatusCreated {
		t.Fatalf("register agent %s: status %d, body %s", email, res.status, res.raw)
	}
	return []string{"X-API-Key", res.body["api_key"].(string)}
}

func TestRegisterAgentAnswersTheContractFields(t *testing.T) {
	e := devEnv(t)
	res := e.call(t, "POST", "/api/v1/agents/register", map[string]any{
		"name": "  Research Bot ", "email": " Bot@Acme.example ", "company": " Acme ",
	})
	if res.status != http.StatusCreated {
		t.Fatalf("status = %d, want 201; body %s", res.status, res.raw)
	}
	id, _ := res.body["agent_id"].(string)
	if !strings.HasPrefix(id, "ag_") || len(id) != 3+26 {
		t.Errorf("agent_id = %q, want ag_ and a ULID", id)
	}
	key, _ := res.body["api_key"].(string)
	if !apiKeyPattern.MatchString(key) {
		t.Errorf("api_key = %q, want ho_live_ and 48 letters or digits", key)
	}
	msg, _ := res.body["message"].(string)
	if msg == "" {
		t.Error("message is empty, want a note that the key is shown once")
	}
	want := map[string]any{"agent_id": id, "api_key": key, "tier": "SANDBOX", "message": msg}
	if diff := cmp.Diff(want, res.body); diff != "" {
		t.Errorf("register agent (-want +got):\n%s", diff)
	}

	// The key is stored only as its hash.
	err := e.store.View(context.Background(), func(tx humop.Tx) error {
		a, err := tx.Agents().Get(id)
		if err != nil {
			return err
		}
		if a.KeyHash != agent.HashKey(key) {
			t.Errorf("stored KeyHash is not HashKey(api_key)")
		}
		if stored := fmt.Sprintf("%+v", a); strings.Contains(stored, key[len("ho_live_"):]) {
			t.Errorf("the stored agent holds the key in clear: %s", stored)
		}
		if a.Name != "Research Bot" || a.Email != "Bot@Acme.example" || a.Company != "Acme" {
			t.Errorf("stored agent = %q %q %q, want trimmed name, email and company", a.Name, a.Email, a.Company)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRegisterAgentIssuesDistinctKeys(t *testing.T) {
	e := devEnv(t)
	a := e.newAgent(t, "a@example.com")
	b := e.newAgent(t, "b@example.com")
	if a[1] == b[1] {
		t.Errorf("two agents got the same API key %q", a[1])
	}
}

func TestRegisterAgentAcceptsTheEdges(t *testing.T) {
	tests := []struct {
		name string
		body map[string]any
	}{
		{"name of one character", map[string]any{"name": "A", "email": "a@example.com"}},
		{"name of 100 characters", map[string]any{"name": strings.Repeat("n", 100), "email": "a@example.com"}},
		{"name of 100 multibyte characters", map[string]any{"name": strings.Repeat("é", 100), "email": "a@example.com"}},
		{"company left out", map[string]any{"name": "A", "email": "a@example.com"}},
		{"company empty", map[string]any{"name": "A", "email": "a@example.com", "company": ""}},
		{"company of 200 characters", map[string]any{"name": "A", "email": "a@example.com", "company": strings.Repeat("c", 200)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := devEnv(t).call(t, "POST", "/api/v1/agents/register", tt.body)
			if res.status != http.StatusCreated {
				t.Errorf("status = %d, want 201; body %s", res.status, res.raw)
			}
		})
	}
}

func TestRegisterAgentRejectsBadInput(t *testing.T) {
	tests := []struct {
		name        string
		body        any
		wantInError string
	}{
		{"missing name", map[string]any{"email": "a@example.com"}, "name must be 1 to 100"},
		{"blank name", map[string]any{"name": "  ", "email": "a@example.com"}, "name must be 1 to 100"},
		{"name of 101 characters", map[string]any{"name": strings.Repeat("n", 101), "email": "a@example.com"}, "name must be 1 to 100"},
		{"name with a control character", map[string]any{"name": "A\x00B", "email": "a@example.com"}, "name"},
		{"name not a string", map[string]any{"name": 5, "email": "a@example.com"}, "name must be a string"},
		{"missing email", map[string]any{"name": "A"}, "email is required"},
		{"email without at", map[string]any{"name": "A", "email": "a.example.com"}, "email must be a valid"},
		{"email without a dot in the domain", map[string]any{"name": "A", "email": "a@localhost"}, "email must be a valid"},
		{"email with a display name", map[string]any{"name": "A", "email": "A <a@example.com>"}, "email"},
		{"company of 201 characters", map[string]any{"name": "A", "email": "a@example.com", "company": strings.Repeat("c", 201)}, "company"},
		{"unknown field", map[string]any{"name": "A", "email": "a@example.com", "tier": "PRO"}, `unknown field "tier"`},
		{"malformed JSON", `{"name":"A"`, "not valid JSON"},
		{"empty body", "", "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := devEnv(t)
			res := e.call(t, "POST", "/api/v1/agents/register", tt.body)
			if res.status != http.StatusBadRequest {
				t.Fatalf("status = %d, want 400; body %s", res.status, res.raw)
			}
			if msg, _ := res.body["error"].(string); !strings.Contains(msg, tt.wantInError) {
				t.Errorf("error = %q, want it to mention %q", msg, tt.wantInError)
			}
			// Nothing was written: the email is still free.
			e.newAgent(t, "a@example.com")
		})
	}
}

func TestRegisterAgentRefusesADuplicateEmail(t *testing.T) {
	e := devEnv(t)
	e.newAgent(t, "Bot@Acme.example")
	for _, email := range []string{"bot@acme.example", " BOT@ACME.EXAMPLE ", "Bot@Acme.example"} {
		res := e.call(t, "POST", "/api/v1/agents/register", map[string]any{"name": "Other", "email": email})
		if res.status != http.StatusConflict {
			t.Errorf("register %q: status %d, want 409; body %s", email, res.status, res.raw)
		}
	}
	// An operator may use the same address: the two registries are apart.
	e.register(t, map[string]any{"name": "Maria", "email": "bot@acme.example"})
}

func TestConcurrentAgentRegistrationsOfOneEmailHaveOneWinner(t *testing.T) {
	e := devEnv(t)
	const n = 20
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			email := "race@example.com"
			if i%2 == 1 {
				email = "RACE@Example.com"
			}
			statuses[i] = e.call(t, "POST", "/api/v1/agents/register", map[string]any{"name": "bot", "email": email}).status
		})
	}
	wg.Wait()
	count := map[int]int{}
	for _, s := range statuses {
		count[s]++
	}
	if diff := cmp.Diff(map[int]int{201: 1, 409: n - 1}, count); diff != "" {
		t.Errorf("statuses of %d concurrent registrations (-want +got):\n%s", n, diff)
	}
}

func TestAPIKeyAuthenticatesTheAgent(t *testing.T) {
	e := devEnv(t)
	ag := e.newAgent(t, "bot@example.com")
	for _, key := range []string{ag[1], "  " + ag[1] + " "} {
		res := e.call(t, "GET", "/api/v1/tasks", nil, "X-API-Key", key)
		if res.status != http.StatusOK {
			t.Errorf("GET /api/v1/tasks with key %q: status %d, want 200; body %s", key, res.status, res.raw)
		}
	}
}

func TestAgentEndpointsNeedAValidKey(t *testing.T) {
	e := devEnv(t)
	ag := e.newAgent(t, "bot@example.com")
	op := e.newOperator(t, "op@example.com", "PHOTO")
	id := e.postTask(t, ag, photoTask())["task_id"].(string)

	unknown := "ho_live_" + strings.Repeat("A", 48)
	keys := []struct {
		name    string
		headers []string
	}{
		{"no key", nil},
		{"empty key", []string{"X-API-Key", ""}},
		{"key without the prefix", []string{"X-API-Key", strings.TrimPrefix(ag[1], "ho_live_")}},
		{"key too short", []string{"X-API-Key", ag[1][:len(ag[1])-1]}},
		{"key too long", []string{"X-API-Key", ag[1] + "A"}},
		{"key with a symbol", []string{"X-API-Key", ag[1][:len(ag[1])-1] + "!"}},
		{"test prefix", []string{"X-API-Key", "ho_test_" + strings.TrimPrefix(ag[1], "ho_live_")}},
		{"well-formed key never issued", []string{"X-API-Key", unknown}},
		{"key in the Authorization header", []string{"Authorization", "Bearer " + ag[1]}},
		{"operator credentials", op},
	}
	endpoints := []struct {
		method, path string
		body         any
	}{
		{"POST", "/api/v1/tasks", photoTask()},
		{"GET", "/api/v1/tasks", nil},
		{"GET", "/api/v1/tasks/" + id, nil},
		{"POST", "/api/v1/tasks/" + id + "/estimate/approve", nil},
		{"POST", "/api/v1/tasks/" + id + "/estimate/reject", map[string]any{"reason": "x"}},
		{"POST", "/api/v1/tasks/" + id + "/cancel", nil},
		{"POST", "/api/v1/tasks/" + id + "/review", map[string]any{"decision": "APPROVE", "quality": 5}},
	}
	for _, k := range keys {
		for _, ep := range endpoints {
			t.Run(k.name+"/"+ep.method+" "+ep.path, func(t *testing.T) {
				res := e.call(t, ep.method, ep.path, ep.body, k.headers...)
				if res.status != http.StatusUnauthorized {
					t.Fatalf("status = %d, want 401; body %s", res.status, res.raw)
				}
				if msg, _ := res.body["error"].(string); !strings.Contains(msg, "X-API-Key") {
					t.Errorf("error = %q, want it to name X-API-Key", msg)
				}
				if got := res.header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "APIKey") {
					t.Errorf("WWW-Authenticate = %q, want an APIKey challenge", got)
				}
				for i := 1; i < len(k.headers); i += 2 {
					if v := k.headers[i]; len(v) > 8 && strings.Contains(res.raw, v) {
						t.Errorf("the answer echoes the credential: %s", res.raw)
					}
				}
			})
		}
	}
	// None of the refused requests changed the task.
	res := e.call(t, "GET", "/api/v1/tasks/"+id, nil, ag...)
	if res.body["status"] != "PENDING" {
		t.Errorf("task status after refused requests = %v, want PENDING", res.body["status"])
	}
	if n := e.call(t, "GET", "/api/v1/tasks", nil, ag...).body["pagination"].(map[string]any)["total"]; n != 1.0 {
		t.Errorf("tasks after refused posts = %v, want 1", n)
	}
}
