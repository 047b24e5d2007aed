package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/humop/humop"
	"github.com/humop/humop/httpapi"
	"github.com/humop/humop/kyc"
	"github.com/humop/humop/memstore"
)

var testNow = time.Date(2026, 4, 2, 12, 0, 0, 0, time.UTC)

type env struct {
	h     *httpapi.Handler
	store *memstore.Store
	svc   *humop.Service
	now   *time.Time
}

type setup struct {
	development bool
	reviewer    kyc.Reviewer
	tokens      httpapi.TokenVerifier
	// pending leaves new operators' KYC pending; otherwise they are
	// approved at registration, as the dev server does.
	pending bool
}

func newEnv(t testing.TB, s setup) *env {
	t.Helper()
	store := &memstore.Store{}
	if s.reviewer == nil {
		s.reviewer = kyc.AutoApprove{}
	}
	now := testNow
	svc, err := humop.New(humop.Options{
		Store:                 store,
		Now:                   func() time.Time { return now },
		Reviewer:              s.reviewer,
		ApproveAtRegistration: !s.pending,
	})
	if err != nil {
		t.Fatal(err)
	}
	h := httpapi.New(httpapi.Options{Service: svc, Development: s.development, Tokens: s.tokens})
	return &env{h: h, store: store, svc: svc, now: &now}
}

func devEnv(t testing.TB) *env { return newEnv(t, setup{development: true}) }

type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

