package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/humop/humop"
	"github.com/humop/humop/idempotency"
)

var idempotencyChecks = []check{
	{"get of an absent record is nil", testIdemAbsent},
	{"put record reads back unchanged", testIdemRoundTrip},
	{"put over an unexpired record is ErrInFlight and writes nothing", testIdemInFlight},
	{"put over an expired record replaces it", testIdemReplaceExpired},
	{"delete expired removes exactly the expired records", testIdemDeleteExpired},
	{"delete expired in one update counts each record once", testIdemDeleteInOneUpdate},
	{"changing a returned or put record does not change the store", testIdemCopies},
	{"failed update keeps no record and deletes none", testIdemFailedUpdate},
	{"idempotency writes in a view fail", testIdemViewReadOnly},
	{"concurrent puts of one key admit exactly one", testIdemConcurrentPut},
}

// recordOpts compare records; an empty result may come back nil.
var recordOpts = cmp.Options{cmpopts.EquateEmpty()}

// newRecord returns the record of a task posted by the scope with the key
// at the given time, with a body of its own.
func newRecord(scope, key string, at time.Time) idempotency.Record {
	body := fmt.Appendf(nil, `{"title":"Photograph the storefront","key":%q,"at":%q}`, key, at)
	fp := idempotency.Fingerprint("POST", "/api/v1/tasks", body)
	result := append(fmt.Appendf(nil, `{"task_id":"task_%s","title":"Café"}`, key), 0, 0xff)
	return idempotency.NewRecord(scope, key, fp, 201, result, at)
}

// putRecords puts the records in one Update.
func putRecords(t *testing.T, st humop.Store, rs ...idempotency.Record) {
	t.Helper()
	update(t, st, func(tx humop.Tx) error {
		for _, r := range rs {
			if err := tx.Idempotency().Put(r); err != nil {
				return fmt.Errorf("Put(%q %q): %w", r.Scope, r.Key, err)
			}
		}
		return nil
	})
}

// getRecord reads one record in a View.
func getRecord(t *testing.T, st humop.Store, scope, key string) *idempotency.Record {
	t.Helper()
	var r *idempotency.Record
	view(t, st, func(tx humop.Tx) error {
		var err error
		r, err = tx.Idempotency().Get(scope, key)
		return err
	})
	return r
}

// checkRecord checks that the record under scope and key is want, or that
// there is none when want is nil.
func checkRecord(t *testing.T, call string, st humop.Store, scope, key string, want *idempotency.Record) {
	t.Helper()
	if diff := cmp.Diff(want, getRecord(t, st, scope, key), recordOpts); diff != "" {
		t.Errorf("%s: Get(%q, %q) (-want +got):\n%s", call, scope, key, diff)
	}
}

// deleteExpired runs DeleteExpired(now) in its own Update.
func deleteExpired(t *testing.T, st humop.Store, now time.Time) int {
	t.Helper()
	var n int
	update(t, st, func(tx humop.Tx) error {
		var err error
		n, err = tx.Idempotency().DeleteExpired(now)
		return err
	})
	return n
}

func testIdemAbsent(t *testing.T, st humop.Store) {
	const scope = "operator:op_01JQ8ZV4Y9D8GJ0X5ZKQ4W3M2N"
	checkRecord(t, "empty store", st, scope, "k1", nil)

	r := newRecord(scope, "k1", stamp)
	sep := newRecord("agent:ag_1", "k:x", stamp)
	putRecords(t, st, r, sep)

	for _, tc := range []struct{ scope, key string }{
		{scope, "k2"},
		{scope, "K1"},
		{"agent:ag_01JQ8ZV4Y9D8GJ0X5ZKQ4W3M2N", "k1"},
		{"", "k1"},
		{scope + "k", "1"}, // the same bytes as scope and key run together
		{scope[:len(scope)-1], "Nk1"},
		{"agent:ag_1:k", "x"}, // the same with a separator
		{"agent:ag_1:", "k:x"},
	} {
		checkRecord(t, "other scope or key", st, tc.scope, tc.key, nil)
	}
	checkRecord(t, "after Put", st, scope, "k1", &r)
	checkRecord(t, "after Put", st, sep.Scope, sep.Key, &sep)
}

func testIdemRoundTrip(t *testing.T, st humop.Store) {
	full := newRecord("operator:op_1", "3f1e9a4c-7d2b-4e8f-9a6c-1b2d3e4f5a6b", stamp)
	bare := idempotency.Record{Scope: "agent:ag_1", Key: "~ !", CreatedAt: stamp.Add(1).UTC(),
		ExpiresAt: stamp.Add(idempotency.TTL + 1).UTC()}
	putRecords(t, st, full, bare)

	for _, want := range []idempotency.Record{full, bare} {
		got := getRecord(t, st, want.Scope, want.Key)
		if got == nil {
			t.Fatalf("Get(%q, %q) = nil after Put", want.Scope, want.Key)
		}
		if diff := cmp.Diff(want, *got, recordOpts); diff != "" {
			t.Errorf("Get after Put (-want +got):\n%s", diff)
		}
		checkUTC(t, "record "+want.Key, got.CreatedAt, got.ExpiresAt)
	}
}

