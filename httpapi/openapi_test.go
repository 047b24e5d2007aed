package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/humop/humop"
	"github.com/humop/humop/api"
	"github.com/humop/humop/devserver"
	"github.com/humop/humop/httpapi"
	"github.com/humop/humop/memstore"
)

// This file checks api/openapi.json against the code: the document is valid
// OpenAPI 3, every route the handler serves is documented and every
// documented operation is served, and every endpoint driven through the real
// handler sends requests and gets responses (status, headers, body) that the
// document describes.

// loadSpec loads and validates the published document.
func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI)
	if err != nil {
		t.Fatalf("api/openapi.json does not load: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("api/openapi.json is not a valid OpenAPI document: %v", err)
	}
	return doc
}

// specOperations returns "METHOD /path" for every operation in doc.
func specOperations(doc *openapi3.T) []string {
	var ops []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			ops = append(ops, method+" "+path)
		}
	}
	sort.Strings(ops)
	return ops
}

// servedRoutes reads the route patterns the code registers: the calls to
// Handler.handle in httpapi and to Handler.HandleFunc in the dev server,
// whose first argument is a "METHOD /path" literal.
func servedRoutes(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	more, err := filepath.Glob(filepath.Join("..", "devserver", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, more...)
	var routes []string
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatalf("parse %s: %v", name, err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) != 2 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "handle" && sel.Sel.Name != "HandleFunc") {
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			pattern, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			method, path, ok := strings.Cut(pattern, " ")
			if ok && strings.HasPrefix(path, "/") && method == strings.ToUpper(method) {
				routes = append(routes, method+" "+path)
			}
			return true
		})
	}
	sort.Strings(routes)
	return slices.Compact(routes)
}

func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	doc := loadSpec(t)
	documented := specOperations(doc)
	served := servedRoutes(t)
	if len(served) < 25 {
		t.Fatalf("found only %d routes in the source; the route scan is broken: %v", len(served), served)
	}
	for _, r := range served {
		if !slices.Contains(documented, r) {
			t.Errorf("%s is served but not in api/openapi.json", r)
		}
	}
	for _, op := range documented {
		if !slices.Contains(served, op) {
			t.Errorf("%s is in api/openapi.json but not served", op)
		}
	}

	// Every documented operation reaches a handler of the running dev
	// server: neither the mux's 404 nor its 405.
	srv := newSpecDevServer(t, devserver.Config{})
	for _, op := range documented {
		method, path, _ := strings.Cut(op, " ")
		path = strings.ReplaceAll(path, "{id}", "x")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
		var body struct{ Error, Code string }
		json.Unmarshal(rec.Body.Bytes(), &body)
		if rec.Code == http.StatusMethodNotAllowed ||
			rec.Code == http.StatusNotFound && strings.HasPrefix(body.Error, "no such endpoint") {
			t.Errorf("%s: the handler does not serve it (%d %s)", op, rec.Code, rec.Body)
		}
	}
}

// specMode says what to expect of a request's validation.
type specMode int

const (
	// specValid requests must satisfy the document.
	specValid specMode = iota
	// specInvalid requests break a rule the document states; the
	// document must refuse them as the server does.
	specInvalid
	// specUnchecked requests break a transport rule (body size) that is
	// not the document's to check.
	specUnchecked
)

// specCheck validates requests and responses against the document.
type specCheck struct {
	t      *testing.T
	router routers.Router
	opts   *openapi3filter.Options
	// hit records the statuses seen per operation ("METHOD /path").
	hit map[string]map[int]bool
}

// newSpecCheck loads the document, closes its response objects to
// undocumented fields (the published document leaves them open so that
// clients tolerate additions), and builds a router that ignores the
// servers' hosts.
func newSpecCheck(t *testing.T) (*specCheck, *openapi3.T) {
	t.Helper()
	doc := loadSpec(t)
	seen := map[*openapi3.Schema]bool{}
	for _, s := range doc.Components.Schemas {
		closeObjects(s.Value, seen)
	}
	// The examples must hold under the closed schemas too.
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("api/openapi.json: an example has a field its schema lacks: %v", err)
	}
	doc.Servers = nil
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatalf("router: %v", err)
	}
	return &specCheck{
		t:      t,
		router: router,
		opts: &openapi3filter.Options{
			AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
			IncludeResponseStatus: true,
			SkipSettingDefaults:   true,
			MultiError:            true,
		},
		hit: map[string]map[int]bool{},
	}, doc
}

// closeObjects forbids properties beyond those listed, in s and the
// schemas it contains.
func closeObjects(s *openapi3.Schema, seen map[*openapi3.Schema]bool) {
	if s == nil || seen[s] {
		return
	}
	seen[s] = true
	ap := &s.AdditionalProperties
	if len(s.Properties) > 0 && ap.Has == nil && ap.Schema == nil {
		no := false
		ap.Has = &no
	}
	for _, p := range s.Properties {
		closeObjects(p.Value, seen)
	}
	if s.Items != nil {
		closeObjects(s.Items.Value, seen)
	}
	if ap.Schema != nil {
		closeObjects(ap.Schema.Value, seen)
	}
	for _, list := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
		for _, x := range list {
			closeObjects(x.Value, seen)
		}
	}
}

// specRes is a response as the test reads it.
type specRes struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

// str returns a top-level string field of the body.
func (r specRes) str(field string) string {
	s, _ := r.body[field].(string)
	return s
}

