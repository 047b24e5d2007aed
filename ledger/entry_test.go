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

func TestConstructorsBuildEntries(t *testing.T) {
	utc := t0.UTC()
	pending, _ := mustPayout(t, 10, 2500, t0)
	failed, _ := mustReversal(t, 11, pending, t0)

	tests := []struct {
		name  string
		build func() (ledger.Entry, error)
		want  ledger.Entry
	}{
		{"an earning is available after its hold",
			func() (ledger.Entry, error) { return ledger.Earning(entryID(1), op, taskID(1), 1500, t0, hold) },
			ledger.Entry{ID: entryID(1), OperatorID: op, Kind: ledger.KindEarning, Amount: 1500,
				AvailableAt: utc.Add(hold), TaskID: taskID(1), CreatedAt: utc}},
		{"an earning with no hold is available at once",
			func() (ledger.Entry, error) { return ledger.Earning(entryID(1), op, taskID(1), 1, t0, 0) },
			ledger.Entry{ID: entryID(1), OperatorID: op, Kind: ledger.KindEarning, Amount: 1,
				AvailableAt: utc, TaskID: taskID(1), CreatedAt: utc}},
		{"the largest earning is allowed",
			func() (ledger.Entry, error) {
				return ledger.Earning(entryID(1), op, taskID(1), ledger.MaxAmount, t0, hold)
			},
			ledger.Entry{ID: entryID(1), OperatorID: op, Kind: ledger.KindEarning, Amount: ledger.MaxAmount,
				AvailableAt: utc.Add(hold), TaskID: taskID(1), CreatedAt: utc}},
		{"a payout debit takes the gross amount at once",
			func() (ledger.Entry, error) { return ledger.PayoutDebit(entryID(2), pending, t0) },
			ledger.Entry{ID: entryID(2), OperatorID: op, Kind: ledger.KindPayout, Amount: -2500,
				AvailableAt: utc, PayoutID: payoutID(10), CreatedAt: utc}},
		{"a reversal returns the gross amount at once, with no hold",
			func() (ledger.Entry, error) { return ledger.PayoutReversal(entryID(3), failed, t0) },
			ledger.Entry{ID: entryID(3), OperatorID: op, Kind: ledger.KindPayoutReversal, Amount: 2500,
				AvailableAt: utc, PayoutID: payoutID(10), CreatedAt: utc}},
		{"a positive adjustment is available at once",
			func() (ledger.Entry, error) { return ledger.Adjustment(entryID(4), op, 700, " goodwill ", t0) },
			ledger.Entry{ID: entryID(4), OperatorID: op, Kind: ledger.KindAdjustment, Amount: 700,
				AvailableAt: utc, CreatedAt: utc, Memo: "goodwill"}},
		{"a clawback is a negative adjustment",
			func() (ledger.Entry, error) { return ledger.Adjustment(entryID(4), op, -700, "fraud", t0) },
			ledger.Entry{ID: entryID(4), OperatorID: op, Kind: ledger.KindAdjustment, Amount: -700,
				AvailableAt: utc, CreatedAt: utc, Memo: "fraud"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.build()
			if err != nil {
				t.Fatalf("constructor = %v, want no error", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("entry (-want +got):\n%s", diff)
			}
			if got.CreatedAt.Location() != time.UTC || got.AvailableAt.Location() != time.UTC {
				t.Errorf("entry times are in %v and %v, want UTC", got.CreatedAt.Location(), got.AvailableAt.Location())
			}
		})
	}
}

func TestConstructorsRefuseBadEntries(t *testing.T) {
	pending, _ := mustPayout(t, 10, 2500, t0)
	failed, _ := mustReversal(t, 11, pending, t0)
	confirmed, err := pending.Confirm(txHash, t0)
	if err != nil {
		t.Fatal(err)
	}
	badID := pending
	badID.ID = "payout_nope"

	tests := []struct {
		name  string
		build func() (ledger.Entry, error)
		field string
	}{
		{"an earning of zero is refused",
			func() (ledger.Entry, error) { return ledger.Earning(entryID(1), op, taskID(1), 0, t0, hold) }, "amount"},
		{"a negative earning is refused",
			func() (ledger.Entry, error) { return ledger.Earning(entryID(1), op, taskID(1), -5, t0, hold) }, "amount"},
		{"an earning over the maximum is refused",
			func() (ledger.Entry, error) {
				return ledger.Earning(entryID(1), op, taskID(1), ledger.MaxAmount+1, t0, hold)
			}, "amount"},
		{"a negative hold is refused",
			func() (ledger.Entry, error) { return ledger.Earning(entryID(1), op, taskID(1), 5, t0, -time.Second) },
			"hold"},
		{"an earning needs a task",
			func() (ledger.Entry, error) { return ledger.Earning(entryID(1), op, "", 5, t0, hold) }, "task_id"},
		{"an entry needs an operator",
			func() (ledger.Entry, error) { return ledger.Earning(entryID(1), "", taskID(1), 5, t0, hold) },
			"operator_id"},
		{"an entry id needs the le_ prefix",
			func() (ledger.Entry, error) {
				return ledger.Earning("task_00000000000000000000000001", op, taskID(1), 5, t0, hold)
			}, "id"},
		{"an entry id needs a canonical ULID",
			func() (ledger.Entry, error) {
				return ledger.Earning("le_01jq0000000000000000000001", op, taskID(1), 5, t0, hold)
			}, "id"},
		{"an entry id refuses a ULID past its range",
			func() (ledger.Entry, error) {
				return ledger.Earning("le_81JQ0000000000000000000001", op, taskID(1), 5, t0, hold)
			}, "id"},
		{"an entry needs a time",
			func() (ledger.Entry, error) { return ledger.Earning(entryID(1), op, taskID(1), 5, time.Time{}, hold) },
			"created_at"},
		{"a confirmed payout is not debited again",
			func() (ledger.Entry, error) { return ledger.PayoutDebit(entryID(2), confirmed, t0) }, "status"},
		{"a failed payout is not debited",
			func() (ledger.Entry, error) { return ledger.PayoutDebit(entryID(2), failed, t0) }, "status"},
		{"a pending payout is not reversed",
			func() (ledger.Entry, error) { return ledger.PayoutReversal(entryID(3), pending, t0) }, "status"},
		{"a confirmed payout is not reversed",
			func() (ledger.Entry, error) { return ledger.PayoutReversal(entryID(3), confirmed, t0) }, "status"},
		{"a payout debit needs a payout id",
			func() (ledger.Entry, error) { return ledger.PayoutDebit(entryID(2), badID, t0) }, "payout_id"},
		{"an adjustment of zero is refused",
			func() (ledger.Entry, error) { return ledger.Adjustment(entryID(4), op, 0, "nothing", t0) }, "amount"},
		{"a clawback over the maximum is refused",
			func() (ledger.Entry, error) {
				return ledger.Adjustment(entryID(4), op, -ledger.MaxAmount-1, "fraud", t0)
			}, "amount"},
		{"an adjustment needs a memo",
			func() (ledger.Entry, error) { return ledger.Adjustment(entryID(4), op, 100, "  ", t0) }, "memo"},
		{"a memo has a length limit",
			func() (ledger.Entry, error) {
				return ledger.Adjustment(entryID(4), op, 100, strings.Repeat("é", ledger.MaxMemoLen+1), t0)
			}, "memo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.build()
			wantFault(t, "constructor", err, ledger.ErrInvalidEntry, fault.Invalid, tt.field)
		})
	}
}