func testIdemInFlight(t *testing.T, st humop.Store) {
	const scope, key = "operator:op_1", "pay-once"
	first := newRecord(scope, key, stamp)
	putRecords(t, st, first)

	// A request that finishes a nanosecond before the first record expires.
	late := newRecord(scope, key, first.ExpiresAt.Add(-1))
	late.Status = 402
	err := st.Update(context.Background(), func(tx humop.Tx) error { return tx.Idempotency().Put(late) })
	if !errors.Is(err, idempotency.ErrInFlight) {
		t.Errorf("Update putting over an unexpired record = %v, want ErrInFlight", err)
	}
	// A transaction that goes on after the refusal commits, but not the
	// refused record.
	update(t, st, func(tx humop.Tx) error {
		if err := tx.Idempotency().Put(newRecord(scope, key, stamp)); !errors.Is(err, idempotency.ErrInFlight) {
			t.Errorf("Put over an unexpired record = %v, want ErrInFlight", err)
		}
		return nil
	})
	checkRecord(t, "after refused Puts", st, scope, key, &first)

	// Within one Update, the first Put of a key holds it.
	a, b := newRecord(scope, "new-key", stamp), newRecord(scope, "new-key", stamp.Add(time.Minute))
	update(t, st, func(tx humop.Tx) error {
		if err := tx.Idempotency().Put(a); err != nil {
			return err
		}
		if err := tx.Idempotency().Put(b); !errors.Is(err, idempotency.ErrInFlight) {
			t.Errorf("second Put of a key in one Update = %v, want ErrInFlight", err)
		}
		return nil
	})
	checkRecord(t, "after two Puts in one Update", st, scope, "new-key", &a)
}

func testIdemReplaceExpired(t *testing.T, st humop.Store) {
	const scope, key = "operator:op_1", "k"
	first := newRecord(scope, key, stamp)
	putRecords(t, st, first)

	next := newRecord(scope, key, first.ExpiresAt) // expired at exactly TTL
	next.Status = 200
	putRecords(t, st, next)
	checkRecord(t, "after Put over an expired record", st, scope, key, &next)

	// The replaced record is gone for good: DeleteExpired at its expiry
	// removes nothing.
	if n := deleteExpired(t, st, next.ExpiresAt.Add(-1)); n != 0 {
		t.Errorf("DeleteExpired(before the new record expires) = %d, want 0", n)
	}
	checkRecord(t, "after DeleteExpired", st, scope, key, &next)
	if n := deleteExpired(t, st, next.ExpiresAt); n != 1 {
		t.Errorf("DeleteExpired(when the new record expires) = %d, want 1", n)
	}
	checkRecord(t, "after DeleteExpired", st, scope, key, nil)
}

// expiringRecords returns records that expire before, at and after now,
// and which of them have expired.
func expiringRecords(now time.Time) (rs []idempotency.Record, expired []bool) {
	start := now.Add(-idempotency.TTL)
	for i, d := range []time.Duration{-48 * time.Hour, -time.Hour, -1, 0, 1, time.Hour, idempotency.TTL} {
		rs = append(rs, newRecord(fmt.Sprintf("operator:op_%d", i%3), fmt.Sprintf("key-%d", i), start.Add(d)))
		expired = append(expired, d <= 0)
	}
	return rs, expired
}

func testIdemDeleteExpired(t *testing.T, st humop.Store) {
	now := stamp.Add(30 * time.Hour)
	rs, expired := expiringRecords(now)
	putRecords(t, st, rs[4:]...)
	putRecords(t, st, rs[:4]...)

	if n := deleteExpired(t, st, now); n != 4 {
		t.Errorf("DeleteExpired = %d, want 4", n)
	}
	for i, r := range rs {
		want := &r
		if expired[i] {
			want = nil
		}
		checkRecord(t, fmt.Sprintf("after DeleteExpired (expired: %v)", expired[i]), st, r.Scope, r.Key, want)
	}
	if n := deleteExpired(t, st, now); n != 0 {
		t.Errorf("second DeleteExpired = %d, want 0", n)
	}
	if n := deleteExpired(t, st, now.Add(idempotency.TTL*2)); n != 3 {
		t.Errorf("DeleteExpired(when all have expired) = %d, want 3", n)
	}
}