// do sends one request through h, checks the status, and validates the
// request (as mode says) and the response against the document. body is
// JSON-encoded unless it is a string, sent as is; headers alternate names
// and values, and a Content-Type among them replaces application/json.
func (c *specCheck) do(h http.Handler, mode specMode, want int, method, target string, body any, headers ...string) specRes {
	c.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			c.t.Fatal(err)
		}
	}
	newReq := func() *http.Request {
		var req *http.Request
		if body == nil {
			req = httptest.NewRequest(method, target, nil)
		} else {
			req = httptest.NewRequest(method, target, bytes.NewReader(raw))
			req.Header.Set("Content-Type", "application/json")
		}
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		return req
	}
	where := method + " " + target

	vreq := newReq()
	route, params, err := c.router.FindRoute(vreq)
	if err != nil {
		c.t.Errorf("%s: not in api/openapi.json: %v", where, err)
	}
	var input *openapi3filter.RequestValidationInput
	var reqErr error
	if route != nil {
		input = &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route, Options: c.opts}
		if mode != specUnchecked {
			reqErr = openapi3filter.ValidateRequest(context.Background(), input)
		}
	}

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, newReq())
	res := specRes{status: rec.Code, header: rec.Header(), raw: rec.Body.String()}
	json.Unmarshal(rec.Body.Bytes(), &res.body)
	if rec.Code != want {
		c.t.Errorf("%s → %d, want %d: %s", where, rec.Code, want, rec.Body)
	}
	if route == nil {
		return res
	}
	switch {
	case mode == specValid && reqErr != nil:
		c.t.Errorf("%s → %d: the request does not match api/openapi.json: %v", where, rec.Code, reqErr)
	case mode == specInvalid && reqErr == nil:
		c.t.Errorf("%s → %d: the request breaks a documented rule, but api/openapi.json accepts it", where, rec.Code)
	}
	op := method + " " + route.Path
	if c.hit[op] == nil {
		c.hit[op] = map[int]bool{}
	}
	c.hit[op][rec.Code] = true
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: input,
		Status:                 rec.Code,
		Header:                 rec.Header(),
		Options:                c.opts,
	}
	out.SetBodyBytes(rec.Body.Bytes())
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		c.t.Errorf("%s → %d: the response does not match api/openapi.json: %v\n%s", where, rec.Code, err, rec.Body)
	}
	return res
}

// coverage fails for every documented operation that no request reached
// with success, and logs the documented statuses no request produced.
func (c *specCheck) coverage(doc *openapi3.T) {
	c.t.Helper()
	var untested []string
	for _, op := range specOperations(doc) {
		method, path, _ := strings.Cut(op, " ")
		hit := c.hit[op]
		success := false
		for status := range hit {
			success = success || status/100 == 2
		}
		if !success {
			c.t.Errorf("%s: no request reached it with success", op)
		}
		for code := range doc.Paths.Value(path).GetOperation(method).Responses.Map() {
			status, _ := strconv.Atoi(code)
			if status != http.StatusInternalServerError && !hit[status] {
				untested = append(untested, op+" "+code)
			}
		}
	}
	sort.Strings(untested)
	c.t.Logf("documented statuses not exercised (%d): %s", len(untested), strings.Join(untested, "; "))
}

// newSpecDevServer returns the handler of a dev server built from cfg,
// closed when the test ends.
func newSpecDevServer(t *testing.T, cfg devserver.Config) http.Handler {
	t.Helper()
	srv, err := devserver.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv.Handler()
}

const (
	specWallet  = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
	specNoTask  = "task_01ARZ3NDEKTSV4RRFFQ69G5FAV"
	specNoOp    = "op_01ARZ3NDEKTSV4RRFFQ69G5FAV"
	specNoPay   = "payout_01ARZ3NDEKTSV4RRFFQ69G5FAV"
	specOldDate = -200 * 24 * time.Hour
)

func specPosting(typ string, reward any, deadline time.Time) map[string]any {
	p := map[string]any{
		"title":              "Check " + strings.ToLower(typ),
		"description":        "Follow the steps.",
		"task_type":          typ,
		"reward_usd":         reward,
		"deadline":           deadline.UTC().Format(time.RFC3339),
		"proof_requirements": []string{"screenshot"},
	}
	switch typ {
	case "VERIFICATION", "PHOTO", "DELIVERY", "INSPECTION":
		p["location"] = map[string]any{"lat": 52.52, "lng": 13.405, "address": "Alexanderplatz 1, Berlin"}
	}
	return p
}

func specProof() map[string]any {
	return map[string]any{"note": "Done.", "proof": []map[string]any{
		{"requirement": "screenshot", "url": "https://files.example.com/s.png", "note": "at 10:00"}}}
}

func specDocuments(issued time.Time) map[string]any {
	return map[string]any{
		"id_document": map[string]any{"type": "PASSPORT", "country": "de",
			"file_url": "https://files.example.com/id.jpg"},
		"selfie": map[string]any{"file_url": "https://files.example.com/selfie.jpg"},
		"proof_of_address": map[string]any{"type": "UTILITY_BILL", "issued_on": issued.UTC().Format(time.DateOnly),
			"file_url": "https://files.example.com/bill.pdf"},
	}
}

