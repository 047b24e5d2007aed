package kyc_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/humop/humop/kyc"
)

var day0 = time.Date(2026, 4, 2, 12, 0, 0, 0, time.UTC)

func completeSubmission(t *testing.T) kyc.Submission {
	t.Helper()
	s, err := kyc.Check(kyc.RawSubmission{
		IDDocument:     &kyc.RawDocument{Type: "PASSPORT", Country: "de", FileURL: "https://f.example.com/id"},
		Selfie:         &kyc.RawDocument{FileURL: "https://f.example.com/selfie"},
		ProofOfAddress: &kyc.RawDocument{Type: "BANK_STATEMENT", IssuedOn: "2026-03-01", FileURL: "https://f.example.com/poa"},
	}, day0)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// event is one thing that can happen to a case: a submission, or a
// reviewer's decision about some review.
type event struct {
	name string
	// submit is true for a submission; otherwise d is a decision.
	submit bool
	d      kyc.Decision
}

func decision(review int, st kyc.Status, final bool) event {
	return event{
		name: fmt.Sprintf("decide(%d,%s,final=%v)", review, st, final),
		d:    kyc.Decision{Review: review, Status: st, Reason: "r", Final: final, Actor: "provider"},
	}
}

// TestNoOrderingOfEventsBreaksTheRules applies every ordering of a set of
// submissions and provider decisions (late, repeated, contradictory, about
// reviews that do not exist yet) and checks after every step that the case
// obeys its rules.
func TestNoOrderingOfEventsBreaksTheRules(t *testing.T) {
	sub := event{name: "submit", submit: true}
	events := []event{
		sub, sub,
		decision(1, kyc.Rejected, false),
		decision(1, kyc.Approved, false),
		decision(2, kyc.Approved, false),
		decision(2, kyc.Rejected, true),
		decision(1, kyc.Rejected, false), // a duplicate
	}
	s := completeSubmission(t)
	orders := 0
	permute(len(events), func(order []int) {
		orders++
		c := kyc.Open("op_1", day0)
		for step, i := range order {
			ev := events[i]
			before := c.Clone()
			var next *kyc.Case
			var err error
			if ev.submit {
				next, err = c.Submit(s, day0.Add(time.Duration(step)*time.Minute))
			} else {
				next, _, err = c.Decide(ev.d, day0.Add(time.Duration(step)*time.Minute))
			}
			if err != nil {
				if diff := cmp.Diff(before, next); diff != "" {
					t.Fatalf("%s failed (%v) but changed the case (-before +after):\n%s", ev.name, err, diff)
				}
				continue
			}
			checkRules(t, before, next, ev.name, order)
			c = next
		}
	})
	if orders != 5040 {
		t.Fatalf("tried %d orders, want 7! = 5040", orders)
	}
}

func checkRules(t *testing.T, before, after *kyc.Case, what string, order []int) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("order %v, after %s: "+format, append([]any{order, what}, args...)...)
	}
	if before.Status == kyc.Approved && after.Status != kyc.Approved {
		fail("an approved case moved to %s", after.Status)
	}
	if before.Status == kyc.Rejected && before.Final && (after.Status != kyc.Rejected || !after.Final) {
		fail("a final rejection moved to %s", after.Status)
	}
	if after.Review < before.Review {
		fail("review number went back from %d to %d", before.Review, after.Review)
	}
	if len(after.History) < len(before.History) {
		fail("history shrank")
	}
	if diff := cmp.Diff(before.History, after.History[:len(before.History)]); diff != "" {
		fail("history was rewritten (-before +after):\n%s", diff)
	}
	if !kyc.CanMove(before.Status, after.Status) && before.Status != after.Status {
		fail("moved %s to %s against the table", before.Status, after.Status)
	}
	if after.Status == kyc.Approved {
		last := after.History[len(after.History)-1]
		if after.Submission == nil || after.Submission.Complete() != nil || after.ReviewOpen ||
			last.To != kyc.Approved || last.Review != after.Review || last.Review == 0 {
			fail("approved without a decided review of a complete submission: %+v", after)
		}
	}
}

// permute calls fn with every permutation of 0..n-1 (Heap's algorithm).
func permute(n int, fn func([]int)) {
	a := make([]int, n)
	for i := range a {
		a[i] = i
	}
	var gen func(k int)
	gen = func(k int) {
		if k == 1 {
			fn(a)
			return
		}
		gen(k - 1)
		for i := 0; i < k-1; i++ {
			if k%2 == 0 {
				a[i], a[k-1] = a[k-1], a[i]
			} else {
				a[0], a[k-1] = a[k-1], a[0]
			}
			gen(k - 1)
		}
	}
	gen(n)
}
