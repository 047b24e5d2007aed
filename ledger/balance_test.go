package ledger_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/humop/humop/fault"
	"github.com/humop/humop/ledger"
)

// history is a ledger that exercises every kind: two earnings, one on hold
// until t0+7d; a confirmed payout; a failed and reversed payout; a bonus and
// a clawback.
func history(t *testing.T) []ledger.Entry {
	t.Helper()
	early := mustEarning(t, 1, 5000, t0, 0)
	late := mustEarning(t, 2, 1500, t0, hold)
	p1, debit1 := mustPayout(t, 3, 1000, t0.Add(time.Hour))
	_ = p1
	p2, debit2 := mustPayout(t, 4, 2000, t0.Add(2*time.Hour))
	_, reversal := mustReversal(t, 5, p2, t0.Add(3*time.Hour))
	bonus := mustAdjustment(t, 6, 300, t0.Add(4*time.Hour))
	clawback := mustAdjustment(t, 7, -200, t0.Add(5*time.Hour))
	return []ledger.Entry{early, late, debit1, debit2, reversal, bonus, clawback}
}

func TestCompute(t *testing.T) {
	entries := history(t)
	released := t0.Add(hold)
	tests := []struct {
		name    string
		entries []ledger.Entry
		now     time.Time
		want    ledger.Balances
	}{
		{"no entries, no money", nil, t0, ledger.Balances{}},
		{"an earning on hold is pending", entries[1:2], t0,
			ledger.Balances{Pending: 1500, TotalEarned: 1500}},
		{"an earning is pending until the last instant of its hold", entries[1:2], released.Add(-time.Nanosecond),
			ledger.Balances{Pending: 1500, TotalEarned: 1500}},
		{"an earning is available at the instant its hold ends", entries[1:2], released,
			ledger.Balances{Available: 1500, TotalEarned: 1500}},
		{"a reversed payout is not paid out and its amount is available at once", entries[:5], t0.Add(3 * time.Hour),
			ledger.Balances{Pending: 1500, Available: 4000, TotalEarned: 6500, PaidOut: 1000}},
		{"a bonus is earned and a clawback reversed", entries, t0.Add(5 * time.Hour),
			ledger.Balances{Pending: 1500, Available: 4100, TotalEarned: 6800, PaidOut: 1000, Reversed: 200}},
		{"everything is available after the hold", entries, released,
			ledger.Balances{Available: 5600, TotalEarned: 6800, PaidOut: 1000, Reversed: 200}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, ledger.Compute(tt.entries, tt.now)); diff != "" {
				t.Errorf("Compute (-want +got):\n%s", diff)
			}
			s := applyAll(t, tt.entries...)
			if diff := cmp.Diff(tt.want, s.Balances(tt.now)); diff != "" {
				t.Errorf("Summary.Balances (-want +got):\n%s", diff)
			}
			if err := ledger.Verify(s, tt.entries, tt.now); err != nil {
				t.Errorf("Verify = %v, want nil", err)
			}
		})
	}
}

func TestApply(t *testing.T) {
	entries := history(t)
	s := applyAll(t, entries...)
	want := ledger.Summary{
		OperatorID: op, Earned: 6800, PaidOut: 1000, Reversed: 200, Entries: 7, Completed: 2,
		Holds: []ledger.Hold{{EntryID: entryID(2), Amount: 1500, AvailableAt: t0.UTC().Add(hold)}},
	}
	if diff := cmp.Diff(want, s); diff != "" {
		t.Fatalf("summary of the history (-want +got):\n%s", diff)
	}

	t.Run("a matured hold is dropped at the next apply", func(t *testing.T) {
		e := mustEarning(t, 8, 100, t0.Add(hold), hold)
		next, err := s.Apply(e, e.CreatedAt)
		if err != nil {
			t.Fatal(err)
		}
		wantHolds := []ledger.Hold{{EntryID: entryID(8), Amount: 100, AvailableAt: t0.UTC().Add(2 * hold)}}
		if diff := cmp.Diff(wantHolds, next.Holds); diff != "" {
			t.Errorf("holds (-want +got):\n%s", diff)
		}
	})
	t.Run("an earning with no hold is no hold", func(t *testing.T) {
		e := mustEarning(t, 8, 100, t0.Add(time.Hour), 0)
		next, err := s.Apply(e, e.CreatedAt)
		if err != nil {
			t.Fatal(err)
		}
		if len(next.Holds) != 1 || next.Balances(e.CreatedAt).Available != 4200 {
			t.Errorf("after an earning with no hold: holds %v, balances %+v; want 1 hold and 42.00 available",
				next.Holds, next.Balances(e.CreatedAt))
		}
	})
	t.Run("apply leaves its receiver alone", func(t *testing.T) {
		before := s.Clone()
		if _, err := s.Apply(mustEarning(t, 9, 100, t0.Add(2*hold), hold), t0.Add(2*hold)); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(before, s); diff != "" {
			t.Errorf("Apply changed its receiver (-want +got):\n%s", diff)
		}
	})
	t.Run("the zero summary takes the first entry's operator", func(t *testing.T) {
		got, err := ledger.Summary{}.Apply(entries[0], t0)
		if err != nil || got.OperatorID != op {
			t.Errorf("Apply to the zero Summary = %q, %v; want operator %s", got.OperatorID, err, op)
		}
	})
}