func TestOpenAPIDescribesEveryExchange(t *testing.T) {
	c, doc := newSpecCheck(t)
	V, I, U := specValid, specInvalid, specUnchecked
	d := newSpecDevServer(t, devserver.Config{})
	now := time.Now()
	later := now.Add(30 * 24 * time.Hour)

	// --- dev server basics
	c.do(d, V, 200, "GET", "/healthz", nil)
	c.do(d, V, 200, "GET", "/.well-known/jwks.json", nil)
	c.do(d, V, 200, "GET", "/dev/fixtures", nil)
	c.do(d, V, 200, "GET", "/openapi.json", nil)

	// --- operators
	reg := "/api/v1/operator/register"
	maria := c.do(d, V, 201, "POST", reg, map[string]any{
		"name": "Maria Lopez", "email": "maria@example.com", "phone": "+49 151 2345 6789",
		"location": map[string]any{"city": "Berlin", "country": "de"}})
	opA := maria.str("operator_id")
	asA := []string{"X-Operator-Id", opA}
	opB := c.do(d, V, 201, "POST", reg, map[string]any{
		"name": "Bob", "email": "bob@example.com", "skills": []string{"PHOTO"}}).str("operator_id")
	asB := []string{"X-Operator-Id", opB}
	c.do(d, V, 409, "POST", reg, map[string]any{"name": "Maria", "email": "MARIA@example.com"})
	c.do(d, I, 400, "POST", reg, map[string]any{"name": "", "email": "x@example.com"})
	c.do(d, V, 400, "POST", reg, map[string]any{"name": "X", "email": "x@example.com", "phone": "12"})
	c.do(d, I, 400, "POST", reg, map[string]any{"name": "X", "email": "x@example.com", "age": 3})
	c.do(d, I, 400, "POST", reg, `{"name": "X",`)
	c.do(d, I, 415, "POST", reg, `name=X`, "Content-Type", "application/x-www-form-urlencoded")
	c.do(d, U, 413, "POST", reg, `{"name": "`+strings.Repeat("x", httpapi.MaxBodyBytes)+`"}`)
	c.do(d, V, 401, "POST", reg, map[string]any{"name": "X", "email": "x@example.com"},
		"Authorization", "Bearer not-a-token")

	me := "/api/v1/operator/me"
	c.do(d, V, 200, "GET", me, nil, asA...)
	c.do(d, V, 401, "GET", me, nil)
	c.do(d, V, 401, "GET", me, nil, "X-Operator-Id", specNoOp)
	c.do(d, V, 401, "GET", me, nil, "Authorization", "Bearer not-a-token")
	c.do(d, V, 200, "PATCH", me, map[string]any{"skills": []string{"PHOTO", "CAPTCHA_SOLVING", "DATA_VALIDATION"}}, asA...)
	c.do(d, V, 200, "PATCH", me, map[string]any{"name": "Maria L.", "phone": nil, "location": nil}, asA...)
	c.do(d, V, 200, "PATCH", me, map[string]any{"location": map[string]any{"city": "Hamburg", "country": "DE"},
		"phone": "+49 151 2345 6789"}, asA...)
	c.do(d, I, 400, "PATCH", me, map[string]any{"email": "new@example.com"}, asA...)
	c.do(d, I, 400, "PATCH", me, map[string]any{"name": nil}, asA...)
	c.do(d, V, 401, "PATCH", me, map[string]any{"name": "X"})
	c.do(d, I, 415, "PATCH", me, `{}`, append([]string{"Content-Type", "text/plain"}, asA...)...)
	c.do(d, U, 413, "PATCH", me, `{"name": "`+strings.Repeat("x", httpapi.MaxBodyBytes)+`"}`, asA...)

	// --- KYC in development: approved at registration
	kycPath := "/api/v1/operator/kyc"
	c.do(d, V, 200, "GET", kycPath, nil, asA...)
	c.do(d, V, 401, "GET", kycPath, nil)
	c.do(d, V, 409, "POST", kycPath, specDocuments(now.AddDate(0, 0, -10)), asA...)
	c.do(d, V, 401, "POST", kycPath, specDocuments(now.AddDate(0, 0, -10)))
	c.do(d, I, 400, "POST", kycPath, map[string]any{"selfie": map[string]any{"file_url": "https://x.example/s.jpg"}}, asA...)

	// --- dev tokens and the bearer path
	tok := c.do(d, V, 201, "POST", "/dev/tokens", map[string]any{"operator_id": opA, "ttl": "2h"})
	bearerA := []string{"Authorization", "Bearer " + tok.str("token")}
	c.do(d, V, 200, "GET", me, nil, bearerA...)
	c.do(d, V, 404, "POST", "/dev/tokens", map[string]any{"operator_id": specNoOp})
	c.do(d, V, 400, "POST", "/dev/tokens", map[string]any{"operator_id": opA, "ttl": "9999h"})
	c.do(d, I, 400, "POST", "/dev/tokens", map[string]any{})

	// --- agents
	areg := "/api/v1/agents/register"
	x := c.do(d, V, 201, "POST", areg, map[string]any{"name": "Agent X", "email": "x@agents.example", "company": "Acme"})
	asX := []string{"X-API-Key", x.str("api_key")}
	y := c.do(d, V, 201, "POST", areg, map[string]any{"name": "Agent Y", "email": "y@agents.example"})
	asY := []string{"X-API-Key", y.str("api_key")}
	c.do(d, V, 409, "POST", areg, map[string]any{"name": "Agent X", "email": "X@agents.example"})
	c.do(d, I, 400, "POST", areg, map[string]any{"name": "", "email": "z@agents.example"})
	c.do(d, I, 415, "POST", areg, `{}`, "Content-Type", "text/plain")
	c.do(d, U, 413, "POST", areg, `{"name": "`+strings.Repeat("x", httpapi.MaxBodyBytes)+`"}`)

	// --- posting tasks
	tasks := "/api/v1/tasks"
	post1 := specPosting("CAPTCHA_SOLVING", 12.50, later)
	t1res := c.do(d, V, 201, "POST", tasks, post1, append([]string{"Idempotency-Key", "k1"}, asX...)...)
	t1 := t1res.str("task_id")
	replay := c.do(d, V, 201, "POST", tasks, post1, append([]string{"Idempotency-Key", "k1"}, asX...)...)
	if replay.str("task_id") != t1 || replay.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay answered %s (Idempotent-Replayed %q), want task %s replayed",
			replay.str("task_id"), replay.header.Get("Idempotent-Replayed"), t1)
	}
	c.do(d, V, 422, "POST", tasks, specPosting("CAPTCHA_SOLVING", 13, later),
		append([]string{"Idempotency-Key", "k1"}, asX...)...)
	c.do(d, I, 400, "POST", tasks, post1, append([]string{"Idempotency-Key", strings.Repeat("k", 256)}, asX...)...)
	c.do(d, V, 401, "POST", tasks, post1)
	c.do(d, V, 401, "POST", tasks, post1, "X-API-Key", "ho_live_wrong")
	c.do(d, V, 422, "POST", tasks, specPosting("CAPTCHA_SOLVING", 5, now.Add(-time.Hour)), asX...)
	noLocation := specPosting("PHOTO", 5, later)
	delete(noLocation, "location")
	c.do(d, V, 400, "POST", tasks, noLocation, asX...)
	c.do(d, I, 400, "POST", tasks, specPosting("CAPTCHA_SOLVING", "12.50", later), asX...)
	c.do(d, I, 400, "POST", tasks, specPosting("CAPTCHA_SOLVING", 12.345, later), asX...)
	c.do(d, I, 415, "POST", tasks, `{}`, append([]string{"Content-Type", "text/plain"}, asX...)...)
	c.do(d, U, 413, "POST", tasks, `{"title": "`+strings.Repeat("x", httpapi.MaxBodyBytes)+`"}`, asX...)
	t2 := c.do(d, V, 201, "POST", tasks, specPosting("CAPTCHA_SOLVING", 40, later), asX...).str("task_id")
	t3 := c.do(d, V, 201, "POST", tasks, specPosting("DATA_VALIDATION", 7.25, later), asX...).str("task_id")
	t4 := c.do(d, V, 201, "POST", tasks, specPosting("PHOTO", 9, later), asX...).str("task_id")
	t5 := c.do(d, V, 201, "POST", tasks, specPosting("PHOTO", 9, now.Add(time.Hour)), asX...).str("task_id")

	c.do(d, V, 200, "GET", tasks, nil, asX...)
	c.do(d, V, 200, "GET", tasks+"?status=PENDING&limit=2&offset=1", nil, asX...)
	c.do(d, V, 401, "GET", tasks, nil)
	c.do(d, I, 400, "GET", tasks+"?status=LOST", nil, asX...)
	c.do(d, I, 400, "GET", tasks+"?limit=0", nil, asX...)
	c.do(d, I, 400, "GET", tasks+"?offset=-1", nil, asX...)
	c.do(d, I, 400, "GET", tasks+"?limit=abc", nil, asX...)
	c.do(d, V, 200, "GET", tasks+"/"+t1, nil, asX...)
	c.do(d, V, 404, "GET", tasks+"/"+t1, nil, asY...)
	c.do(d, V, 404, "GET", tasks+"/"+specNoTask, nil, asX...)
	c.do(d, V, 401, "GET", tasks+"/"+t1, nil)

	// --- the operator's side of t1
	browse := "/api/v1/operator/tasks"
	c.do(d, V, 200, "GET", browse, nil, asA...)
	c.do(d, V, 200, "GET", browse+"?task_type=PHOTO&limit=1&offset=0", nil, asA...)
	c.do(d, V, 200, "GET", browse+"?task_type=CAPTCHA_SOLVING", nil, asB...)
	c.do(d, I, 400, "GET", browse+"?task_type=JUGGLING", nil, asA...)
	c.do(d, I, 400, "GET", browse+"?limit=101", nil, asA...)
	c.do(d, V, 401, "GET", browse, nil)
	op1 := browse + "/" + t1
	c.do(d, V, 200, "GET", op1, nil, asA...)
	c.do(d, V, 404, "GET", op1, nil, asB...)
	c.do(d, V, 401, "GET", op1, nil)
	estimate := map[string]any{"estimate_hours": 2, "estimate_minutes": 30, "estimate_note": "on my way"}
	c.do(d, V, 403, "POST", op1+"/accept", estimate, asB...)
	c.do(d, V, 400, "POST", op1+"/accept", map[string]any{}, asA...)
	c.do(d, I, 400, "POST", op1+"/accept", map[string]any{"estimate_hours": -1}, asA...)
	c.do(d, V, 404, "POST", browse+"/"+specNoTask+"/accept", estimate, asA...)
	c.do(d, V, 401, "POST", op1+"/accept", estimate)
	c.do(d, I, 415, "POST", op1+"/accept", `{}`, append([]string{"Content-Type", "text/plain"}, asA...)...)
	c.do(d, U, 413, "POST", op1+"/accept", `{"estimate_note": "`+strings.Repeat("x", httpapi.MaxBodyBytes)+`"}`, asA...)
	c.do(d, V, 200, "POST", op1+"/accept", estimate, asA...)
	c.do(d, V, 409, "POST", op1+"/accept", estimate, asA...)
	held := c.do(d, V, 200, "GET", tasks+"/"+t1, nil, asX...)
	if held.body["operator"] == nil || held.body["estimate_minutes"] != 150.0 {
		t.Errorf("a held task shows operator %v and estimate_minutes %v, want both", held.body["operator"],
			held.body["estimate_minutes"])
	}

	at1 := tasks + "/" + t1
	c.do(d, V, 200, "POST", at1+"/estimate/reject", map[string]any{"reason": "too slow"}, asX...)
	c.do(d, V, 409, "POST", at1+"/estimate/reject", nil, asX...)
	c.do(d, V, 404, "POST", tasks+"/"+specNoTask+"/estimate/reject", nil, asX...)
	c.do(d, I, 400, "POST", at1+"/estimate/reject", map[string]any{"why": "x"}, asX...)
	c.do(d, V, 401, "POST", at1+"/estimate/reject", nil)
	c.do(d, I, 415, "POST", at1+"/estimate/reject", `{}`, append([]string{"Content-Type", "text/plain"}, asX...)...)
	c.do(d, U, 413, "POST", at1+"/estimate/reject", `{"reason": "`+strings.Repeat("x", httpapi.MaxBodyBytes)+`"}`, asX...)
	c.do(d, V, 200, "POST", op1+"/accept", estimate, asA...)
	c.do(d, V, 404, "POST", at1+"/estimate/approve", nil, asY...)
	c.do(d, I, 400, "POST", at1+"/estimate/approve", map[string]any{"ok": true}, asX...)
	c.do(d, V, 401, "POST", at1+"/estimate/approve", nil)
	c.do(d, I, 415, "POST", at1+"/estimate/approve", `{}`, append([]string{"Content-Type", "text/plain"}, asX...)...)
	c.do(d, U, 413, "POST", at1+"/estimate/approve", `{"x": "`+strings.Repeat("x", httpapi.MaxBodyBytes)+`"}`, asX...)
	c.do(d, V, 200, "POST", at1+"/estimate/approve", map[string]any{}, asX...)
	c.do(d, V, 409, "POST", at1+"/estimate/approve", nil, asX...)

	c.do(d, V, 404, "POST", op1+"/start", nil, asB...)
	c.do(d, I, 400, "POST", op1+"/start", map[string]any{"note": "x"}, asA...)
	c.do(d, V, 401, "POST", op1+"/start", nil)
	c.do(d, I, 415, "POST", op1+"/start", `{}`, append([]string{"Content-Type", "text/plain"}, asA...)...)
	c.do(d, U, 413, "POST", op1+"/start", `{"x": "`+strings.Repeat("x", httpapi.MaxBodyBytes)+`"}`, asA...)
	c.do(d, V, 200, "POST", op1+"/start", nil, asA...)
	c.do(d, V, 409, "POST", op1+"/start", map[string]any{}, asA...)

	wrongProof := map[string]any{"proof": []map[string]any{{"requirement": "video", "url": "https://x.example/v"}}}
	c.do(d, V, 400, "POST", op1+"/submit", wrongProof, asA...)
	c.do(d, V, 404, "POST", op1+"/submit", specProof(), asB...)
	c.do(d, V, 401, "POST", op1+"/submit", specProof())
	c.do(d, I, 415, "POST", op1+"/submit", `{}`, append([]string{"Content-Type", "text/plain"}, asA...)...)
	c.do(d, U, 413, "POST", op1+"/submit", `{"note": "`+strings.Repeat("x", httpapi.MaxBodyBytes)+`"}`, asA...)
	c.do(d, V, 200, "POST", op1+"/submit", specProof(), asA...)
	c.do(d, V, 409, "POST", op1+"/submit", specProof(), asA...)
	if got := c.do(d, V, 200, "GET", at1, nil, asX...).str("status"); got != "COMPLETED" {
		t.Errorf("t1 is %s after the dev guardian's verdict, want COMPLETED", got)
	}
	c.do(d, V, 200, "GET", op1, nil, asA...)
	c.do(d, V, 409, "POST", at1+"/cancel", nil, asX...)
	c.do(d, V, 409, "POST", "/dev/tasks/"+t1+"/guardian", map[string]any{"outcome": "VERIFIED"})
	c.do(d, V, 404, "POST", "/dev/tasks/"+specNoTask+"/guardian", map[string]any{"outcome": "VERIFIED"})
	c.do(d, I, 400, "POST", "/dev/tasks/"+t2+"/guardian", map[string]any{"outcome": "MAYBE"})
	c.do(d, I, 415, "POST", "/dev/tasks/"+t2+"/guardian", `{}`, "Content-Type", "text/plain")
	c.do(d, U, 413, "POST", "/dev/tasks/"+t2+"/guardian", `{"outcome": "`+strings.Repeat("x", httpapi.MaxBodyBytes)+`"}`)

	// --- t2: manual review, approved; t3: manual review, rejected
	for _, tc := range []struct {
		id       string
		decision map[string]any
		want     string
	}{
		{t2, map[string]any{"decision": "APPROVE", "quality": 4, "reason": "good work"}, "COMPLETED"},
		{t3, map[string]any{"decision": "REJECT", "reason": "blurry"}, "DISPUTED"},
	} {
		op, ag := browse+"/"+tc.id, tasks+"/"+tc.id
		c.do(d, V, 200, "POST", op+"/accept", map[string]any{"estimate_days": 1}, asA...)
		c.do(d, V, 200, "POST", ag+"/estimate/approve", nil, asX...)
		c.do(d, V, 200, "POST", "/dev/tasks/"+tc.id+"/guardian", map[string]any{"outcome": "MANUAL_REVIEW"})
		c.do(d, V, 200, "POST", op+"/start", nil, asA...)
		c.do(d, V, 200, "POST", op+"/submit", specProof(), asA...)
		if got := c.do(d, V, 200, "GET", ag, nil, asX...).str("status"); got != "MANUAL_REVIEW" {
			t.Errorf("%s is %s after a scripted manual review, want MANUAL_REVIEW", tc.id, got)
		}
		c.do(d, I, 400, "POST", ag+"/review", map[string]any{"decision": "MAYBE"}, asX...)
		c.do(d, V, 404, "POST", ag+"/review", tc.decision, asY...)
		c.do(d, V, 401, "POST", ag+"/review", tc.decision)
		c.do(d, I, 415, "POST", ag+"/review", `{}`, append([]string{"Content-Type", "text/plain"}, asX...)...)
		c.do(d, U, 413, "POST", ag+"/review", `{"reason": "`+strings.Repeat("x", httpapi.MaxBodyBytes)+`"}`, asX...)
		if got := c.do(d, V, 200, "POST", ag+"/review", tc.decision, asX...).str("status"); got != tc.want {
			t.Errorf("review of %s: %s, want %s", tc.id, got, tc.want)
		}
		c.do(d, V, 409, "POST", ag+"/review", tc.decision, asX...)
	}

	// --- t4: cancelled while on offer
	at4 := tasks + "/" + t4
	c.do(d, I, 400, "POST", at4+"/cancel", map[string]any{"why": "x"}, asX...)
	c.do(d, V, 404, "POST", at4+"/cancel", nil, asY...)
	c.do(d, V, 401, "POST", at4+"/cancel", nil)
	c.do(d, I, 415, "POST", at4+"/cancel", `{}`, append([]string{"Content-Type", "text/plain"}, asX...)...)
	c.do(d, U, 413, "POST", at4+"/cancel", `{"x": "`+strings.Repeat("x", httpapi.MaxBodyBytes)+`"}`, asX...)
	c.do(d, V, 200, "POST", at4+"/cancel", nil, asX...)
	c.do(d, V, 409, "POST", at4+"/cancel", map[string]any{}, asX...)

	assigned := "/api/v1/operator/tasks/assigned"
	c.do(d, V, 200, "GET", assigned, nil, asA...)
	c.do(d, V, 200, "GET", assigned+"?limit=1&offset=1", nil, asA...)
	c.do(d, I, 400, "GET", assigned+"?limit=abc", nil, asA...)
	c.do(d, V, 401, "GET", assigned, nil)

	// --- money: earnings on hold, then available
	earnings := "/api/v1/operator/earnings"
	c.do(d, V, 200, "GET", earnings, nil, asA...)
	c.do(d, V, 401, "GET", earnings, nil)
	payout := "/api/v1/operator/payout"
	pay20 := map[string]any{"amount_usd": 20, "method": "usdc", "wallet_address": specWallet, "chain": "base"}
	c.do(d, V, 402, "POST", payout, pay20, asA...)
	clock := "/dev/clock/advance"
	c.do(d, V, 200, "POST", clock, map[string]any{"duration": "192h"})
	c.do(d, V, 400, "POST", clock, map[string]any{"duration": "-1h"})
	c.do(d, I, 400, "POST", clock, map[string]any{"duration": "1h", "to": "x"})
	c.do(d, I, 415, "POST", clock, `{}`, "Content-Type", "text/plain")
	c.do(d, U, 413, "POST", clock, `{"duration": "`+strings.Repeat("x", httpapi.MaxBodyBytes)+`"}`)
	c.do(d, I, 415, "POST", "/dev/tokens", `{}`, "Content-Type", "text/plain")
	c.do(d, U, 413, "POST", "/dev/tokens", `{"ttl": "`+strings.Repeat("x", httpapi.MaxBodyBytes)+`"}`)
	c.do(d, V, 410, "POST", browse+"/"+t5+"/accept", estimate, asA...)
	c.do(d, V, 200, "GET", earnings, nil, asA...)

	p1 := c.do(d, V, 201, "POST", payout, pay20, append([]string{"Idempotency-Key", "p1"}, asA...)...)
	again := c.do(d, V, 201, "POST", payout, pay20, append([]string{"Idempotency-Key", "p1"}, asA...)...)
	if again.str("payout_id") != p1.str("payout_id") || again.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("payout replay answered %s, want %s replayed", again.str("payout_id"), p1.str("payout_id"))
	}
	pay10 := map[string]any{"amount_usd": 10, "method": "usdc", "wallet_address": specWallet, "chain": "base"}
	c.do(d, V, 422, "POST", payout, pay10, append([]string{"Idempotency-Key", "p1"}, asA...)...)
	c.do(d, I, 422, "POST", payout, map[string]any{"amount_usd": 5, "method": "usdc", "wallet_address": specWallet,
		"chain": "base"}, asA...)
	c.do(d, V, 402, "POST", payout, map[string]any{"amount_usd": 100000, "method": "usdc",
		"wallet_address": specWallet, "chain": "base"}, asA...)
	c.do(d, I, 400, "POST", payout, map[string]any{"amount_usd": 10, "method": "usdc", "wallet_address": "0x12",
		"chain": "base"}, asA...)
	c.do(d, I, 400, "POST", payout, map[string]any{"amount_usd": 10, "method": "btc", "wallet_address": specWallet,
		"chain": "base"}, asA...)
	c.do(d, I, 400, "POST", payout, pay10, append([]string{"Idempotency-Key", strings.Repeat("k", 256)}, asA...)...)
	c.do(d, V, 401, "POST", payout, pay10)
	c.do(d, I, 415, "POST", payout, `{}`, append([]string{"Content-Type", "text/plain"}, asA...)...)
	c.do(d, U, 413, "POST", payout, `{"method": "`+strings.Repeat("x", httpapi.MaxBodyBytes)+`"}`, asA...)
	p2 := c.do(d, V, 201, "POST", payout, pay10, asA...)
	p3 := c.do(d, V, 201, "POST", payout, pay10, asA...)

	payouts := "/api/v1/operator/payouts"
	c.do(d, V, 200, "GET", payouts, nil, asA...)
	c.do(d, I, 400, "GET", payouts+"?limit=0", nil, asA...)
	c.do(d, V, 401, "GET", payouts, nil)
	settle := func(p specRes) string { return "/dev/payouts/" + p.str("payout_id") + "/settle" }
	c.do(d, V, 200, "POST", settle(p1), map[string]any{"outcome": "CONFIRMED"})
	c.do(d, V, 409, "POST", settle(p1), map[string]any{"outcome": "CONFIRMED"})
	c.do(d, V, 200, "POST", settle(p2), map[string]any{"outcome": "FAILED", "reason": "the transaction reverted"})
	c.do(d, I, 400, "POST", settle(p3), map[string]any{"outcome": "CONFIRMED", "tx_hash": "0x12"})
	c.do(d, I, 400, "POST", settle(p3), map[string]any{"outcome": "LOST"})
	c.do(d, I, 415, "POST", settle(p3), `{}`, "Content-Type", "text/plain")
	c.do(d, U, 413, "POST", settle(p3), `{"reason": "`+strings.Repeat("x", httpapi.MaxBodyBytes)+`"}`)
	c.do(d, V, 200, "POST", settle(p3), map[string]any{"outcome": "CONFIRMED", "tx_hash": "0x" + strings.Repeat("AB", 32)})
	c.do(d, V, 404, "POST", "/dev/payouts/"+specNoPay+"/settle", map[string]any{"outcome": "FAILED"})
	c.do(d, V, 200, "GET", payouts+"?limit=5", nil, asA...)
	c.do(d, V, 200, "GET", earnings, nil, asA...)
	c.do(d, V, 200, "GET", me, nil, asA...)

	// --- the dev KYC control on an approved operator with no review
	c.do(d, V, 409, "POST", "/dev/operators/"+opA+"/kyc", map[string]any{"decision": "REJECTED"})
	c.do(d, V, 404, "POST", "/dev/operators/"+specNoOp+"/kyc", map[string]any{"decision": "APPROVED"})
	c.do(d, I, 400, "POST", "/dev/operators/"+opA+"/kyc", map[string]any{"decision": "MAYBE"})
	c.do(d, I, 415, "POST", "/dev/operators/"+opA+"/kyc", `{}`, "Content-Type", "text/plain")
	c.do(d, U, 413, "POST", "/dev/operators/"+opA+"/kyc", `{"reason": "`+strings.Repeat("x", httpapi.MaxBodyBytes)+`"}`)

	c.do(d, V, 200, "POST", "/dev/reset", nil)
	c.do(d, V, 401, "GET", me, nil, asA...)

	// --- manual KYC: pending operators, submissions and decisions
	m := newSpecDevServer(t, devserver.Config{ManualKYC: true})
	opC := c.do(m, V, 201, "POST", reg, map[string]any{"name": "Chen", "email": "chen@example.com"}).str("operator_id")
	asC := []string{"X-Operator-Id", opC}
	mx := c.do(m, V, 201, "POST", areg, map[string]any{"name": "Agent", "email": "a@agents.example"})
	mt := c.do(m, V, 201, "POST", tasks, specPosting("FORM_FILLING", 3, later), "X-API-Key", mx.str("api_key")).str("task_id")
	c.do(m, V, 403, "POST", browse+"/"+mt+"/accept", estimate, asC...)
	c.do(m, V, 200, "GET", kycPath, nil, asC...)
	c.do(m, I, 415, "POST", kycPath, `{}`, append([]string{"Content-Type", "text/plain"}, asC...)...)
	c.do(m, U, 413, "POST", kycPath, `{"selfie": "`+strings.Repeat("x", httpapi.MaxBodyBytes)+`"}`, asC...)
	c.do(m, V, 422, "POST", kycPath, specDocuments(now.Add(specOldDate)), asC...)
	bad := specDocuments(now)
	bad["selfie"] = map[string]any{"file_url": "http://files.example.com/selfie.jpg"}
	c.do(m, I, 400, "POST", kycPath, bad, asC...)
	c.do(m, V, 202, "POST", kycPath, specDocuments(now.AddDate(0, 0, -10)), asC...)
	c.do(m, V, 409, "POST", kycPath, specDocuments(now.AddDate(0, 0, -10)), asC...)
	c.do(m, V, 200, "GET", kycPath, nil, asC...)
	decide := "/dev/operators/" + opC + "/kyc"
	c.do(m, V, 200, "POST", decide, map[string]any{"decision": "REJECTED", "reason": "blurry"})
	c.do(m, V, 409, "POST", decide, map[string]any{"decision": "APPROVED"})
	c.do(m, V, 200, "GET", kycPath, nil, asC...)
	c.do(m, V, 202, "POST", kycPath, specDocuments(now.AddDate(0, 0, -5)), asC...)
	c.do(m, V, 200, "POST", decide, map[string]any{"decision": "APPROVED", "review": 2})
	c.do(m, V, 200, "POST", browse+"/"+mt+"/accept", estimate, asC...)
	opD := c.do(m, V, 201, "POST", reg, map[string]any{"name": "Dana", "email": "dana@example.com"}).str("operator_id")
	c.do(m, V, 200, "POST", "/dev/operators/"+opD+"/kyc", map[string]any{"decision": "REJECTED", "final": true})
	c.do(m, V, 409, "POST", kycPath, specDocuments(now.AddDate(0, 0, -5)), "X-Operator-Id", opD)

	// --- outside development: no dev controls, no bypass, registration
	// needs a token
	prod := newSpecDevServer(t, devserver.Config{Environment: "production"})
	c.do(prod, V, 200, "GET", "/healthz", nil)
	c.do(prod, V, 200, "GET", "/openapi.json", nil)
	c.do(prod, V, 404, "GET", "/.well-known/jwks.json", nil)
	c.do(prod, V, 404, "GET", "/dev/fixtures", nil)
	c.do(prod, V, 404, "POST", "/dev/reset", nil)
	c.do(prod, V, 404, "POST", clock, map[string]any{"duration": "1h"})
	c.do(prod, V, 404, "POST", "/dev/tokens", map[string]any{"operator_id": opA})
	c.do(prod, V, 404, "POST", "/dev/operators/"+opA+"/kyc", map[string]any{"decision": "APPROVED"})
	c.do(prod, V, 404, "POST", "/dev/tasks/"+t1+"/guardian", map[string]any{"outcome": "VERIFIED"})
	c.do(prod, V, 404, "POST", settle(p1), map[string]any{"outcome": "FAILED"})
	gated := &specGatedStore{Store: &memstore.Store{}}
	svc, err := humop.New(humop.Options{Store: gated})
	if err != nil {
		t.Fatal(err)
	}
	p := httpapi.New(httpapi.Options{Service: svc})
	pdev := httpapi.New(httpapi.Options{Service: svc, Development: true})
	c.do(p, V, 401, "POST", reg, map[string]any{"name": "Eve", "email": "eve@example.com"})
	c.do(p, V, 401, "POST", reg, map[string]any{"name": "Eve", "email": "eve@example.com"}, "Authorization", "Bearer x")
	c.do(p, V, 401, "GET", me, nil, "X-Operator-Id", opA)
	px := c.do(p, V, 201, "POST", areg, map[string]any{"name": "Agent P", "email": "p@agents.example"})
	hooked := specPosting("CONTENT_REVIEW", 4, later)
	hooked["callback_url"] = "https://agent.example.com/hooks/humop"
	hooked["callback_secret"] = "s3cret"
	c.do(p, V, 201, "POST", tasks, hooked, "X-API-Key", px.str("api_key"))
	c.do(p, V, 200, "GET", tasks, nil, "X-API-Key", px.str("api_key"))

	// --- an Idempotency-Key whose first request is still running: 409
	opE := c.do(pdev, V, 201, "POST", reg, map[string]any{"name": "Eve", "email": "eve@example.com"}).str("operator_id")
	for _, tc := range []struct {
		h      http.Handler
		path   string
		body   map[string]any
		header []string
	}{
		{p, tasks, specPosting("CONTENT_REVIEW", 4, later), []string{"X-API-Key", px.str("api_key")}},
		{pdev, payout, pay10, []string{"X-Operator-Id", opE}},
	} {
		headers := append([]string{"Idempotency-Key", "slow"}, tc.header...)
		waiting, release := gated.holdNextUpdate()
		done := make(chan int)
		go func() {
			raw, _ := json.Marshal(tc.body)
			req := httptest.NewRequest("POST", tc.path, bytes.NewReader(raw))
			for i := 0; i+1 < len(headers); i += 2 {
				req.Header.Set(headers[i], headers[i+1])
			}
			rec := httptest.NewRecorder()
			tc.h.ServeHTTP(rec, req)
			done <- rec.Code
		}()
		<-waiting
		c.do(tc.h, V, 409, "POST", tc.path, tc.body, headers...)
		release()
		if code := <-done; code != http.StatusCreated && code != http.StatusPaymentRequired {
			t.Errorf("POST %s: the first request with the key answered %d", tc.path, code)
		}
	}

	c.coverage(doc)
}

