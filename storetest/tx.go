package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/humop/humop"
	"github.com/humop/humop/kyc"
	"github.com/humop/humop/operator"
	"github.com/humop/humop/skills"
	"github.com/humop/humop/task"
)

var txChecks = []check{
	{"failed update writes nothing", testFailedUpdate},
	{"update sees its own writes", testReadOwnWrites},
	{"view cannot write", testViewReadOnly},
	{"cancelled context runs nothing", testCancelled},
	{"panicking update writes nothing", testPanickingUpdate},
	{"failed updates do not undo concurrent ones", testConcurrentFailures},
}

// errBoom is a use case's own failure.
var errBoom = errors.New("storetest: boom")

func testFailedUpdate(t *testing.T, st humop.Store) {
	kept := newOperator("kept@example.com", "kept-sub")
	insert(t, st, kept)
	putCase(t, st, kyc.Open(kept.ID, stamp))

	op := newOperator("maria@example.com", "user_2abc")
	err := st.Update(context.Background(), func(tx humop.Tx) error {
		if err := tx.Operators().Insert(op); err != nil {
			return err
		}
		if err := tx.KYC().Put(newCase(op.ID)); err != nil {
			return err
		}
		next := kept.Clone()
		next.Name = "Changed"
		next.Subject = "moved-sub"
		if err := tx.Operators().Replace(next); err != nil {
			return err
		}
		if err := tx.KYC().Put(newRejectedCase(kept.ID)); err != nil {
			return err
		}
		return fmt.Errorf("use case: %w", errBoom)
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("Update = %v, want the function's error", err)
	}

	if _, err := getOperator(st, op.ID); !errors.Is(err, operator.ErrNotFound) {
		t.Errorf("Get(inserted in failed Update) = %v, want ErrNotFound", err)
	}
	if _, err := getCase(st, op.ID); !errors.Is(err, kyc.ErrNotFound) {
		t.Errorf("KYC().Get(put in failed Update) = %v, want ErrNotFound", err)
	}
	if diff := cmp.Diff(kept, mustGet(t, st, kept.ID)); diff != "" {
		t.Errorf("operator replaced in failed Update (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(kyc.Open(kept.ID, stamp), mustGetCase(t, st, kept.ID), caseOpts); diff != "" {
		t.Errorf("case put in failed Update (-want +got):\n%s", diff)
	}
	for subject, want := range map[string]error{"user_2abc": operator.ErrNotFound, "moved-sub": operator.ErrNotFound, "kept-sub": nil} {
		if _, err := bySubject(st, subject); !errors.Is(err, want) {
			t.Errorf("BySubject(%s) = %v, want %v", subject, err, want)
		}
	}
	// No index entry of the failed insert is left to refuse a new one.
	insert(t, st, newOperator("MARIA@example.com", "user_2abc"))

	// Each kind of write on its own is undone too.
	replaced := kept.Clone()
	replaced.Name = "Changed"
	keptTask := newTask(testAgentID, skills.Photo, 0)
	insertTasks(t, st, keptTask)
	claimed := keptTask.Clone()
	claimed.Status, claimed.OperatorID = task.EstimatePending, kept.ID
	soloAgent := newAgent("solo@acme.example")
	for name, write := range map[string]func(humop.Tx) error{
		"Agents().Insert":         func(tx humop.Tx) error { return tx.Agents().Insert(soloAgent) },
		"Tasks().Insert":          func(tx humop.Tx) error { return tx.Tasks().Insert(newTask(testAgentID, skills.Photo, 1)) },
		"Tasks().Replace":         func(tx humop.Tx) error { return tx.Tasks().Replace(claimed) },
		"Insert":                  func(tx humop.Tx) error { return tx.Operators().Insert(newOperator("solo@example.com", "")) },
		"Replace":                 func(tx humop.Tx) error { return tx.Operators().Replace(replaced) },
		"KYC().Put over a case":   func(tx humop.Tx) error { return tx.KYC().Put(newRejectedCase(kept.ID)) },
		"KYC().Put of a new case": func(tx humop.Tx) error { return tx.KYC().Put(newCase(newID())) },
	} {
		err := st.Update(context.Background(), func(tx humop.Tx) error {
			if err := write(tx); err != nil {
				return err
			}
			return errBoom
		})
		if !errors.Is(err, errBoom) {
			t.Errorf("Update failing after %s = %v, want the function's error", name, err)
		}
	}
	insert(t, st, newOperator("solo@example.com", ""))
	insertAgents(t, st, soloAgent)
	checkList(t, "ListByAgent after failed task writes",
		list(t, st, func(s task.Store) ([]*task.Task, int, error) { return s.ListByAgent(testAgentID, "", 0, 10) }),
		keptTask)
	checkList(t, "ListByOperator after failed Replace",
		list(t, st, func(s task.Store) ([]*task.Task, int, error) { return s.ListByOperator(kept.ID, 0, 10) }))
	if diff := cmp.Diff(kept, mustGet(t, st, kept.ID)); diff != "" {
		t.Errorf("operator after failed Replace (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(kyc.Open(kept.ID, stamp), mustGetCase(t, st, kept.ID), caseOpts); diff != "" {
		t.Errorf("case after failed Put (-want +got):\n%s", diff)
	}
}

func testReadOwnWrites(t *testing.T, st humop.Store) {
	op := newOperator("maria@example.com", "user_2abc")
	c := newCase(op.ID)
	update(t, st, func(tx humop.Tx) error {
		ops := tx.Operators()
		if err := ops.Insert(op); err != nil {
			return err
		}
		if got, err := ops.Get(op.ID); err != nil {
			t.Errorf("Get after Insert in one Update = %v", err)
		} else if diff := cmp.Diff(op, got); diff != "" {
			t.Errorf("Get after Insert in one Update (-want +got):\n%s", diff)
		}
		if got, err := ops.BySubject(op.Subject); err != nil || got.ID != op.ID {
			t.Errorf("BySubject after Insert in one Update = %v, %v, want %s", got, err, op.ID)
		}
		if err := ops.Insert(newOperator(" Maria@example.com", "")); !errors.Is(err, operator.ErrEmailTaken) {
			t.Errorf("second Insert of the email in one Update = %v, want ErrEmailTaken", err)
		}

		next := op.Clone()
		next.Name = "Maria L."
		if err := ops.Replace(next); err != nil {
			return err
		}
		if got, err := ops.Get(op.ID); err != nil || got.Name != next.Name {
			t.Errorf("Get after Replace in one Update = %v, %v, want name %q", got, err, next.Name)
		}

		if err := tx.KYC().Put(c); err != nil {
			return err
		}
		if got, err := tx.KYC().Get(op.ID); err != nil {
			t.Errorf("KYC().Get after Put in one Update = %v", err)
		} else if diff := cmp.Diff(c, got, caseOpts); diff != "" {
			t.Errorf("KYC().Get after Put in one Update (-want +got):\n%s", diff)
		}
		return nil
	})
}

func testViewReadOnly(t *testing.T, st humop.Store) {
	kept := newOperator("kept@example.com", "kept-sub")
	insert(t, st, kept)

	op := newOperator("maria@example.com", "user_2abc")
	err := st.View(context.Background(), func(tx humop.Tx) error {
		if err := tx.Operators().Insert(op); err == nil {
			t.Error("Insert in View = nil, want an error")
		}
		next := kept.Clone()
		next.Name = "Changed"
		if err := tx.Operators().Replace(next); err == nil {
			t.Error("Replace in View = nil, want an error")
		}
		if err := tx.KYC().Put(newCase(op.ID)); err == nil {
			t.Error("KYC().Put in View = nil, want an error")
		}
		return nil
	})
	if err != nil {
		t.Fatalf("View = %v, want nil", err)
	}

	if _, err := getOperator(st, op.ID); !errors.Is(err, operator.ErrNotFound) {
		t.Errorf("Get(inserted in View) = %v, want ErrNotFound", err)
	}
	if _, err := getCase(st, op.ID); !errors.Is(err, kyc.ErrNotFound) {
		t.Errorf("KYC().Get(put in View) = %v, want ErrNotFound", err)
	}
	if diff := cmp.Diff(kept, mustGet(t, st, kept.ID)); diff != "" {
		t.Errorf("operator replaced in View (-want +got):\n%s", diff)
	}
	insert(t, st, op)
}

func testCancelled(t *testing.T, st humop.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	op := newOperator("maria@example.com", "user_2abc")
	err := st.Update(ctx, func(tx humop.Tx) error {
		if err := tx.Operators().Insert(op); err != nil {
			return err
		}
		return tx.KYC().Put(kyc.Open(op.ID, stamp))
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Update with a cancelled context = %v, want context.Canceled", err)
	}
	err = st.View(ctx, func(tx humop.Tx) error { return nil })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("View with a cancelled context = %v, want context.Canceled", err)
	}

	if _, err := getOperator(st, op.ID); !errors.Is(err, operator.ErrNotFound) {
		t.Errorf("Get(inserted with a cancelled context) = %v, want ErrNotFound", err)
	}
	if _, err := getCase(st, op.ID); !errors.Is(err, kyc.ErrNotFound) {
		t.Errorf("KYC().Get(put with a cancelled context) = %v, want ErrNotFound", err)
	}
	insert(t, st, op)
}

// testPanickingUpdate accepts a store that passes the panic on or turns it
// into an error, but not one that keeps what the function wrote.
func testPanickingUpdate(t *testing.T, st humop.Store) {
	op := newOperator("maria@example.com", "user_2abc")
	func() {
		defer func() { _ = recover() }()
		err := st.Update(context.Background(), func(tx humop.Tx) error {
			if err := tx.Operators().Insert(op); err != nil {
				return err
			}
			panic("storetest: panic in Update")
		})
		if err == nil {
			t.Error("Update whose function panicked = nil, want a panic or an error")
		}
	}()

	// A later Update must not commit what the panicking one left behind.
	other := newOperator("ana@example.com", "")
	insert(t, st, other)
	if _, err := getOperator(st, op.ID); !errors.Is(err, operator.ErrNotFound) {
		t.Errorf("Get(inserted before a panic) = %v, want ErrNotFound", err)
	}
	insert(t, st, newOperator("maria@example.com", "user_2abc"))
}

// testConcurrentFailures runs Updates that fail after writing, fail before
// writing and succeed all at once, so that a store that commits them
// together must tell them apart.
func testConcurrentFailures(t *testing.T, st humop.Store) {
	taken := newOperator("taken@example.com", "taken-sub")
	insert(t, st, taken)

	const n = 48
	ops := make([]*operator.Operator, n)
	errs := make([]error, n)
	for i := range ops {
		ops[i] = newOperator(fmt.Sprintf("op%d@example.com", i), fmt.Sprintf("sub-%d", i))
		if i%4 == 1 {
			ops[i].Email = "TAKEN@example.com"
		}
	}
	concurrently(n, func(i int) {
		errs[i] = st.Update(context.Background(), func(tx humop.Tx) error {
			if i%4 == 2 {
				return errBoom // before writing anything
			}
			if err := tx.Operators().Insert(ops[i]); err != nil {
				return err
			}
			if err := tx.KYC().Put(kyc.Open(ops[i].ID, stamp)); err != nil {
				return err
			}
			if i%4 == 0 {
				return errBoom // after writing
			}
			return nil
		})
	})

	for i, op := range ops {
		want := map[int]error{0: errBoom, 1: operator.ErrEmailTaken, 2: errBoom, 3: nil}[i%4]
		if !errors.Is(errs[i], want) {
			t.Errorf("Update %d = %v, want %v", i, errs[i], want)
		}
		_, err := getOperator(st, op.ID)
		_, cerr := getCase(st, op.ID)
		if want == nil && (err != nil || cerr != nil) {
			t.Errorf("Update %d succeeded but Get = %v and KYC().Get = %v", i, err, cerr)
		}
		if want != nil && (!errors.Is(err, operator.ErrNotFound) || !errors.Is(cerr, kyc.ErrNotFound)) {
			t.Errorf("Update %d failed but Get = %v and KYC().Get = %v, want ErrNotFound", i, err, cerr)
		}
	}
}
