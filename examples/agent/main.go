// Command agent is an AI agent's side of humop, run against a dev server:
// it registers, posts a task with a webhook callback, follows the task
// through the signed webhooks it receives, approves the operator's
// estimate, and exits when the task is done.
//
//	go run ./cmd/devserver -simulate-operators 2 -simulate-pace 200ms &
//	go run ./examples/agent [-url http://127.0.0.1:8080] [-listen 127.0.0.1:0] [-timeout 2m]
//
// It exits 0 when the task is COMPLETED, and 1 when it is DISPUTED or
// CANCELLED, or when -timeout passes first. The webhook listener must be
// reachable from the server: with -listen, give an address the server can
// dial, not a wildcard.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/humop/humop/webhook"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "agent:", err)
		os.Exit(1)
	}
}

// maxWebhookBytes bounds a webhook body; real ones are a few hundred bytes.
const maxWebhookBytes = 64 << 10

// run posts one task and follows it to the end. It prints one line per
// status change, "ESTIMATE_PENDING <- PENDING", and a last line counting
// the webhooks whose signature was verified and rejected.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("agent", flag.ContinueOnError)
	fs.SetOutput(stdout)
	base := fs.String("url", "http://127.0.0.1:8080", "base `URL` of the humop server")
	listen := fs.String("listen", "127.0.0.1:0", "`address` for the webhook listener; the server must be able to reach it")
	timeout := fs.Duration("timeout", 2*time.Minute, "how long to wait for the task to finish")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	out := &lockedWriter{w: stdout} // the webhook handler prints too
	api := &client{base: strings.TrimRight(*base, "/"), http: &http.Client{Timeout: 10 * time.Second}}

	// 1. Register, once per run: a fresh email keeps runs independent.
	var reg struct {
		AgentID string `json:"agent_id"`
		APIKey  string `json:"api_key"`
	}
	email := "agent-" + randomHex(6) + "@example.com"
	if err := api.do(ctx, "POST", "/api/v1/agents/register", map[string]string{"name": "Example agent", "email": email}, &reg); err != nil {
		return fmt.Errorf("register: %w", err)
	}
	api.key = reg.APIKey
	fmt.Fprintf(out, "registered agent %s\n", reg.AgentID)

	// 2. Listen for webhooks before posting, so no delivery finds the door
	// closed. The secret is ours alone: the server signs with it and
	// never shows it back.
	secret := randomHex(32)
	recv := newReceiver(secret, out)
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: recv, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		close(recv.stop) // release handlers waiting to hand on an event
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		_ = srv.Shutdown(sctx)
	}()
	callback := "http://" + ln.Addr().String() + "/webhook"

	// 3. Post the task with the callback.
	var posted struct {
		TaskID string `json:"task_id"`
		Status string `json:"status"`
	}
	err = api.do(ctx, "POST", "/api/v1/tasks", map[string]any{
		"title":              "Solve a captcha",
		"description":        "On the signup page of example.com",
		"task_type":          "CAPTCHA_SOLVING",
		"reward_usd":         5,
		"deadline":           time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339),
		"proof_requirements": []string{"screenshot"},
		"callback_url":       callback,
		"callback_secret":    secret,
	}, &posted)
	if err != nil {
		return fmt.Errorf("post task: %w", err)
	}
	fmt.Fprintf(out, "posted task %s (%s); webhooks to %s\n", posted.TaskID, posted.Status, callback)

	// 4. Follow the webhooks until the task ends.
	for {
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("task %s did not finish within %v", posted.TaskID, *timeout)
			}
			return ctx.Err()
		case ev := <-recv.events:
			if ev.TaskID != posted.TaskID {
				continue
			}
			fmt.Fprintf(out, "%s <- %s\n", ev.Status, ev.PreviousStatus)
			switch ev.Status {
			case "ESTIMATE_PENDING":
				if err := approve(ctx, api, out, posted.TaskID); err != nil {
					return err
				}
			case "COMPLETED":
				fmt.Fprintln(out, recv.summary())
				return nil
			case "DISPUTED", "CANCELLED":
				fmt.Fprintln(out, recv.summary())
				return fmt.Errorf("task %s ended %s", posted.TaskID, ev.Status)
			}
		}
	}
}

// approve looks at the operator's estimate and accepts it. A real agent
// would judge it first (and reject with POST .../estimate/reject).
func approve(ctx context.Context, api *client, out io.Writer, taskID string) error {
	var t struct {
		EstimateMinutes int `json:"estimate_minutes"`
		Operator        struct {
			Name   string  `json:"name"`
			Rating float64 `json:"rating"`
		} `json:"operator"`
	}
	if err := api.do(ctx, "GET", "/api/v1/tasks/"+taskID, nil, &t); err != nil {
		return fmt.Errorf("read estimate: %w", err)
	}
	fmt.Fprintf(out, "approving %s's estimate of %d minutes (rating %.2f)\n", t.Operator.Name, t.EstimateMinutes, t.Operator.Rating)
	if err := api.do(ctx, "POST", "/api/v1/tasks/"+taskID+"/estimate/approve", nil, nil); err != nil {
		return fmt.Errorf("approve estimate: %w", err)
	}
	return nil
}

// receiver serves the webhook listener: it checks each delivery's
// signature over the raw body, refuses forged ones with 401, and passes the
// genuine events on in the order they arrive.
type receiver struct {
	secret string
	events chan webhook.Event
	stop   chan struct{} // closed when nobody reads events any more
	out    io.Writer

	mu                 sync.Mutex
	verified, rejected int
}

func newReceiver(secret string, out io.Writer) *receiver {
	return &receiver{secret: secret, events: make(chan webhook.Event, 64), stop: make(chan struct{}), out: out}
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBytes))
	if err != nil {
		http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	// Verify before trusting a single byte of the body.
	if !webhook.Verify(rc.secret, body, r.Header.Get("X-Signature")) {
		rc.count(false)
		fmt.Fprintf(rc.out, "rejected a webhook from %s: bad signature\n", r.RemoteAddr)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var ev webhook.Event
	if err := json.Unmarshal(body, &ev); err != nil || ev.Event != webhook.EventStatusChanged {
		http.Error(w, "not a task.status_changed event", http.StatusBadRequest)
		return
	}
	rc.count(true)
	select {
	case rc.events <- ev:
		w.WriteHeader(http.StatusNoContent)
	case <-rc.stop:
		http.Error(w, "the agent has stopped listening", http.StatusServiceUnavailable)
	case <-r.Context().Done():
		// Not taken: the server will retry the delivery.
		http.Error(w, "busy", http.StatusServiceUnavailable)
	}
}

func (rc *receiver) count(ok bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if ok {
		rc.verified++
	} else {
		rc.rejected++
	}
}

// summary reports how many webhooks were verified and rejected.
func (rc *receiver) summary() string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return fmt.Sprintf("webhooks: %d signatures verified, %d rejected", rc.verified, rc.rejected)
}

// client calls the humop API as the agent.
type client struct {
	base string
	key  string // X-API-Key, once registered
	http *http.Client
}

// do sends body as JSON (when not nil) and decodes a 2xx answer into out
// (when not nil). Any other answer is an error carrying the server's
// message.
func (c *client) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.key != "" {
		req.Header.Set("X-API-Key", c.key)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return err
	}
	if res.StatusCode/100 != 2 {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(raw, &e) == nil && e.Error != "" {
			return fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, e.Error)
		}
		return fmt.Errorf("%s %s: %d", method, path, res.StatusCode)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(raw, out)
}

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails
	return hex.EncodeToString(b)
}

// lockedWriter serialises writes from the main loop and the webhook
// handler.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
