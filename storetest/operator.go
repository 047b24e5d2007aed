package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/humop/humop"
	"github.com/humop/humop/operator"
)

var operatorChecks = []check{
	{"inserted operator reads back unchanged", testOperatorRoundTrip},
	{"operator with only required fields reads back unchanged", testOperatorMinimal},
	{"unknown or malformed id is ErrNotFound", testOperatorNotFound},
	{"email is unique ignoring case and surrounding spaces", testEmailUnique},
	{"refused insert leaves no record or index entry", testRefusedInsert},
	{"subject is unique", testSubjectUnique},
	{"operators without subject do not clash", testNoSubject},
	{"by subject finds the linked operator", testBySubject},
	{"unknown or empty subject is ErrNotFound", testBySubjectNotFound},
	{"replace changes the profile but keeps the email", testReplace},
	{"replace of unknown operator is ErrNotFound", testReplaceNotFound},
	{"replace moves the subject index", testReplaceMovesSubject},
	{"replace removing the subject frees it", testReplaceDropsSubject},
	{"replace onto a held subject is ErrSubjectTaken and changes nothing", testReplaceSubjectTaken},
	{"replace keeping its subject succeeds", testReplaceSameSubject},
	{"changing a returned operator does not change the store", testOperatorCopyOut},
	{"changing an inserted operator afterwards does not change the store", testOperatorCopyIn},
	{"concurrent inserts of one email admit exactly one", testConcurrentSameEmail},
	{"concurrent inserts of distinct operators all land", testConcurrentDistinct},
}

func testOperatorRoundTrip(t *testing.T, st humop.Store) {
	want := newOperator("maria@example.com", "user_2abc")
	insert(t, st, want)

	got := mustGet(t, st, want.ID)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Get after Insert (-want +got):\n%s", diff)
	}
}

func testOperatorMinimal(t *testing.T, st humop.Store) {
	want := &operator.Operator{
		ID: newID(), Name: "Ana", Email: "ana@example.com", Rating: operator.InitialRating,
		CreatedAt: stamp, UpdatedAt: stamp,
	}
	insert(t, st, want)

	got := mustGet(t, st, want.ID)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Get after Insert (-want +got):\n%s", diff)
	}
}

func testOperatorNotFound(t *testing.T, st humop.Store) {
	known := newOperator("maria@example.com", "")
	insert(t, st, known)

	for _, id := range []string{
		newID(), // well formed, never inserted
		"",
		operator.IDPrefix,
		"op_not-a-ulid",
		known.ID[len(operator.IDPrefix):], // the ULID without its prefix
		"xx_" + known.ID[len(operator.IDPrefix):],
	} {
		if _, err := getOperator(st, id); !errors.Is(err, operator.ErrNotFound) {
			t.Errorf("Get(%q) = %v, want ErrNotFound", id, err)
		}
	}
}

func testEmailUnique(t *testing.T, st humop.Store) {
	insert(t, st, newOperator("maria@example.com", ""))

	for _, email := range []string{
		"maria@example.com",
		"MARIA@example.com",
		"maria@EXAMPLE.COM",
		"  Maria@Example.Com ",
		"\tmaria@example.com\n",
	} {
		err := st.Update(context.Background(), func(tx humop.Tx) error {
			return tx.Operators().Insert(newOperator(email, ""))
		})
		if !errors.Is(err, operator.ErrEmailTaken) {
			t.Errorf("Insert with email %q = %v, want ErrEmailTaken", email, err)
		}
	}

	// Other addresses are still free.
	insert(t, st, newOperator("maria@example.org", ""), newOperator("maria2@example.com", ""))
}

