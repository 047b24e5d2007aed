package idempotency_test

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/humop/humop/fault"
	"github.com/humop/humop/idempotency"
)

var t0 = time.Date(2026, 4, 2, 14, 0, 0, 0, time.FixedZone("CEST", 2*60*60))

const path = "/api/v1/operator/payout"

var body = []byte(`{"amount_usd": 15, "method": "usdc"}`)

func TestValidKey(t *testing.T) {
	tests := []struct {
		name string
		key  string
		ok   bool
	}{
		{"a UUID is valid", "8e03978e-40d5-43e8-bc93-6894a57f9324", true},
		{"one character is valid", "k", true},
		{"255 characters are valid", strings.Repeat("k", 255), true},
		{"every printable ASCII character is valid", " !\"#$%&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~", true},
		{"an empty key is invalid", "", false},
		{"256 characters are invalid", strings.Repeat("k", 256), false},
		{"a tab is invalid", "a\tb", false},
		{"a newline is invalid", "a\nb", false},
		{"DEL is invalid", "a\x7fb", false},
		{"non-ASCII is invalid", "clé", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := idempotency.ValidKey(tt.key)
			if tt.ok {
				if err != nil {
					t.Errorf("ValidKey(%q) = %v, want nil", tt.key, err)
				}
				return
			}
			if !errors.Is(err, idempotency.ErrInvalidKey) {
				t.Fatalf("ValidKey(%q) = %v, want ErrInvalidKey", tt.key, err)
			}
			if fe := fault.As(err); fe.Kind != fault.Invalid || fe.Field != "Idempotency-Key" {
				t.Errorf("ValidKey(%q) = kind %v field %q, want Invalid and Idempotency-Key", tt.key, fe.Kind, fe.Field)
			}
		})
	}
}

func TestFingerprint(t *testing.T) {
	base := idempotency.Fingerprint("POST", path, body)
	if base != idempotency.Fingerprint("POST", path, append([]byte(nil), body...)) {
		t.Errorf("Fingerprint of the same request differs")
	}
	others := []struct {
		name               string
		method, path, body string
	}{
		{"another method", "PUT", path, string(body)},
		{"another path", "POST", "/api/v1/tasks", string(body)},
		{"another body", "POST", path, `{"amount_usd": 16, "method": "usdc"}`},
		{"the same JSON spaced otherwise", "POST", path, `{"amount_usd":15,"method":"usdc"}`},
		{"no body", "POST", path, ""},
	}
	for _, o := range others {
		t.Run(o.name+" is another request", func(t *testing.T) {
			if idempotency.Fingerprint(o.method, o.path, []byte(o.body)) == base {
				t.Errorf("Fingerprint(%s %s %s) equals the original's", o.method, o.path, o.body)
			}
		})
	}
	t.Run("bytes moved between parts make another request", func(t *testing.T) {
		a := idempotency.Fingerprint("POST", "/a", []byte("b"))
		b := idempotency.Fingerprint("POST", "/ab", nil)
		c := idempotency.Fingerprint("POST/a", "", []byte("b"))
		if a == b || a == c || b == c {
			t.Errorf("Fingerprint is ambiguous about where parts end")
		}
	})
}

