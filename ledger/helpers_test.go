package ledger_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/humop/humop/fault"
	"github.com/humop/humop/ledger"
)

// paris is a zone other than UTC, so tests see that times are kept in UTC.
var paris = time.FixedZone("CEST", 2*60*60)

// t0 is when the tests' ledgers start.
var t0 = time.Date(2026, 4, 2, 14, 0, 0, 0, paris)

const (
	op   = "op_01JQ0000000000000000000001"
	op2  = "op_01JQ0000000000000000000002"
	hold = 7 * 24 * time.Hour
	// wallet is a valid address in mixed case.
	wallet = "0xAbCdEf0123456789abcdef0123456789ABCDEF01"
	txHash = "0x" + "00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff"
)

// entryID returns the n-th entry id: the prefix and a canonical ULID.
func entryID(n int) string { return fmt.Sprintf("%s%026d", ledger.EntryIDPrefix, n) }

// payoutID returns the n-th payout id.
func payoutID(n int) string { return fmt.Sprintf("%s%026d", ledger.PayoutIDPrefix, n) }

// taskID returns the n-th task id.
func taskID(n int) string { return fmt.Sprintf("task_%026d", n) }

func mustEarning(t testing.TB, n int, amount ledger.Cents, now time.Time, hold time.Duration) ledger.Entry {
	t.Helper()
	e, err := ledger.Earning(entryID(n), op, taskID(n), amount, now, hold)
	if err != nil {
		t.Fatalf("Earning(%s) = %v, want no error", amount, err)
	}
	return e
}

func mustAdjustment(t testing.TB, n int, amount ledger.Cents, now time.Time) ledger.Entry {
	t.Helper()
	e, err := ledger.Adjustment(entryID(n), op, amount, "correction", now)
	if err != nil {
		t.Fatalf("Adjustment(%s) = %v, want no error", amount, err)
	}
	return e
}

// mustPayout returns a pending payout of amount for op, with its debit entry
// numbered n.
func mustPayout(t testing.TB, n int, amount ledger.Cents, now time.Time) (ledger.Payout, ledger.Entry) {
	t.Helper()
	req := ledger.PayoutRequest{Amount: amount, Method: "usdc", Chain: "base", WalletAddress: wallet}
	p, err := ledger.NewPayout(req, payoutID(n), op, ledger.DefaultGasFee, now)
	if err != nil {
		t.Fatalf("NewPayout(%s) = %v, want no error", amount, err)
	}
	e, err := ledger.PayoutDebit(entryID(n), p, now)
	if err != nil {
		t.Fatalf("PayoutDebit(%s) = %v, want no error", p.ID, err)
	}
	return p, e
}

// mustReversal fails p and returns the failed payout and its reversal
// entry numbered n.
func mustReversal(t testing.TB, n int, p ledger.Payout, now time.Time) (ledger.Payout, ledger.Entry) {
	t.Helper()
	failed, err := p.Fail("rejected by the network", now)
	if err != nil {
		t.Fatalf("Fail(%s) = %v, want no error", p.ID, err)
	}
	e, err := ledger.PayoutReversal(entryID(n), failed, now)
	if err != nil {
		t.Fatalf("PayoutReversal(%s) = %v, want no error", p.ID, err)
	}
	return failed, e
}

// applyAll applies the entries in order, each at its creation time.
func applyAll(t testing.TB, entries ...ledger.Entry) ledger.Summary {
	t.Helper()
	var s ledger.Summary
	for _, e := range entries {
		var err error
		if s, err = s.Apply(e, e.CreatedAt); err != nil {
			t.Fatalf("Apply(%s %s) = %v, want no error", e.Kind, e.ID, err)
		}
	}
	return s
}

// wantFault checks that err matches sentinel with errors.Is and that its
// first *fault.Error has the kind and field given.
func wantFault(t *testing.T, call string, err, sentinel error, kind fault.Kind, field string) {
	t.Helper()
	if !errors.Is(err, sentinel) {
		t.Fatalf("%s = %v, want %v", call, err, sentinel)
	}
	fe := fault.As(err)
	if fe == nil || fe.Kind != kind || fe.Field != field {
		t.Errorf("%s = %#v, want kind %v and field %q", call, fe, kind, field)
	}
}