// call sends a request; body is JSON-encoded unless it is a string, which
// is sent as is. headers alternate name and value.
func (e *env) call(t testing.TB, method, path string, body any, headers ...string) response {
	t.Helper()
	var rd *bytes.Reader
	switch b := body.(type) {
	case nil:
		rd = bytes.NewReader(nil)
	case string:
		rd = bytes.NewReader([]byte(b))
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	res := response{status: rec.Code, header: rec.Header(), raw: rec.Body.String()}
	if rec.Body.Len() > 0 {
		if err := json.Unmarshal(rec.Body.Bytes(), &res.body); err != nil {
			t.Fatalf("%s %s: body is not a JSON object: %v\n%s", method, path, err, rec.Body)
		}
	}
	return res
}

// register registers an operator in development and returns its id.
func (e *env) register(t testing.TB, body map[string]any) string {
	t.Helper()
	res := e.call(t, "POST", "/api/v1/operator/register", body)
	if res.status != http.StatusCreated {
		t.Fatalf("register: status %d, body %s", res.status, res.raw)
	}
	return res.body["operator_id"].(string)
}

func maria() map[string]any {
	return map[string]any{"name": "Maria Lopez", "email": "maria@example.com"}
}

func TestRegisterAnswersTheContractFields(t *testing.T) {
	e := devEnv(t)
	res := e.call(t, "POST", "/api/v1/operator/register", map[string]any{
		"name":     "  Maria Lopez ",
		"email":    " Maria@Example.com ",
		"phone":    "+49 151-2345-6789",
		"location": map[string]any{"city": "Berlin", "country": "de"},
		"skills":   []string{"DELIVERY", "PHOTO", "PHOTO"},
	})
	if res.status != http.StatusCreated {
		t.Fatalf("status = %d, want 201; body %s", res.status, res.raw)
	}
	id, _ := res.body["operator_id"].(string)
	if !strings.HasPrefix(id, "op_") || len(id) != 3+26 {
		t.Errorf("operator_id = %q, want op_ and a ULID", id)
	}
	want := map[string]any{
		"operator_id": id,
		"name":        "Maria Lopez",
		"email":       "Maria@Example.com",
		"kyc_status":  "APPROVED",
		"skills":      []any{"PHOTO", "DELIVERY"},
		"rating":      5.0,
		"created_at":  "2026-04-02T12:00:00.000Z",
	}
	if diff := cmp.Diff(want, res.body); diff != "" {
		t.Errorf("register response (-want +got):\n%s", diff)
	}
	if !strings.Contains(res.raw, `"rating":5.00`) {
		t.Errorf("rating is not written with two decimals: %s", res.raw)
	}
	if res.header.Get("X-Request-Id") == "" {
		t.Error("no X-Request-Id on the response")
	}
	if ct := res.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
}

func TestRegisterWithoutSkillsMeansAllSkills(t *testing.T) {
	for _, body := range []map[string]any{
		{"name": "A", "email": "a@example.com"},
		{"name": "A", "email": "a@example.com", "skills": []string{}},
		{"name": "A", "email": "a@example.com", "skills": nil},
	} {
		e := devEnv(t)
		res := e.call(t, "POST", "/api/v1/operator/register", body)
		if res.status != http.StatusCreated {
			t.Fatalf("status = %d; body %s", res.status, res.raw)
		}
		if got := len(res.body["skills"].([]any)); got != 13 {
			t.Errorf("register %v: %d skills, want all 13", body, got)
		}
	}
}

func TestRegisterRejectsBadInput(t *testing.T) {
	long := strings.Repeat("x", 201)
	tests := []struct {
		name        string
		body        any
		contentType string
		wantStatus  int
		wantInError string
	}{
		{"missing name", map[string]any{"email": "a@example.com"}, "", 400, "name"},
		{"blank name", map[string]any{"name": "   ", "email": "a@example.com"}, "", 400, "name must be 1 to 200"},
		{"name too long", map[string]any{"name": long, "email": "a@example.com"}, "", 400, "name must be 1 to 200"},
		{"name of the wrong type", map[string]any{"name": 7, "email": "a@example.com"}, "", 400, "name must be a string"},
		{"missing email", map[string]any{"name": "A"}, "", 400, "email"},
		{"invalid email", map[string]any{"name": "A", "email": "not-an-email"}, "", 400, "email must be a valid"},
		{"email with display name", map[string]any{"name": "A", "email": "A <a@example.com>"}, "", 400, "email"},
		{"phone not E.164", map[string]any{"name": "A", "email": "a@example.com", "phone": "0151 2345"}, "", 400, "phone"},
		{"phone with letters", map[string]any{"name": "A", "email": "a@example.com", "phone": "+1 800 FLOWERS"}, "", 400, "phone"},
		{"unknown country", map[string]any{"name": "A", "email": "a@example.com",
			"location": map[string]any{"city": "X", "country": "XX"}}, "", 400, "location.country"},
		{"location without country", map[string]any{"name": "A", "email": "a@example.com",
			"location": map[string]any{"city": "Berlin"}}, "", 400, "location.country"},
		{"unknown field in location", map[string]any{"name": "A", "email": "a@example.com",
			"location": map[string]any{"country": "DE", "zip": "10115"}}, "", 400, "zip"},
		{"unknown skill", map[string]any{"name": "A", "email": "a@example.com", "skills": []string{"PHOTO", "JUGGLING"}}, "", 400, "JUGGLING"},
		{"skills not an array", map[string]any{"name": "A", "email": "a@example.com", "skills": "PHOTO"}, "", 400, "skills"},
		{"unknown field", map[string]any{"name": "A", "email": "a@example.com", "age": 3}, "", 400, `unknown field "age"`},
		{"malformed JSON", `{"name": "A",`, "", 400, "not valid JSON"},
		{"not an object", `["name"]`, "", 400, "JSON object"},
		{"empty body", "", "", 400, "empty"},
		{"two objects", `{"name":"A","email":"a@example.com"}{}`, "", 400, "nothing after it"},
		{"form content type", `name=A`, "application/x-www-form-urlencoded", 415, "application/json"},
		{"text content type", `{"name":"A","email":"a@example.com"}`, "text/plain", 415, "application/json"},
		{"body over 1 MiB", `{"name":"` + strings.Repeat("a", 1<<20) + `","email":"a@example.com"}`, "", 413, "at most 1048576 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := devEnv(t)
			var headers []string
			if tt.contentType != "" {
				headers = []string{"Content-Type", tt.contentType}
			}
			res := e.call(t, "POST", "/api/v1/operator/register", tt.body, headers...)
			if res.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", res.status, tt.wantStatus, res.raw)
			}
			msg, _ := res.body["error"].(string)
			if !strings.Contains(msg, tt.wantInError) {
				t.Errorf("error = %q, want it to mention %q", msg, tt.wantInError)
			}
			// Nothing was written: the same email registers afterwards.
			res = e.call(t, "POST", "/api/v1/operator/register", map[string]any{"name": "A", "email": "a@example.com"})
			if res.status != http.StatusCreated {
				t.Errorf("after a refused registration, a valid one got %d: %s", res.status, res.raw)
			}
		})
	}
}

func TestRegisterRefusesDuplicateEmail(t *testing.T) {
	e := devEnv(t)
	e.register(t, map[string]any{"name": "Maria", "email": "Maria@Example.com"})
	for _, email := range []string{"maria@example.com", "  MARIA@EXAMPLE.COM  ", "Maria@Example.com"} {
		res := e.call(t, "POST", "/api/v1/operator/register", map[string]any{"name": "Other", "email": email})
		if res.status != http.StatusConflict {
			t.Errorf("register %q: status %d, want 409; body %s", email, res.status, res.raw)
		}
	}
}