func testIdemDeleteInOneUpdate(t *testing.T, st humop.Store) {
	now := stamp.Add(30 * time.Hour)
	rs, _ := expiringRecords(now)
	putRecords(t, st, rs...)

	late := newRecord("operator:op_9", "late", now.Add(-idempotency.TTL-time.Hour))
	update(t, st, func(tx humop.Tx) error {
		s := tx.Idempotency()
		for _, want := range []int{4, 0} {
			if n, err := s.DeleteExpired(now); err != nil || n != want {
				t.Errorf("DeleteExpired in one Update = %d, %v, want %d", n, err, want)
			}
		}
		if err := s.Put(late); err != nil { // expired when put
			return err
		}
		if n, err := s.DeleteExpired(now); err != nil || n != 1 {
			t.Errorf("DeleteExpired after putting an expired record = %d, %v, want 1", n, err)
		}
		return nil
	})
	checkRecord(t, "after DeleteExpired", st, late.Scope, late.Key, nil)
	if n := deleteExpired(t, st, now); n != 0 {
		t.Errorf("DeleteExpired in the next Update = %d, want 0", n)
	}
}

func testIdemCopies(t *testing.T, st humop.Store) {
	want := newRecord("operator:op_1", "k", stamp)
	put := want.Clone()
	update(t, st, func(tx humop.Tx) error {
		if err := tx.Idempotency().Put(put); err != nil {
			return err
		}
		put.Result[0] = 'X' // after Put, in the same Update
		got, err := tx.Idempotency().Get(want.Scope, want.Key)
		if err != nil {
			return err
		}
		got.Result[1] = 'Y'
		return nil
	})
	put.Result[2] = 'Z'

	got := getRecord(t, st, want.Scope, want.Key)
	got.Result[3] = 'W'
	got.Fingerprint[0] ^= 0xff
	checkRecord(t, "after changing put and returned records", st, want.Scope, want.Key, &want)
}

func testIdemFailedUpdate(t *testing.T, st humop.Store) {
	old := newRecord("operator:op_1", "old", stamp)
	putRecords(t, st, old)

	fresh := newRecord("operator:op_1", "fresh", stamp.Add(idempotency.TTL))
	err := st.Update(context.Background(), func(tx humop.Tx) error {
		s := tx.Idempotency()
		if n, err := s.DeleteExpired(stamp.Add(idempotency.TTL)); err != nil || n != 1 {
			t.Errorf("DeleteExpired = %d, %v, want 1", n, err)
		}
		if err := s.Put(fresh); err != nil {
			return err
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("Update = %v, want the function's error", err)
	}

	checkRecord(t, "after failed Update", st, fresh.Scope, fresh.Key, nil)
	checkRecord(t, "after failed Update", st, old.Scope, old.Key, &old)
	putRecords(t, st, fresh)
}

func testIdemViewReadOnly(t *testing.T, st humop.Store) {
	old := newRecord("operator:op_1", "old", stamp)
	putRecords(t, st, old)

	r := newRecord("operator:op_1", "new", stamp)
	err := st.View(context.Background(), func(tx humop.Tx) error {
		if err := tx.Idempotency().Put(r); err == nil {
			t.Error("Put in View = nil, want an error")
		}
		if _, err := tx.Idempotency().DeleteExpired(old.ExpiresAt); err == nil {
			t.Error("DeleteExpired in View = nil, want an error")
		}
		return nil
	})
	if err != nil {
		t.Fatalf("View = %v, want nil", err)
	}
	checkRecord(t, "after Put in View", st, r.Scope, r.Key, nil)
	checkRecord(t, "after DeleteExpired in View", st, old.Scope, old.Key, &old)
}

func testIdemConcurrentPut(t *testing.T, st humop.Store) {
	const n = 32
	rs := make([]idempotency.Record, n)
	errs := make([]error, n)
	for i := range rs {
		rs[i] = newRecord("agent:ag_1", "same-key", stamp.Add(time.Duration(i)*time.Second))
	}
	concurrently(n, func(i int) {
		errs[i] = st.Update(context.Background(), func(tx humop.Tx) error { return tx.Idempotency().Put(rs[i]) })
	})

	var won []int
	for i, err := range errs {
		switch {
		case err == nil:
			won = append(won, i)
		case !errors.Is(err, idempotency.ErrInFlight):
			t.Errorf("Put %d = %v, want nil or ErrInFlight", i, err)
		}
	}
	if len(won) != 1 {
		t.Fatalf("%d of %d concurrent Puts of one key succeeded (%v), want exactly 1", len(won), n, won)
	}
	checkRecord(t, "after concurrent Puts", st, "agent:ag_1", "same-key", &rs[won[0]])
}