func TestDecide(t *testing.T) {
	fp := idempotency.Fingerprint("POST", path, body)
	other := idempotency.Fingerprint("POST", path, []byte(`{}`))
	rec := idempotency.NewRecord("operator:op_1", "key-1", fp, 201, []byte(`{"payout_id":"payout_1"}`), t0)

	tests := []struct {
		name     string
		existing *idempotency.Record
		fp       [32]byte
		now      time.Time
		want     idempotency.Outcome
		err      error
	}{
		{"no record proceeds", nil, fp, t0, idempotency.Proceed, nil},
		{"the same request replays", &rec, fp, t0, idempotency.Replay, nil},
		{"the same request replays until the last instant of the 24 hours", &rec, fp,
			t0.Add(idempotency.TTL - time.Nanosecond), idempotency.Replay, nil},
		{"the same request proceeds at exactly 24 hours", &rec, fp, t0.Add(idempotency.TTL),
			idempotency.Proceed, nil},
		{"the same request proceeds after 24 hours", &rec, fp, t0.Add(25 * time.Hour), idempotency.Proceed, nil},
		{"a different request is refused", &rec, other, t0.Add(time.Hour), 0, idempotency.ErrKeyReused},
		{"a different request is refused until the last instant", &rec, other,
			t0.Add(idempotency.TTL - time.Nanosecond), 0, idempotency.ErrKeyReused},
		{"a different request proceeds at exactly 24 hours", &rec, other, t0.Add(idempotency.TTL),
			idempotency.Proceed, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := idempotency.Decide(tt.existing, tt.fp, tt.now)
			if got != tt.want || !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
				t.Errorf("Decide = %v, %v; want %v, %v", got, err, tt.want, tt.err)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		err     *fault.Error
		kind    fault.Kind
		message string
	}{
		{idempotency.ErrKeyReused, fault.Unprocessable, "Idempotency-Key was already used with a different request"},
		{idempotency.ErrInFlight, fault.Conflict, "a request with this Idempotency-Key is still being processed"},
		{idempotency.ErrInvalidKey, fault.Invalid, "Idempotency-Key must be 1 to 255 printable ASCII characters"},
	}
	for _, tt := range tests {
		if tt.err.Kind != tt.kind || tt.err.Message != tt.message {
			t.Errorf("error %q is %v %q, want %v %q", tt.err.Code, tt.err.Kind, tt.err.Message, tt.kind, tt.message)
		}
	}
}

func TestNewRecord(t *testing.T) {
	fp := idempotency.Fingerprint("POST", path, body)
	result := []byte(`{"ok":true}`)
	got := idempotency.NewRecord("agent:ag_1", "k", fp, 201, result, t0)
	want := idempotency.Record{
		Scope: "agent:ag_1", Key: "k", Fingerprint: fp, Result: []byte(`{"ok":true}`), Status: 201,
		CreatedAt: t0.UTC(), ExpiresAt: t0.UTC().Add(24 * time.Hour),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("NewRecord (-want +got):\n%s", diff)
	}
	result[0] = 'X'
	clone := got.Clone()
	clone.Result[1] = 'X'
	if string(got.Result) != `{"ok":true}` {
		t.Errorf("the record shares its result with the caller or its clone: %s", got.Result)
	}
	if got.Expired(t0.Add(24*time.Hour-1)) || !got.Expired(t0.Add(24*time.Hour)) {
		t.Errorf("Expired does not turn true at exactly 24 hours")
	}
	names := map[idempotency.Outcome]string{idempotency.Proceed: "proceed", idempotency.Replay: "replay", 0: "none"}
	for o, s := range names {
		if o.String() != s {
			t.Errorf("Outcome(%d).String() = %q, want %q", o, o.String(), s)
		}
	}
}

func TestInFlight(t *testing.T) {
	var f idempotency.InFlight // the zero value is ready

	done, err := f.Begin("operator:op_1", "k")
	if err != nil {
		t.Fatalf("Begin = %v, want nil", err)
	}
	if _, err := f.Begin("operator:op_1", "k"); !errors.Is(err, idempotency.ErrInFlight) {
		t.Errorf("Begin of a key in flight = %v, want ErrInFlight", err)
	}
	t.Run("another scope with the same key is not in flight", func(t *testing.T) {
		d, err := f.Begin("operator:op_2", "k")
		if err != nil {
			t.Fatalf("Begin = %v, want nil", err)
		}
		d()
	})
	t.Run("another key in the same scope is not in flight", func(t *testing.T) {
		d, err := f.Begin("operator:op_1", "k2")
		if err != nil {
			t.Fatalf("Begin = %v, want nil", err)
		}
		d()
	})

	done()
	again, err := f.Begin("operator:op_1", "k")
	if err != nil {
		t.Fatalf("Begin after done = %v, want nil", err)
	}
	done() // a late second call must not clear the new mark
	if _, err := f.Begin("operator:op_1", "k"); !errors.Is(err, idempotency.ErrInFlight) {
		t.Errorf("Begin after a stale done = %v, want ErrInFlight", err)
	}
	again()

	if _, err := f.Begin("", "k"); err == nil {
		t.Errorf("Begin without a scope = nil error, want one")
	}
}

// TestInFlightConcurrent starts many duplicates of each of a few keys at once:
// for each key, exactly one at a time may hold it.
func TestInFlightConcurrent(t *testing.T) {
	var f idempotency.InFlight
	const keys, workers, rounds = 4, 16, 200
	var holders [keys]atomic.Int32
	var wins, refusals atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for r := range rounds {
				k := (w + r) % keys
				done, err := f.Begin("agent:ag_1", string(rune('a'+k)))
				if errors.Is(err, idempotency.ErrInFlight) {
					refusals.Add(1)
					continue
				}
				if err != nil {
					t.Errorf("Begin = %v", err)
					return
				}
				if n := holders[k].Add(1); n != 1 {
					t.Errorf("key %d has %d holders at once", k, n)
				}
				wins.Add(1)
				holders[k].Add(-1)
				done()
			}
		})
	}
	wg.Wait()
	if wins.Load()+refusals.Load() != workers*rounds || wins.Load() == 0 {
		t.Errorf("%d wins and %d refusals, want %d in all and some wins", wins.Load(), refusals.Load(), workers*rounds)
	}
	// Every mark was cleared.
	for k := range keys {
		done, err := f.Begin("agent:ag_1", string(rune('a'+k)))
		if err != nil {
			t.Errorf("Begin(%c) after all are done = %v, want nil", 'a'+k, err)
			continue
		}
		done()
	}
}

// TestInFlightOneWins races duplicates of one request: exactly one proceeds
// while the others are answered 409.
func TestInFlightOneWins(t *testing.T) {
	var f idempotency.InFlight
	const n = 32
	start := make(chan struct{})
	var wins atomic.Int32
	var dones sync.Mutex
	var release []func()
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			<-start
			done, err := f.Begin("operator:op_1", "pay-once")
			switch {
			case err == nil:
				wins.Add(1)
				dones.Lock()
				release = append(release, done)
				dones.Unlock()
			case !errors.Is(err, idempotency.ErrInFlight):
				t.Errorf("Begin = %v, want nil or ErrInFlight", err)
			}
		})
	}
	close(start)
	wg.Wait()
	if wins.Load() != 1 {
		t.Errorf("%d duplicates proceeded at once, want exactly 1", wins.Load())
	}
	for _, done := range release {
		done()
	}
}