func TestConcurrentRegistrationsOfOneEmailHaveOneWinner(t *testing.T) {
	e := devEnv(t)
	const n = 50
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			email := "race@example.com"
			if i%2 == 1 {
				email = " RACE@example.COM "
			}
			res := e.call(t, "POST", "/api/v1/operator/register", map[string]any{"name": fmt.Sprint("op ", i), "email": email})
			statuses[i] = res.status
		}()
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

func TestProfileRoundTrip(t *testing.T) {
	e := devEnv(t)
	id := e.register(t, map[string]any{
		"name": "Maria", "email": "maria@example.com", "phone": "+49 151 23456789",
		"location": map[string]any{"city": "Berlin", "country": "DE"},
	})
	res := e.call(t, "GET", "/api/v1/operator/me", nil, "X-Operator-Id", id)
	if res.status != http.StatusOK {
		t.Fatalf("GET me: status %d; body %s", res.status, res.raw)
	}
	delete(res.body, "skills")
	want := map[string]any{
		"operator_id":       id,
		"name":              "Maria",
		"email":             "maria@example.com",
		"kyc_status":        "APPROVED",
		"rating":            5.0,
		"created_at":        "2026-04-02T12:00:00.000Z",
		"updated_at":        "2026-04-02T12:00:00.000Z",
		"phone":             "+4915123456789",
		"location":          map[string]any{"city": "Berlin", "country": "DE"},
		"pending_balance":   0.0,
		"available_balance": 0.0,
		"total_earned":      0.0,
		"completed_tasks":   0.0,
	}
	if diff := cmp.Diff(want, res.body); diff != "" {
		t.Errorf("GET me (-want +got):\n%s", diff)
	}
}

