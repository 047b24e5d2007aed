// Package webhook delivers task status changes to the agents that asked for
// them, as signed HTTP POSTs sent from a queue, never from the request that
// caused the change.
//
// Each delivery is a JSON body signed with HMAC-SHA256 under the task's
// callback secret: X-Signature carries the lowercase hex digest of the raw
// body and X-Timestamp the Unix time of the attempt in seconds. A receiver
// recomputes the digest over the bytes it received and compares it in
// constant time (see Verify).
//
// Deliveries to one task keep their order: the next event of a task waits
// until the previous one was delivered or given up. A failed attempt (a
// network error or a status other than 2xx) is retried with exponential
// backoff; every attempt is logged without the secret or the URL's query.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// EventStatusChanged names the event sent on every task status change.
const EventStatusChanged = "task.status_changed"

// Event is the body of a delivery.
type Event struct {
	Event          string `json:"event"`
	TaskID         string `json:"task_id"`
	Status         string `json:"status"`
	PreviousStatus string `json:"previous_status"`
	Timestamp      string `json:"timestamp"` // UTC RFC 3339 with milliseconds
}

// Sign returns the lowercase hex HMAC-SHA256 of body under secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Verify reports whether signature is the signature of body under secret,
// comparing in constant time.
func Verify(secret string, body []byte, signature string) bool {
	want, err := hex.DecodeString(signature)
	if err != nil {
		return false
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hmac.Equal(m.Sum(nil), want)
}

// Options configure a Dispatcher. The zero value of every field is usable.
type Options struct {
	// Client sends the POSTs. Default: a client with a 10 s timeout.
	Client *http.Client
	// Workers is how many tasks' queues are served at once. Default 4.
	Workers int
	// MaxAttempts bounds the attempts per delivery. Default 8.
	MaxAttempts int
	// Backoff returns the wait before attempt n+1 after attempt n failed
	// (n from 1). Default: 500 ms doubling to at most 5 minutes, with
	// up to 20% jitter.
	Backoff func(n int) time.Duration
	// Logger receives one line per attempt. The zero Logger writes nothing.
	Logger zerolog.Logger
}

// Dispatcher queues and sends deliveries. It is safe for concurrent use.
// Create it with New and stop it with Close.
type Dispatcher struct {
	opts Options
	log  zerolog.Logger

	mu      sync.Mutex
	cond    *sync.Cond
	queues  map[string][]delivery // by task id, in order
	ready   []string              // task ids with work and no worker
	busy    map[string]bool       // task ids a worker is serving
	closed  bool
	pending int

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

type delivery struct {
	url    string
	secret string
	body   []byte
	taskID string
	status string
	done   func(delivered bool) // nil, or told the outcome
}

// New starts a Dispatcher with its workers.
func New(opts Options) *Dispatcher {
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 8
	}
	if opts.Backoff == nil {
		opts.Backoff = DefaultBackoff
	}
	ctx, cancel := context.WithCancel(context.Background())
	d := &Dispatcher{
		opts:   opts,
		log:    opts.Logger,
		queues: make(map[string][]delivery),
		busy:   make(map[string]bool),
		ctx:    ctx,
		cancel: cancel,
	}
	d.cond = sync.NewCond(&d.mu)
	for range opts.Workers {
		d.wg.Add(1)
		go d.work()
	}
	return d
}

// DefaultBackoff waits 500 ms after the first failure, doubling up to 5
// minutes, plus up to 20% jitter.
func DefaultBackoff(n int) time.Duration {
	d := 500 * time.Millisecond << min(n-1, 10)
	d = min(d, 5*time.Minute)
	return d + time.Duration(rand.Int64N(int64(d)/5+1))
}

// Send queues ev for delivery to callbackURL, signed with secret. It never
// blocks on the network. After Close it does nothing.
func (d *Dispatcher) Send(callbackURL, secret string, ev Event) {
	d.SendThen(callbackURL, secret, ev, nil)
}

// SendThen is Send, and calls done (when not nil) once the delivery
// succeeded (true) or was given up after MaxAttempts (false). A delivery
// abandoned by Close calls nothing: it did not end.
func (d *Dispatcher) SendThen(callbackURL, secret string, ev Event, done func(delivered bool)) {
	if ev.Event == "" {
		ev.Event = EventStatusChanged
	}
	body, err := json.Marshal(ev)
	if err != nil {
		d.log.Error().Err(err).Str("task_id", ev.TaskID).Msg("webhook not encoded")
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return
	}
	q := d.queues[ev.TaskID]
	d.queues[ev.TaskID] = append(q, delivery{url: callbackURL, secret: secret, body: body,
		taskID: ev.TaskID, status: ev.Status, done: done})
	d.pending++
	if len(q) == 0 && !d.busy[ev.TaskID] {
		d.ready = append(d.ready, ev.TaskID)
		d.cond.Signal()
	}
}

// Pending returns the number of deliveries queued or in flight.
func (d *Dispatcher) Pending() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.pending
}

