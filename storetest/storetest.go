// Package storetest checks that a humop.Store keeps humop's storage
// contract, in the way testing/fstest.TestFS checks a file system. Every
// adapter runs it from its own tests:
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) humop.Store { return &memstore.Store{} })
//	}
//
// The contract: an Update happens whole or not at all, and sees its own
// writes; a View cannot write; a cancelled context runs nothing; values go
// in and come out as copies; every domain store returns its domain's
// sentinel errors (operator.ErrNotFound, operator.ErrEmailTaken, ...) so that
// errors.Is works on them; unique keys stay unique under concurrent Updates;
// and times come back equal to the nanosecond.
//
// Each domain's checks live in a file of their own (operator.go, kyc.go,
// agent.go, task.go, ledger.go, idempotency.go); a new domain adds a file and
// a line to groups.
package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/humop/humop"
	"github.com/humop/humop/operator"
	"github.com/humop/humop/skills"
)

// Run checks the stores that open returns. open is called once for every
// subtest and must return a new, empty store; it should close the store and
// check whatever else it likes with t.Cleanup. Subtests are named after the
// behaviour they check, grouped by domain.
func Run(t *testing.T, open func(t *testing.T) humop.Store) {
	t.Helper()
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, c := range g.checks {
				t.Run(c.name, func(t *testing.T) { c.fn(t, open(t)) })
			}
		})
	}
}

// check is one behaviour, run on a new store.
type check struct {
	name string
	fn   func(t *testing.T, st humop.Store)
}

// groups are the checks by domain.
var groups = []struct {
	name   string
	checks []check
}{
	{"transaction", txChecks},
	{"operator", operatorChecks},
	{"kyc", kycChecks},
	{"agent", agentChecks},
	{"task", taskChecks},
	{"ledger", ledgerChecks},
	{"idempotency", idempotencyChecks},
	{"outbox", outboxChecks},
}

// stamp is a time with nanoseconds in a zone other than UTC, so that a store
// that rounds times or loses their instant shows up.
var stamp = time.Date(2025, time.March, 14, 15, 9, 26, 535897932, time.FixedZone("IST", 5*3600+1800))

// newOperator returns an operator with every field set and a new id.
func newOperator(email, subject string) *operator.Operator {
	return &operator.Operator{
		ID:        newID(),
		Name:      "Maria Lopez",
		Email:     email,
		Phone:     "+14155550100",
		Location:  &operator.Location{City: "Lisbon", Country: "PT"},
		Skills:    skills.Of(skills.Photo, skills.Delivery, skills.FormFilling),
		Subject:   subject,
		Rating:    487,
		CreatedAt: stamp,
		UpdatedAt: stamp.Add(36*time.Hour + 1),
	}
}

// newID returns a new operator id, as humop.Service makes them.
func newID() string { return operator.IDPrefix + ulid.Make().String() }

// update runs fn in an Update and fails the test when it returns an error.
func update(t *testing.T, st humop.Store, fn func(humop.Tx) error) {
	t.Helper()
	if err := st.Update(context.Background(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

// view runs fn in a View and fails the test when it returns an error.
func view(t *testing.T, st humop.Store, fn func(humop.Tx) error) {
	t.Helper()
	if err := st.View(context.Background(), fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

// insert inserts the operators in one Update.
func insert(t *testing.T, st humop.Store, ops ...*operator.Operator) {
	t.Helper()
	update(t, st, func(tx humop.Tx) error {
		for _, op := range ops {
			if err := tx.Operators().Insert(op); err != nil {
				return err
			}
		}
		return nil
	})
}

// getOperator reads one operator in a View.
func getOperator(st humop.Store, id string) (*operator.Operator, error) {
	var op *operator.Operator
	err := st.View(context.Background(), func(tx humop.Tx) error {
		var err error
		op, err = tx.Operators().Get(id)
		return err
	})
	return op, err
}

// bySubject reads one operator by subject in a View.
func bySubject(st humop.Store, subject string) (*operator.Operator, error) {
	var op *operator.Operator
	err := st.View(context.Background(), func(tx humop.Tx) error {
		var err error
		op, err = tx.Operators().BySubject(subject)
		return err
	})
	return op, err
}

// mustGet reads one operator and fails the test when it cannot.
func mustGet(t *testing.T, st humop.Store, id string) *operator.Operator {
	t.Helper()
	op, err := getOperator(st, id)
	if err != nil {
		t.Fatalf("Get(%s) = %v, want the operator", id, err)
	}
	return op
}