func TestApplyRefuses(t *testing.T) {
	now := t0.Add(6 * time.Hour)
	s := applyAll(t, history(t)...) // 41.00 available, 15.00 pending at now
	other, err := ledger.Earning(entryID(20), op2, taskID(20), 100, now, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, tooMuch := mustPayout(t, 21, 4101, now)
	p, _ := mustPayout(t, 22, 2000, now)
	_, stray := mustReversal(t, 23, p, now)
	stray.Amount = 1001 // more than the 10.00 paid out

	big := ledger.Summary{OperatorID: op, Earned: 1<<63 - 1 - 10}

	tests := []struct {
		name     string
		s        ledger.Summary
		e        ledger.Entry
		sentinel error
		kind     fault.Kind
	}{
		{"a payout above the available balance, of money still on hold", s, tooMuch,
			ledger.ErrInsufficientFunds, fault.PaymentRequired},
		{"a clawback above the available balance", s, mustAdjustment(t, 24, -4101, now),
			ledger.ErrInsufficientFunds, fault.PaymentRequired},
		{"an entry of another operator", s, other, ledger.ErrWrongOperator, fault.Internal},
		{"a reversal of more than was paid out", s, stray, ledger.ErrInvalidEntry, fault.Invalid},
		{"a total that would overflow", big, mustEarning(t, 25, 11, now, 0), ledger.ErrOverflow,
			fault.Unprocessable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tt.s.Clone()
			got, err := tt.s.Apply(tt.e, now)
			if !errors.Is(err, tt.sentinel) || fault.KindOf(err) != tt.kind {
				t.Fatalf("Apply = %v (kind %v), want %v (kind %v)", err, fault.KindOf(err), tt.sentinel, tt.kind)
			}
			if diff := cmp.Diff(before, got); diff != "" {
				t.Errorf("Apply returned a changed summary with its error (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("the whole available balance may be paid out", func(t *testing.T) {
		_, exact := mustPayout(t, 26, 4100, now)
		got, err := s.Apply(exact, now)
		if err != nil || got.Balances(now).Available != 0 {
			t.Errorf("Apply(payout of everything) = %+v, %v; want 0 available", got.Balances(now), err)
		}
	})
}

func TestCheckFunds(t *testing.T) {
	b := ledger.Balances{Pending: 9000, Available: 1500, TotalEarned: 10500}
	tests := []struct {
		name   string
		amount ledger.Cents
		ok     bool
	}{
		{"less than available", 1499, true},
		{"exactly available", 1500, true},
		{"one cent more than available", 1501, false},
		{"pending money does not count", 10500, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ledger.CheckFunds(b, tt.amount)
			if tt.ok {
				if err != nil {
					t.Errorf("CheckFunds(%s) = %v, want nil", tt.amount, err)
				}
				return
			}
			wantFault(t, "CheckFunds", err, ledger.ErrInsufficientFunds, fault.PaymentRequired, "amount_usd")
			msg := fault.As(err).Message
			if !strings.Contains(msg, "amount_usd") || !strings.Contains(msg, "15.00") {
				t.Errorf("CheckFunds message = %q, want it to name amount_usd and the available 15.00", msg)
			}
		})
	}
	if got := ledger.ErrInsufficientFunds.Error(); !strings.HasPrefix(got, "ledger: insufficient funds") {
		t.Errorf("ErrInsufficientFunds.Error() = %q, want it to start with %q", got, "ledger: insufficient funds")
	}
}

func TestVerifyFindsDiscrepancies(t *testing.T) {
	now := t0.Add(6 * time.Hour)
	entries := history(t)
	good := applyAll(t, entries...)
	if err := ledger.Verify(good, entries, now); err != nil {
		t.Fatalf("Verify(good) = %v, want nil", err)
	}
	_, reversalOfNothing := mustReversal(t, 30, mustPayoutOnly(t, 31, 1000, now), now)

	tests := []struct {
		name    string
		summary func(*ledger.Summary)
		entries func([]ledger.Entry) []ledger.Entry
		want    string
	}{
		{"earned off by a cent", func(s *ledger.Summary) { s.Earned++ }, nil, "totals"},
		{"paid out off by a cent", func(s *ledger.Summary) { s.PaidOut-- }, nil, "totals"},
		{"a missed clawback", func(s *ledger.Summary) { s.Reversed = 0 }, nil, "totals"},
		{"an entry count off", func(s *ledger.Summary) { s.Entries++ }, nil, "counts"},
		{"a completed count off", func(s *ledger.Summary) { s.Completed-- }, nil, "counts"},
		{"a lost hold", func(s *ledger.Summary) { s.Holds = nil }, nil, "has no hold"},
		{"a hold with another amount", func(s *ledger.Summary) { s.Holds[0].Amount++ }, nil, "its earning is"},
		{"a hold released early", func(s *ledger.Summary) { s.Holds[0].AvailableAt = now }, nil, "its earning is"},
		{"a hold of no earning", func(s *ledger.Summary) { s.Holds[0].EntryID = entryID(99) }, nil, "no earning"},
		{"a hold twice", func(s *ledger.Summary) { s.Holds = append(s.Holds, s.Holds[0]) }, nil, "twice"},
		{"a score out of range", func(s *ledger.Summary) { s.Scores = []int{6} }, nil, "score 6"},
		{"too many scores", func(s *ledger.Summary) { s.Scores = make([]int, 101) }, nil, "101 scores"},
		{"an entry appended twice", nil, func(e []ledger.Entry) []ledger.Entry { return append(e, e[0]) }, "twice"},
		{"a task credited twice", nil, func(e []ledger.Entry) []ledger.Entry {
			again := e[0]
			again.ID = entryID(40)
			return append(e, again)
		}, "credited twice"},
		{"a payout debited twice", nil, func(e []ledger.Entry) []ledger.Entry {
			again := e[2]
			again.ID = entryID(41)
			return append(e, again)
		}, "debited twice"},
		{"a reversal of another amount", nil, func(e []ledger.Entry) []ledger.Entry {
			e[4].Amount = 1999
			return e
		}, "reversal of payout"},
		{"a reversal of a payout never debited", nil, func(e []ledger.Entry) []ledger.Entry {
			return append(e, reversalOfNothing)
		}, "reversal of payout"},
		{"an entry of another operator", nil, func(e []ledger.Entry) []ledger.Entry {
			e[5].OperatorID = op2
			return e
		}, "not " + op},
		{"entries that overdraw", func(s *ledger.Summary) { s.Reversed += 10_000; s.Entries++ },
			func(e []ledger.Entry) []ledger.Entry { return append(e, mustAdjustment(t, 42, -10_000, now)) },
			"below zero"},
		{"a malformed entry", nil, func(e []ledger.Entry) []ledger.Entry {
			e[3].Amount = -e[3].Amount
			return e
		}, "must be below zero"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := good.Clone()
			es := append([]ledger.Entry(nil), entries...)
			if tt.summary != nil {
				tt.summary(&s)
			}
			if tt.entries != nil {
				es = tt.entries(es)
			}
			err := ledger.Verify(s, es, now)
			if !errors.Is(err, ledger.ErrUnbalanced) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Verify = %v, want ErrUnbalanced saying %q", err, tt.want)
			}
		})
	}
}

// mustPayoutOnly returns a pending payout without its debit.
func mustPayoutOnly(t *testing.T, n int, amount ledger.Cents, now time.Time) ledger.Payout {
	t.Helper()
	p, _ := mustPayout(t, n, amount, now)
	return p
}

func TestSummaryScores(t *testing.T) {
	var s ledger.Summary
	if got := s.Rating(); got != 500 {
		t.Errorf("Rating() of a new operator = %d, want 500", got)
	}
	next, err := s.AddScore(1)
	if err != nil || next.Rating() != 400 || len(s.Scores) != 0 {
		t.Errorf("AddScore(1) = rating %d, %v, receiver scores %v; want 400, nil, none",
			next.Rating(), err, s.Scores)
	}
	for _, q := range []int{0, 6, -1} {
		_, err := next.AddScore(q)
		wantFault(t, "AddScore", err, err, fault.Invalid, "quality")
	}
}
