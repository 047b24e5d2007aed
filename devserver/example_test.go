package devserver_test

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/humop/humop/devserver"
)

// exampleT stands in for the *testing.T a real test passes to Start.
type exampleT struct{ cleanups []func() }

func (t *exampleT) Helper()                           {}
func (t *exampleT) Cleanup(f func())                  { t.cleanups = append(t.cleanups, f) }
func (t *exampleT) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
func (t *exampleT) done() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}

// Start runs a dev server inside a test. Pin the clock so that times are
// the same on every run; the server stops when the test ends.
func ExampleStart() {
	t := &exampleT{} // in a test: the test's t
	defer t.done()

	ts := devserver.Start(t, devserver.WithStartTime(time.Date(2026, 4, 2, 12, 0, 0, 0, time.UTC)))
	var op map[string]any
	ts.Do("POST", "/api/v1/operator/register", map[string]any{"name": "Maria", "email": "maria@example.com"}, &op)
	fmt.Println(op["kyc_status"], op["created_at"])

	// Operators sign in with dev tokens, as they would with Clerk's.
	var me map[string]any
	ts.Do("GET", "/api/v1/operator/me", nil, &me, "Authorization", "Bearer "+ts.Token(op["operator_id"].(string)))
	fmt.Println(me["name"], me["available_balance"])
	// Output:
	// APPROVED 2026-04-02T12:00:00.000Z
	// Maria 0
}

// New builds the whole dev server as an http.Handler, to serve it
// however a program likes; here with httptest.
func ExampleNew() {
	srv, err := devserver.New(devserver.Config{})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()

	res, err := hs.Client().Post(hs.URL+"/api/v1/operator/register", "application/json",
		strings.NewReader(`{"name":"Maria","email":"maria@example.com","skills":["PHOTO","PHOTO"]}`))
	if err != nil {
		panic(err)
	}
	defer res.Body.Close()
	fmt.Println(res.Status)
	// Output: 201 Created
}
