// Package idempotency makes retried requests safe, with the semantics of the
// IETF draft "The Idempotency-Key HTTP Header Field". A client sends a key of
// its choosing with a request that changes something (posting a task,
// requesting a payout); sending the same key again with the same request
// within TTL replays the first response instead of doing the thing twice.
//
// Keys are scoped to the caller ("operator:op_…", "agent:ag_…"), so two
// callers choosing the same key never meet. The HTTP layer, for a request
// with a key:
//
//  1. checks the key (ValidKey: 400);
//  2. marks it in flight (InFlight.Begin: 409 while the same scope and key
//     is being processed), and calls done when the response is written;
//  3. looks up the record (Store.Get) and decides (Decide): Replay writes
//     the stored status and body; a different request under the key is
//     ErrKeyReused (422); Proceed runs the request and stores its outcome
//     (Store.Put) in the same transaction as the request's own writes, so
//     that the outcome is recorded exactly when the effects are.
//
// A request is the same when its method, path and body bytes are the same
// (Fingerprint): a client retrying sends what it sent before. The package
// does no I/O; Store is implemented by the storage adapters.
package idempotency

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"sync"
	"time"

	"github.com/humop/humop/fault"
)

// TTL is how long a key is remembered: a record created at t replays until
// just before t+TTL and has expired at t+TTL exactly.
const TTL = 24 * time.Hour

// MaxKeyLen is the longest key accepted, in bytes (all ASCII).
const MaxKeyLen = 255

// Header is the name of the header that carries the key. It is also the
// field named in ErrInvalidKey.
const Header = "Idempotency-Key"

// Record is the outcome of a request made with a key, kept for replay.
type Record struct {
	// Scope is the caller the key belongs to, such as "operator:op_…".
	Scope string
	// Key is the client's Idempotency-Key.
	Key string
	// Fingerprint identifies the request (see Fingerprint).
	Fingerprint [32]byte
	// Result is the stored outcome to replay, such as the response body.
	// It is opaque to this package.
	Result []byte
	// Status is the response's status code.
	Status    int
	CreatedAt time.Time
	// ExpiresAt is CreatedAt + TTL; from then on the record is ignored.
	ExpiresAt time.Time
}

// NewRecord returns the record of a request with the given scope, key and
// fingerprint that produced status and result, made at now and expiring TTL
// later. It keeps its own copy of result.
func NewRecord(scope, key string, fingerprint [32]byte, status int, result []byte, now time.Time) Record {
	now = now.UTC()
	return Record{
		Scope: scope, Key: key, Fingerprint: fingerprint,
		Result: append([]byte(nil), result...), Status: status,
		CreatedAt: now, ExpiresAt: now.Add(TTL),
	}
}

// Clone returns a deep copy of r.
func (r Record) Clone() Record {
	r.Result = append([]byte(nil), r.Result...)
	return r
}

// Expired reports whether r is no longer kept at now: now is at or after
// ExpiresAt.
func (r Record) Expired(now time.Time) bool {
	return !now.Before(r.ExpiresAt)
}

