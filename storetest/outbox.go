package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/oklog/ulid/v2"

	"github.com/humop/humop"
	"github.com/humop/humop/task"
)

var outboxChecks = []check{
	{"events come back oldest first, exactly as added", testOutboxRoundTrip},
	{"removed events are gone and removing twice is harmless", testOutboxRemove},
	{"a failed update adds no event", testOutboxRollback},
	{"an event id cannot be added twice", testOutboxDuplicate},
}

func newEvent(n int, from, to task.Status) task.Event {
	return task.Event{
		ID: task.EventIDPrefix + ulid.Make().String(), TaskID: "task_01JQ8ZV4Y9D8GJ0X5ZKQ4W3M2N",
		From: from, To: to, At: stamp.Add(time.Duration(n) * time.Minute).UTC(),
		CallbackURL: "https://agent.example.com/hook", CallbackSecret: "s3cret",
	}
}

func pending(t *testing.T, st humop.Store, limit int) []task.Event {
	t.Helper()
	var out []task.Event
	view(t, st, func(tx humop.Tx) error {
		var err error
		out, err = tx.Outbox().Pending(limit)
		return err
	})
	return out
}

func testOutboxRoundTrip(t *testing.T, st humop.Store) {
	a := newEvent(0, task.Pending, task.EstimatePending)
	b := newEvent(1, task.EstimatePending, task.Accepted)
	c := newEvent(2, task.Accepted, task.InProgress)
	update(t, st, func(tx humop.Tx) error { return tx.Outbox().Add(a) })
	update(t, st, func(tx humop.Tx) error {
		if err := tx.Outbox().Add(b); err != nil {
			return err
		}
		return tx.Outbox().Add(c)
	})
	if diff := cmp.Diff([]task.Event{a, b, c}, pending(t, st, 10)); diff != "" {
		t.Errorf("Pending(10) (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]task.Event{a, b}, pending(t, st, 2)); diff != "" {
		t.Errorf("Pending(2) (-want +got):\n%s", diff)
	}
}

func testOutboxRemove(t *testing.T, st humop.Store) {
	a := newEvent(0, task.Pending, task.EstimatePending)
	b := newEvent(1, task.EstimatePending, task.Accepted)
	update(t, st, func(tx humop.Tx) error {
		if err := tx.Outbox().Add(a); err != nil {
			return err
		}
		return tx.Outbox().Add(b)
	})
	update(t, st, func(tx humop.Tx) error { return tx.Outbox().Remove(a.ID) })
	update(t, st, func(tx humop.Tx) error { return tx.Outbox().Remove(a.ID) })
	update(t, st, func(tx humop.Tx) error { return tx.Outbox().Remove("evt_not-a-ulid") })
	if diff := cmp.Diff([]task.Event{b}, pending(t, st, 10)); diff != "" {
		t.Errorf("Pending after removing the first (-want +got):\n%s", diff)
	}
	// Inside one update, a removal is seen at once.
	update(t, st, func(tx humop.Tx) error {
		if err := tx.Outbox().Remove(b.ID); err != nil {
			return err
		}
		left, err := tx.Outbox().Pending(10)
		if err == nil && len(left) != 0 {
			t.Errorf("Pending in the removing update = %v, want none", left)
		}
		return err
	})
}

func testOutboxRollback(t *testing.T, st humop.Store) {
	boom := errors.New("boom")
	err := st.Update(context.Background(), func(tx humop.Tx) error {
		if err := tx.Outbox().Add(newEvent(0, task.Pending, task.Cancelled)); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update = %v, want boom", err)
	}
	if got := pending(t, st, 10); len(got) != 0 {
		t.Errorf("Pending after a failed update = %v, want none", got)
	}
}

func testOutboxDuplicate(t *testing.T, st humop.Store) {
	e := newEvent(0, task.Pending, task.Cancelled)
	update(t, st, func(tx humop.Tx) error { return tx.Outbox().Add(e) })
	err := st.Update(context.Background(), func(tx humop.Tx) error { return tx.Outbox().Add(e) })
	if err == nil {
		t.Error("adding an event id twice succeeded")
	}
	if got := pending(t, st, 10); len(got) != 1 {
		t.Errorf("Pending = %d events, want 1", len(got))
	}
}