// testRefusedInsert commits an Update whose Insert was refused, so only the
// store, not the rollback of a failed Update, can keep the refused operator
// out.
func testRefusedInsert(t *testing.T, st humop.Store) {
	first := newOperator("maria@example.com", "sub-1")
	insert(t, st, first)

	dupEmail := newOperator("MARIA@example.com", "sub-2")
	dupSubject := newOperator("other@example.com", "sub-1")
	update(t, st, func(tx humop.Tx) error {
		if err := tx.Operators().Insert(dupEmail); !errors.Is(err, operator.ErrEmailTaken) {
			t.Errorf("Insert with a taken email = %v, want ErrEmailTaken", err)
		}
		if err := tx.Operators().Insert(dupSubject); !errors.Is(err, operator.ErrSubjectTaken) {
			t.Errorf("Insert with a taken subject = %v, want ErrSubjectTaken", err)
		}
		return nil
	})

	for _, op := range []*operator.Operator{dupEmail, dupSubject} {
		if _, err := getOperator(st, op.ID); !errors.Is(err, operator.ErrNotFound) {
			t.Errorf("Get(refused %s) = %v, want ErrNotFound", op.Email, err)
		}
	}
	// The refused operators' other keys were not indexed.
	if _, err := bySubject(st, "sub-2"); !errors.Is(err, operator.ErrNotFound) {
		t.Errorf("BySubject(refused subject) = %v, want ErrNotFound", err)
	}
	insert(t, st, newOperator("other@example.com", "sub-2"))
	if got := mustGet(t, st, first.ID); got.Subject != "sub-1" || got.Email != first.Email {
		t.Errorf("first operator = %s %s, want %s %s", got.Email, got.Subject, first.Email, "sub-1")
	}
}

func testSubjectUnique(t *testing.T, st humop.Store) {
	insert(t, st, newOperator("maria@example.com", "user_2abc"))

	err := st.Update(context.Background(), func(tx humop.Tx) error {
		return tx.Operators().Insert(newOperator("ana@example.com", "user_2abc"))
	})
	if !errors.Is(err, operator.ErrSubjectTaken) {
		t.Errorf("Insert with a taken subject = %v, want ErrSubjectTaken", err)
	}
}

func testNoSubject(t *testing.T, st humop.Store) {
	a, b := newOperator("a@example.com", ""), newOperator("b@example.com", "")
	insert(t, st, a)
	insert(t, st, b)

	for _, op := range []*operator.Operator{a, b} {
		if got := mustGet(t, st, op.ID); got.Subject != "" {
			t.Errorf("Get(%s).Subject = %q, want empty", op.ID, got.Subject)
		}
	}
}