// Fingerprint returns the SHA-256 of a request's method, path and body. The
// three are length-prefixed before hashing, so no two different requests
// share a fingerprint by moving bytes from one part to another. The body is
// taken byte for byte: the same JSON with other spacing is another request.
func Fingerprint(method, path string, body []byte) [32]byte {
	h := sha256.New()
	var n [8]byte
	for _, part := range [...][]byte{[]byte(method), []byte(path), body} {
		binary.BigEndian.PutUint64(n[:], uint64(len(part)))
		h.Write(n[:])
		h.Write(part)
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}

// Errors, in the order a request meets them.
var (
	// ErrInvalidKey is returned by ValidKey for a key that is empty, longer
	// than MaxKeyLen or not printable ASCII.
	ErrInvalidKey = &fault.Error{Kind: fault.Invalid, Op: "idempotency", Code: "validation",
		Field: Header, Message: "Idempotency-Key must be 1 to 255 printable ASCII characters"}
	// ErrInFlight is returned by InFlight.Begin while a request with the
	// same scope and key is being processed, and by Store.Put when another
	// request stored an outcome for the key first. The client should retry
	// later, when it will get the replay.
	ErrInFlight = fault.New(fault.Conflict, "idempotency", "idempotency_in_flight",
		"a request with this Idempotency-Key is still being processed")
	// ErrKeyReused is returned by Decide when the key was used, within TTL,
	// for a different request.
	ErrKeyReused = fault.New(fault.Unprocessable, "idempotency", "idempotency_key_reused",
		"Idempotency-Key was already used with a different request")
)

// ValidKey returns nil when key is 1 to MaxKeyLen printable ASCII
// characters (space to tilde), and ErrInvalidKey otherwise.
func ValidKey(key string) error {
	if len(key) < 1 || len(key) > MaxKeyLen {
		return ErrInvalidKey
	}
	for i := 0; i < len(key); i++ {
		if key[i] < ' ' || key[i] > '~' {
			return ErrInvalidKey
		}
	}
	return nil
}

// Outcome is what to do with a request that carries a key.
type Outcome int

// The outcomes of Decide. The zero Outcome is none: Decide returns it with
// an error.
const (
	// Proceed: run the request and record its outcome.
	Proceed Outcome = iota + 1
	// Replay: answer with the recorded outcome and do nothing else.
	Replay
)

// String returns "proceed", "replay" or "none".
func (o Outcome) String() string {
	switch o {
	case Proceed:
		return "proceed"
	case Replay:
		return "replay"
	}
	return "none"
}

// Decide returns what to do with a request whose fingerprint is fingerprint,
// given the record stored under its scope and key (nil when none), at now:
// Proceed when there is no record or it has expired, Replay when the record
// is of the same request, and ErrKeyReused when it is of another.
func Decide(existing *Record, fingerprint [32]byte, now time.Time) (Outcome, error) {
	switch {
	case existing == nil || existing.Expired(now):
		return Proceed, nil
	case existing.Fingerprint == fingerprint:
		return Replay, nil
	}
	return 0, ErrKeyReused
}

// Store keeps records. Implementations are bound to one transaction, like
// the domain stores, so that a record is written together with the effects
// of the request it records.
type Store interface {
	// Get returns the record under scope and key, expired or not, or nil
	// and no error when there is none.
	Get(scope, key string) (*Record, error)
	// Put stores r under its scope and key, replacing an expired record.
	// It returns ErrInFlight when an unexpired record is stored there
	// already: another process completed the same key first, and this
	// transaction must write nothing. Put judges expiry by r.CreatedAt.
	Put(r Record) error
	// DeleteExpired removes every record that has expired at now and
	// returns how many it removed.
	DeleteExpired(now time.Time) (int, error)
}

// InFlight tracks the keys whose requests are being processed in this
// process. The zero value is ready to use; it is safe for concurrent use and
// must not be copied after first use.
//
// BUG(idempotency): InFlight sees only its own process. With several
// processes, a concurrent duplicate in another process is caught only when
// its Store.Put fails with ErrInFlight, after the request ran and before its
// transaction commits.
type InFlight struct {
	mu sync.Mutex
	// busy maps each key in flight to the number of the Begin that
	// marked it, so that a late done cannot clear a later Begin's mark.
	busy map[flightKey]uint64
	last uint64
}

type flightKey struct{ scope, key string }

// errNoScope is returned by Begin without a scope: a programming error.
var errNoScope = errors.New("idempotency: a key must have a scope")

// Begin marks scope and key as being processed and returns done, which
// clears the mark; call it once the outcome is stored or the request has
// failed. Calling done more than once is harmless. Begin returns ErrInFlight
// when the same scope and key is marked already.
func (f *InFlight) Begin(scope, key string) (done func(), err error) {
	if scope == "" {
		return nil, errNoScope
	}
	k := flightKey{scope, key}

	f.mu.Lock()
	defer f.mu.Unlock()
	if f.busy == nil {
		f.busy = make(map[flightKey]uint64)
	}
	if _, ok := f.busy[k]; ok {
		return nil, ErrInFlight
	}
	f.last++
	mine := f.last
	f.busy[k] = mine
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.busy[k] == mine {
			delete(f.busy, k)
		}
	}, nil
}
