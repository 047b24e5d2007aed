package devserver

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"time"
)

// TB is the part of testing.TB that Start needs; *testing.T and
// *testing.B satisfy it. It keeps package testing out of the dev server.
type TB interface {
	Helper()
	Cleanup(func())
	Fatalf(format string, args ...any)
}

// Option changes the Config of a server started by Start.
type Option func(*Config)

// WithStartTime pins the server's clock at t; it moves only when advanced.
func WithStartTime(t time.Time) Option { return func(c *Config) { c.StartTime = t } }

// WithFixtures seeds the server with f, again after every Reset.
func WithFixtures(f *Fixtures) Option { return func(c *Config) { c.Fixtures = f } }

// WithManualKYC leaves new operators PENDING until a KYC decision.
func WithManualKYC() Option { return func(c *Config) { c.ManualKYC = true } }

// WithConfig lets a test set any other Config field.
func WithConfig(f func(*Config)) Option { return f }

// Test is a dev server started by Start for one test.
type Test struct {
	*Server
	// URL is the server's base URL, such as "http://127.0.0.1:53211".
	URL string
	// Client talks to the server.
	Client *http.Client

	t TB
}

// Start runs an isolated development server inside the test: in memory,
// on a free loopback port, with no binary to build. It stops when the test
// ends. Options pin the clock and seed fixtures.
func Start(t TB, opts ...Option) *Test {
	t.Helper()
	cfg := Config{Addr: "127.0.0.1:0", Environment: Development}
	for _, opt := range opts {
		opt(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatalf("devserver.Start: %v", err)
	}
	if err := srv.Listen(); err != nil {
		srv.Close()
		t.Fatalf("devserver.Start: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("devserver: stop: %v", err)
		}
	})
	return &Test{
		Server: srv,
		URL:    "http://" + srv.Addr(),
		Client: &http.Client{Timeout: 30 * time.Second},
		t:      t,
	}
}

// Reset empties the server (and reseeds its fixtures), as POST /dev/reset
// does.
func (ts *Test) Reset() {
	ts.t.Helper()
	ts.Do("POST", "/dev/reset", nil, nil)
}

// AdvanceClock moves the server's clock forward by d.
func (ts *Test) AdvanceClock(d time.Duration) {
	ts.t.Helper()
	ts.Do("POST", "/dev/clock/advance", map[string]string{"duration": d.String()}, nil)
}

// Token returns a session token for the operator, for the Authorization
// header. It lasts an hour of the server's clock: after AdvanceClock past
// that, ask for a new one (or use TokenFor).
func (ts *Test) Token(operatorID string) string {
	ts.t.Helper()
	return ts.TokenFor(operatorID, DefaultTokenTTL)
}

// TokenFor returns a session token for the operator that lasts ttl.
func (ts *Test) TokenFor(operatorID string, ttl time.Duration) string {
	ts.t.Helper()
	var out struct{ Token string }
	ts.Do("POST", "/dev/tokens", map[string]string{"operator_id": operatorID, "ttl": ttl.String()}, &out)
	return out.Token
}

// Request sends a JSON request (body may be nil) with alternating header
// names and values and returns the status and the raw answer, whatever the
// status: for tests that expect an error.
func (ts *Test) Request(method, path string, body any, headers ...string) (int, []byte) {
	ts.t.Helper()
	res := ts.send(method, path, body, headers)
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, raw
}

func (ts *Test) send(method, path string, body any, headers []string) *http.Response {
	ts.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			ts.t.Fatalf("devserver: encode %s %s: %v", method, path, err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, ts.URL+path, rd)
	if err != nil {
		ts.t.Fatalf("devserver: %s %s: %v", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := ts.Client.Do(req)
	if err != nil {
		ts.t.Fatalf("devserver: %s %s: %v", method, path, err)
	}
	return res
}

// Do sends a JSON request (body may be nil) with alternating header names
// and values, fails the test unless the answer is 2xx, and decodes it into
// out (when not nil). It returns the status.
func (ts *Test) Do(method, path string, body, out any, headers ...string) int {
	ts.t.Helper()
	status, raw := ts.Request(method, path, body, headers...)
	if status/100 != 2 {
		ts.t.Fatalf("devserver: %s %s: %d %s", method, path, status, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			ts.t.Fatalf("devserver: %s %s: decode %s: %v", method, path, raw, err)
		}
	}
	return status
}