func TestPatchMeChangesOnlyWhatIsSent(t *testing.T) {
	tests := []struct {
		name  string
		patch map[string]any
		want  map[string]any // fields of the profile that must read so
	}{
		{"skills replaced and put in order",
			map[string]any{"skills": []string{"SUBSCRIPTION_SETUP", "PHOTO", "PHOTO"}},
			map[string]any{"skills": []any{"PHOTO", "SUBSCRIPTION_SETUP"}, "name": "Maria"}},
		{"empty skills mean all",
			map[string]any{"skills": []string{}},
			map[string]any{"skills_count": 13.0}},
		{"null skills mean all",
			map[string]any{"skills": nil},
			map[string]any{"skills_count": 13.0}},
		{"name trimmed",
			map[string]any{"name": "  Maria L. "},
			map[string]any{"name": "Maria L.", "phone": "+4915123456789"}},
		{"phone normalised",
			map[string]any{"phone": "+1 415-555-0100"},
			map[string]any{"phone": "+14155550100"}},
		{"phone null clears it",
			map[string]any{"phone": nil},
			map[string]any{"phone": nil}},
		{"location replaced",
			map[string]any{"location": map[string]any{"city": "Paris", "country": "fr"}},
			map[string]any{"location": map[string]any{"city": "Paris", "country": "FR"}}},
		{"location null clears it",
			map[string]any{"location": nil},
			map[string]any{"location": nil}},
		{"empty patch changes nothing",
			map[string]any{},
			map[string]any{"name": "Maria", "phone": "+4915123456789"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := devEnv(t)
			id := e.register(t, map[string]any{
				"name": "Maria", "email": "maria@example.com", "phone": "+4915123456789",
				"location": map[string]any{"city": "Berlin", "country": "DE"}, "skills": []string{"PHOTO"},
			})
			res := e.call(t, "PATCH", "/api/v1/operator/me", tt.patch, "X-Operator-Id", id)
			if res.status != http.StatusOK {
				t.Fatalf("PATCH: status %d; body %s", res.status, res.raw)
			}
			after := e.call(t, "GET", "/api/v1/operator/me", nil, "X-Operator-Id", id)
			if diff := cmp.Diff(res.body, after.body); diff != "" {
				t.Errorf("PATCH answer and later GET differ (-patch +get):\n%s", diff)
			}
			got := map[string]any{}
			for k := range tt.want {
				if k == "skills_count" {
					got[k] = float64(len(after.body["skills"].([]any)))
					continue
				}
				got[k] = after.body[k]
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("profile after PATCH (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPatchMeRejectsBadInputAndChangesNothing(t *testing.T) {
	tests := []struct {
		name        string
		patch       any
		wantInError string
	}{
		{"email cannot change", map[string]any{"email": "new@example.com"}, "email cannot be changed"},
		{"kyc status cannot change", map[string]any{"kyc_status": "APPROVED"}, "kyc_status cannot be changed"},
		{"name cannot be cleared", map[string]any{"name": nil}, "name"},
		{"name blank", map[string]any{"name": " "}, "name must be 1 to 200"},
		{"name not a string", map[string]any{"name": 3}, "name must be a string"},
		{"bad phone", map[string]any{"phone": "12345"}, "phone"},
		{"bad country", map[string]any{"location": map[string]any{"country": "QQ"}}, "location.country"},
		{"empty location", map[string]any{"location": map[string]any{}}, "location.country"},
		{"unknown location field", map[string]any{"location": map[string]any{"country": "DE", "street": "x"}}, "location.street"},
		{"unknown skill", map[string]any{"skills": []string{"FLYING"}}, "FLYING"},
		{"unknown field", map[string]any{"rating": 1}, `unknown field "rating"`},
		{"valid name with invalid phone", map[string]any{"name": "New", "phone": "nope"}, "phone"},
		{"malformed JSON", `{"name":`, "not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := devEnv(t)
			id := e.register(t, map[string]any{"name": "Maria", "email": "maria@example.com", "phone": "+4915123456789"})
			before := e.call(t, "GET", "/api/v1/operator/me", nil, "X-Operator-Id", id)
			res := e.call(t, "PATCH", "/api/v1/operator/me", tt.patch, "X-Operator-Id", id)
			if res.status != http.StatusBadRequest {
				t.Fatalf("status = %d, want 400; body %s", res.status, res.raw)
			}
			if msg, _ := res.body["error"].(string); !strings.Contains(msg, tt.wantInError) {
				t.Errorf("error = %q, want it to mention %q", msg, tt.wantInError)
			}
			after := e.call(t, "GET", "/api/v1/operator/me", nil, "X-Operator-Id", id)
			if diff := cmp.Diff(before.body, after.body); diff != "" {
				t.Errorf("a refused PATCH changed the profile (-before +after):\n%s", diff)
			}
		})
	}
}

func TestOperatorEndpointsNeedCredentials(t *testing.T) {
	e := devEnv(t)
	id := e.register(t, maria())
	tests := []struct {
		name    string
		method  string
		headers []string
	}{
		{"GET without credentials", "GET", nil},
		{"PATCH without credentials", "PATCH", nil},
		{"unknown operator id", "GET", []string{"X-Operator-Id", "op_01ARZ3NDEKTSV4RRFFQ69G5FAV"}},
		{"bearer token when tokens are off", "GET", []string{"Authorization", "Bearer abc.def.ghi"}},
		{"malformed authorization", "GET", []string{"Authorization", "Basic dXNlcjpwYXNz"}},
		{"authorization too long", "GET", []string{"Authorization", "Bearer " + strings.Repeat("a", 9000)}},
		// A bad token is not rescued by a good bypass header.
		{"bad token with a valid bypass header", "GET", []string{"Authorization", "Bearer x", "X-Operator-Id", id}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body any
			if tt.method == "PATCH" {
				body = map[string]any{"name": "X"}
			}
			res := e.call(t, tt.method, "/api/v1/operator/me", body, tt.headers...)
			if res.status != http.StatusUnauthorized {
				t.Fatalf("status = %d, want 401; body %s", res.status, res.raw)
			}
			if !strings.HasPrefix(res.header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("WWW-Authenticate = %q, want a Bearer challenge", res.header.Get("WWW-Authenticate"))
			}
			if res.body["error"] == "" {
				t.Error("no error message")
			}
		})
	}
}

func TestProductionIgnoresTheBypassHeader(t *testing.T) {
	dev := devEnv(t)
	id := dev.register(t, maria())
	prod := newEnv(t, setup{development: false, pending: true})
	// Share the data: the same store behind a production handler.
	svc, err := humop.New(humop.Options{Store: dev.store, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	prod.h = httpapi.New(httpapi.Options{Service: svc})

	res := prod.call(t, "GET", "/api/v1/operator/me", nil, "X-Operator-Id", id)
	if res.status != http.StatusUnauthorized {
		t.Errorf("GET me with X-Operator-Id in production: status %d, want 401", res.status)
	}
	res = prod.call(t, "PATCH", "/api/v1/operator/me", map[string]any{"name": "Hacked"}, "X-Operator-Id", id)
	if res.status != http.StatusUnauthorized {
		t.Errorf("PATCH me with X-Operator-Id in production: status %d, want 401", res.status)
	}
	res = prod.call(t, "POST", "/api/v1/operator/register", map[string]any{"name": "B", "email": "b@example.com"})
	if res.status != http.StatusUnauthorized {
		t.Errorf("register without a token in production: status %d, want 401; body %s", res.status, res.raw)
	}
	// Refused before the body is read: nothing was created.
	res = dev.call(t, "POST", "/api/v1/operator/register", map[string]any{"name": "B", "email": "b@example.com"})
	if res.status != http.StatusCreated {
		t.Errorf("the refused production registration left something behind: %d %s", res.status, res.raw)
	}
}

func TestRegistrationWithTokenLinksTheSubject(t *testing.T) {
	tokens := fakeTokens{"good-token": "user_1", "other-token": "user_2"}
	for _, development := range []bool{true, false} {
		t.Run(fmt.Sprintf("development=%v", development), func(t *testing.T) {
			e := newEnv(t, setup{development: development, tokens: tokens, pending: true})
			res := e.call(t, "POST", "/api/v1/operator/register", maria(), "Authorization", "Bearer good-token")
			if res.status != http.StatusCreated {
				t.Fatalf("register: status %d; body %s", res.status, res.raw)
			}
			if got := res.body["kyc_status"]; got != "PENDING" {
				t.Errorf("kyc_status = %v, want PENDING with a manual reviewer", got)
			}
			me := e.call(t, "GET", "/api/v1/operator/me", nil, "Authorization", "Bearer good-token")
			if me.status != http.StatusOK || me.body["operator_id"] != res.body["operator_id"] {
				t.Errorf("GET me with the token: %d %s", me.status, me.raw)
			}
			again := e.call(t, "POST", "/api/v1/operator/register",
				map[string]any{"name": "B", "email": "b@example.com"}, "Authorization", "Bearer good-token")
			if again.status != http.StatusConflict {
				t.Errorf("second registration with one subject: status %d, want 409", again.status)
			}
			nobody := e.call(t, "GET", "/api/v1/operator/me", nil, "Authorization", "Bearer other-token")
			if nobody.status != http.StatusUnauthorized {
				t.Errorf("token of an identity with no operator: status %d, want 401", nobody.status)
			}
			bad := e.call(t, "POST", "/api/v1/operator/register",
				map[string]any{"name": "C", "email": "c@example.com"}, "Authorization", "Bearer forged")
			if bad.status != http.StatusUnauthorized {
				t.Errorf("registration with a bad token: status %d, want 401", bad.status)
			}
		})
	}
}

type fakeTokens map[string]string

func (f fakeTokens) VerifySubject(_ context.Context, token string) (string, error) {
	if sub, ok := f[token]; ok {
		return sub, nil
	}
	return "", errors.New("token signature is invalid")
}

func TestUnknownRoutesAnswerJSON(t *testing.T) {
	e := devEnv(t)
	tests := []struct {
		method, path string
		want         int
	}{
		{"GET", "/api/v1/nothing", 404},
		{"GET", "/dev/reset", 404},
		{"DELETE", "/api/v1/operator/me", 405},
		{"GET", "/api/v1/operator/register", 405},
	}
	for _, tt := range tests {
		res := e.call(t, tt.method, tt.path, nil)
		if res.status != tt.want || res.body["error"] == nil {
			t.Errorf("%s %s = %d %s, want %d with an error message", tt.method, tt.path, res.status, res.raw, tt.want)
		}
	}
}

func TestRequestIDIsKeptOrMade(t *testing.T) {
	e := devEnv(t)
	res := e.call(t, "GET", "/api/v1/operator/me", nil, "X-Request-Id", "trace-123")
	if got := res.header.Get("X-Request-Id"); got != "trace-123" {
		t.Errorf("X-Request-Id = %q, want the client's trace-123", got)
	}
	res = e.call(t, "GET", "/api/v1/operator/me", nil, "X-Request-Id", "bad id\twith spaces")
	if got := res.header.Get("X-Request-Id"); !strings.HasPrefix(got, "req_") {
		t.Errorf("X-Request-Id = %q, want a new req_ id in place of an unsafe one", got)
	}
}

func TestUncleanPathsAnswerJSON404(t *testing.T) {
	e := devEnv(t)
	for _, path := range []string{"//api/v1/operator/me", "/api/v1/operator/../operator/me", "/api/v1/./operator/me"} {
		req := httptest.NewRequest("GET", "/", nil)
		req.URL.Path = path
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		if rec.Code != http.StatusNotFound || rec.Header().Get("Content-Type") != "application/json" {
			t.Errorf("GET %s = %d %q %s, want a JSON 404", path, rec.Code, rec.Header().Get("Content-Type"), rec.Body)
		}
	}
}