// Close stops taking deliveries and waits, until ctx is done, for the
// queued ones to be sent; then it abandons the rest (waits between retries
// end at once) and returns ctx's error.
func (d *Dispatcher) Close(ctx context.Context) error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	d.closed = true
	d.cond.Broadcast()
	d.mu.Unlock()

	done := make(chan struct{})
	go func() { d.wg.Wait(); close(done) }()
	select {
	case <-done:
		d.cancel()
		return nil
	case <-ctx.Done():
		d.cancel()
		<-done
		return ctx.Err()
	}
}

// work serves one task's queue at a time, in order.
func (d *Dispatcher) work() {
	defer d.wg.Done()
	for {
		d.mu.Lock()
		for len(d.ready) == 0 && !(d.closed && d.pending == 0) {
			d.cond.Wait()
		}
		if len(d.ready) == 0 {
			d.mu.Unlock()
			return
		}
		id := d.ready[0]
		d.ready = d.ready[1:]
		d.busy[id] = true
		next := d.queues[id][0]
		d.mu.Unlock()

		if outcome := d.deliver(next); outcome != abandoned && next.done != nil {
			next.done(outcome == delivered)
		}

		d.mu.Lock()
		q := d.queues[id][1:]
		d.pending--
		delete(d.busy, id)
		if len(q) == 0 {
			delete(d.queues, id)
		} else {
			d.queues[id] = q
			d.ready = append(d.ready, id)
		}
		d.cond.Broadcast()
		d.mu.Unlock()
	}
}

// outcome is how a delivery ended.
type outcome int

const (
	delivered outcome = iota
	gaveUp
	abandoned // by Close
)

// deliver makes up to MaxAttempts attempts.
func (d *Dispatcher) deliver(dl delivery) outcome {
	target := redact(dl.url)
	for attempt := 1; ; attempt++ {
		if d.ctx.Err() != nil {
			return abandoned
		}
		start := time.Now()
		status, err := d.post(dl)
		ev := d.log.Info()
		if err != nil || status/100 != 2 {
			ev = d.log.Warn()
		}
		ev = ev.Str("task_id", dl.taskID).Str("status", dl.status).Str("url", target).
			Int("attempt", attempt).Dur("duration_ms", time.Since(start))
		if err != nil {
			ev = ev.Str("error", err.Error())
		} else {
			ev = ev.Int("response", status)
		}
		if err == nil && status/100 == 2 {
			ev.Msg("webhook delivered")
			return delivered
		}
		if d.ctx.Err() != nil {
			ev.Msg("webhook abandoned at shutdown")
			return abandoned
		}
		if attempt >= d.opts.MaxAttempts {
			ev.Msg("webhook given up")
			return gaveUp
		}
		ev.Msg("webhook attempt failed")
		select {
		case <-time.After(d.opts.Backoff(attempt)):
		case <-d.ctx.Done():
			return abandoned
		}
	}
}

func (d *Dispatcher) post(dl delivery) (int, error) {
	ctx, cancel := context.WithTimeout(d.ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, dl.url, bytes.NewReader(dl.body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "humop-webhook/1")
	req.Header.Set("X-Timestamp", strconv.FormatInt(time.Now().Unix(), 10))
	req.Header.Set("X-Signature", Sign(dl.secret, dl.body))
	res, err := d.opts.Client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("post: %w", unwrapURL(err))
	}
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	return res.StatusCode, nil
}

// redact keeps scheme, host and path: a query may hold a token.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid url)"
	}
	return u.Scheme + "://" + u.Host + u.Path
}

// unwrapURL drops *url.Error's copy of the URL, which may hold a query.
func unwrapURL(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}