func TestCheckRefusesHandBuiltEntries(t *testing.T) {
	earning := mustEarning(t, 1, 1500, t0, hold)
	_, debit := mustPayout(t, 2, 2500, t0)
	adjustment := mustAdjustment(t, 3, 100, t0)

	tests := []struct {
		name   string
		entry  ledger.Entry
		change func(*ledger.Entry)
		field  string
	}{
		{"an unknown kind", earning, func(e *ledger.Entry) { e.Kind = "BONUS" }, "kind"},
		{"an earning available before it was made", earning,
			func(e *ledger.Entry) { e.AvailableAt = e.CreatedAt.Add(-time.Nanosecond) }, "available_at"},
		{"an earning about a payout", earning, func(e *ledger.Entry) { e.PayoutID = payoutID(1) }, "payout_id"},
		{"a positive payout", debit, func(e *ledger.Entry) { e.Amount = 2500 }, "amount"},
		{"a payout of zero", debit, func(e *ledger.Entry) { e.Amount = 0 }, "amount"},
		{"a payout with a hold", debit, func(e *ledger.Entry) { e.AvailableAt = e.AvailableAt.Add(hold) },
			"available_at"},
		{"a payout about a task", debit, func(e *ledger.Entry) { e.TaskID = taskID(1) }, "task_id"},
		{"a negative reversal", debit, func(e *ledger.Entry) { e.Kind = ledger.KindPayoutReversal }, "amount"},
		{"an adjustment with a hold", adjustment,
			func(e *ledger.Entry) { e.AvailableAt = e.AvailableAt.Add(hold) }, "available_at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := tt.entry
			tt.change(&e)
			wantFault(t, "Check()", e.Check(), ledger.ErrInvalidEntry, fault.Invalid, tt.field)
			if _, err := (ledger.Summary{}).Apply(e, t0); !errors.Is(err, ledger.ErrInvalidEntry) {
				t.Errorf("Apply(bad entry) = %v, want ErrInvalidEntry", err)
			}
		})
	}
}

func TestKindValid(t *testing.T) {
	for _, k := range []ledger.Kind{ledger.KindEarning, ledger.KindPayout, ledger.KindPayoutReversal,
		ledger.KindAdjustment} {
		if !k.Valid() {
			t.Errorf("%s.Valid() = false, want true", k)
		}
	}
	if ledger.Kind("earning").Valid() {
		t.Errorf(`Kind("earning").Valid() = true, want false: kinds are upper case`)
	}
}