func testBySubject(t *testing.T, st humop.Store) {
	want := newOperator("maria@example.com", "user_2abc")
	insert(t, st, newOperator("ana@example.com", "user_2xyz"), want, newOperator("li@example.com", ""))

	got, err := bySubject(st, "user_2abc")
	if err != nil {
		t.Fatalf("BySubject = %v, want the operator", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("BySubject (-want +got):\n%s", diff)
	}
}

func testBySubjectNotFound(t *testing.T, st humop.Store) {
	insert(t, st, newOperator("maria@example.com", "user_2abc"), newOperator("ana@example.com", ""))

	for _, subject := range []string{"", "user_2ABC", "user_2abd"} {
		if _, err := bySubject(st, subject); !errors.Is(err, operator.ErrNotFound) {
			t.Errorf("BySubject(%q) = %v, want ErrNotFound", subject, err)
		}
	}
}

func testReplace(t *testing.T, st humop.Store) {
	op := newOperator("maria@example.com", "")
	insert(t, st, op)

	next := op.Clone()
	next.Name = "Maria L."
	next.Phone = ""
	next.Location = &operator.Location{Country: "ES"}
	next.Rating = 312
	next.UpdatedAt = stamp.Add(72*time.Hour + 7)
	next.Email = "someone-else@example.com" // must be ignored
	update(t, st, func(tx humop.Tx) error { return tx.Operators().Replace(next) })

	want := next.Clone()
	want.Email = op.Email
	if diff := cmp.Diff(want, mustGet(t, st, op.ID)); diff != "" {
		t.Errorf("Get after Replace (-want +got):\n%s", diff)
	}
	// The email index still holds the original address, and only it.
	err := st.Update(context.Background(), func(tx humop.Tx) error {
		return tx.Operators().Insert(newOperator(" Maria@example.com", ""))
	})
	if !errors.Is(err, operator.ErrEmailTaken) {
		t.Errorf("Insert with the kept email = %v, want ErrEmailTaken", err)
	}
	insert(t, st, newOperator("someone-else@example.com", ""))
}

func testReplaceNotFound(t *testing.T, st humop.Store) {
	for _, op := range []*operator.Operator{
		newOperator("maria@example.com", ""),
		{ID: "op_not-a-ulid", Email: "x@example.com"},
	} {
		err := st.Update(context.Background(), func(tx humop.Tx) error { return tx.Operators().Replace(op) })
		if !errors.Is(err, operator.ErrNotFound) {
			t.Errorf("Replace(%q) = %v, want ErrNotFound", op.ID, err)
		}
		if _, err := getOperator(st, op.ID); !errors.Is(err, operator.ErrNotFound) {
			t.Errorf("Get(%q) after Replace = %v, want ErrNotFound", op.ID, err)
		}
	}
}

func testReplaceMovesSubject(t *testing.T, st humop.Store) {
	op := newOperator("maria@example.com", "old-sub")
	insert(t, st, op)

	next := op.Clone()
	next.Subject = "new-sub"
	update(t, st, func(tx humop.Tx) error { return tx.Operators().Replace(next) })

	got, err := bySubject(st, "new-sub")
	if err != nil || got.ID != op.ID {
		t.Errorf("BySubject(new) = %v, %v, want %s", got, err, op.ID)
	}
	if _, err := bySubject(st, "old-sub"); !errors.Is(err, operator.ErrNotFound) {
		t.Errorf("BySubject(old) = %v, want ErrNotFound", err)
	}
	insert(t, st, newOperator("ana@example.com", "old-sub"))
}

func testReplaceDropsSubject(t *testing.T, st humop.Store) {
	op := newOperator("maria@example.com", "sub-1")
	insert(t, st, op)

	next := op.Clone()
	next.Subject = ""
	update(t, st, func(tx humop.Tx) error { return tx.Operators().Replace(next) })

	if _, err := bySubject(st, "sub-1"); !errors.Is(err, operator.ErrNotFound) {
		t.Errorf("BySubject(dropped) = %v, want ErrNotFound", err)
	}
	if got := mustGet(t, st, op.ID); got.Subject != "" {
		t.Errorf("Subject after dropping it = %q, want empty", got.Subject)
	}
	insert(t, st, newOperator("ana@example.com", "sub-1"))
}

func testReplaceSubjectTaken(t *testing.T, st humop.Store) {
	a, b := newOperator("a@example.com", "sub-a"), newOperator("b@example.com", "sub-b")
	insert(t, st, a, b)

	next := b.Clone()
	next.Subject = "sub-a"
	next.Name = "Changed"
	err := st.Update(context.Background(), func(tx humop.Tx) error { return tx.Operators().Replace(next) })
	if !errors.Is(err, operator.ErrSubjectTaken) {
		t.Fatalf("Replace onto a held subject = %v, want ErrSubjectTaken", err)
	}

	if diff := cmp.Diff(b, mustGet(t, st, b.ID)); diff != "" {
		t.Errorf("operator after refused Replace (-want +got):\n%s", diff)
	}
	for subject, id := range map[string]string{"sub-a": a.ID, "sub-b": b.ID} {
		if got, err := bySubject(st, subject); err != nil || got.ID != id {
			t.Errorf("BySubject(%s) = %v, %v, want %s", subject, got, err, id)
		}
	}
}

func testReplaceSameSubject(t *testing.T, st humop.Store) {
	op := newOperator("maria@example.com", "sub-1")
	insert(t, st, op)

	next := op.Clone()
	next.Name = "Maria L."
	update(t, st, func(tx humop.Tx) error { return tx.Operators().Replace(next) })

	got, err := bySubject(st, "sub-1")
	if err != nil {
		t.Fatalf("BySubject = %v, want the operator", err)
	}
	if diff := cmp.Diff(next, got); diff != "" {
		t.Errorf("BySubject after Replace (-want +got):\n%s", diff)
	}
}

func testOperatorCopyOut(t *testing.T, st humop.Store) {
	want := newOperator("maria@example.com", "sub-1")
	insert(t, st, want.Clone())

	got := mustGet(t, st, want.ID)
	got.Name = "Changed"
	got.Location.City = "Changed"
	got.Subject = "changed"
	update(t, st, func(tx humop.Tx) error {
		op, err := tx.Operators().Get(want.ID)
		if err != nil {
			return err
		}
		op.Name = "Changed in Update"
		op.Location.Country = "XX"
		return nil
	})

	if diff := cmp.Diff(want, mustGet(t, st, want.ID)); diff != "" {
		t.Errorf("Get after changing returned values (-want +got):\n%s", diff)
	}
}

func testOperatorCopyIn(t *testing.T, st humop.Store) {
	want := newOperator("maria@example.com", "sub-1")
	op := want.Clone()
	update(t, st, func(tx humop.Tx) error {
		if err := tx.Operators().Insert(op); err != nil {
			return err
		}
		op.Name = "Changed in Update"
		op.Location.City = "Changed in Update"
		return nil
	})
	op.Name = "Changed"
	op.Location.City = "Changed"

	if diff := cmp.Diff(want, mustGet(t, st, want.ID)); diff != "" {
		t.Errorf("Get after changing the inserted value (-want +got):\n%s", diff)
	}
}

// concurrently calls fn(i) for i in [0, n) from n goroutines released at once.
func concurrently(n int, fn func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			fn(i)
		})
	}
	close(start)
	wg.Wait()
}