// specGatedStore is a store whose next Update can be held, to keep a
// request in flight.
type specGatedStore struct {
	*memstore.Store
	mu      sync.Mutex
	hold    chan struct{}
	waiting chan struct{}
}

// holdNextUpdate makes the next Update wait until release is called;
// waiting is closed once it waits.
func (s *specGatedStore) holdNextUpdate() (waiting <-chan struct{}, release func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hold, s.waiting = make(chan struct{}), make(chan struct{})
	hold := s.hold
	return s.waiting, func() { close(hold) }
}

func (s *specGatedStore) Update(ctx context.Context, fn func(humop.Tx) error) error {
	s.mu.Lock()
	hold, waiting := s.hold, s.waiting
	s.hold = nil
	s.mu.Unlock()
	if hold != nil {
		close(waiting)
		<-hold
	}
	return s.Store.Update(ctx, fn)
}

// TestOpenAPIIsEmbedded keeps api.OpenAPI the JSON document it claims to
// be.
func TestOpenAPIIsEmbedded(t *testing.T) {
	var head struct {
		OpenAPI string `json:"openapi"`
	}
	if err := json.Unmarshal(api.OpenAPI, &head); err != nil || !strings.HasPrefix(head.OpenAPI, "3.") {
		t.Fatalf("api.OpenAPI is not an OpenAPI 3 JSON document (openapi %q, %v)", head.OpenAPI, err)
	}
}