func testConcurrentSameEmail(t *testing.T, st humop.Store) {
	const n = 50
	variants := []string{"maria@example.com", " Maria@Example.com", "MARIA@EXAMPLE.COM ", "\tmaria@example.COM"}
	ops := make([]*operator.Operator, n)
	errs := make([]error, n)
	for i := range ops {
		ops[i] = newOperator(variants[i%len(variants)], fmt.Sprintf("sub-%d", i))
	}
	concurrently(n, func(i int) {
		errs[i] = st.Update(context.Background(), func(tx humop.Tx) error {
			return tx.Operators().Insert(ops[i])
		})
	})

	var won []int
	for i, err := range errs {
		switch {
		case err == nil:
			won = append(won, i)
		case !errors.Is(err, operator.ErrEmailTaken):
			t.Errorf("Insert %d = %v, want nil or ErrEmailTaken", i, err)
		}
	}
	if len(won) != 1 {
		t.Fatalf("%d of %d concurrent Inserts of one email succeeded (%v), want exactly 1", len(won), n, won)
	}
	for i, op := range ops {
		_, err := getOperator(st, op.ID)
		if i == won[0] && err != nil {
			t.Errorf("Get(winner) = %v, want the operator", err)
		}
		if i != won[0] && !errors.Is(err, operator.ErrNotFound) {
			t.Errorf("Get(loser %d) = %v, want ErrNotFound", i, err)
		}
	}
}

func testConcurrentDistinct(t *testing.T, st humop.Store) {
	const n = 50
	ops := make([]*operator.Operator, n)
	errs := make([]error, n)
	for i := range ops {
		ops[i] = newOperator(fmt.Sprintf("op%d@example.com", i), fmt.Sprintf("sub-%d", i))
	}
	concurrently(n, func(i int) {
		errs[i] = st.Update(context.Background(), func(tx humop.Tx) error {
			return tx.Operators().Insert(ops[i])
		})
	})

	for i, op := range ops {
		if errs[i] != nil {
			t.Errorf("Insert %d = %v, want nil", i, errs[i])
			continue
		}
		if diff := cmp.Diff(op, mustGet(t, st, op.ID)); diff != "" {
			t.Errorf("Get(%d) (-want +got):\n%s", i, diff)
		}
		if got, err := bySubject(st, op.Subject); err != nil || got.ID != op.ID {
			t.Errorf("BySubject(%s) = %v, %v, want %s", op.Subject, got, err, op.ID)
		}
	}
}
