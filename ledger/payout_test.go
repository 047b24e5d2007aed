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

func TestPayoutRequestCheck(t *testing.T) {
	valid := ledger.PayoutRequest{Amount: 1000, Method: "usdc", Chain: "base", WalletAddress: wallet}
	tests := []struct {
		name     string
		change   func(*ledger.PayoutRequest)
		gasFee   ledger.Cents
		sentinel error // nil: any Invalid error naming field
		kind     fault.Kind
		field    string
	}{
		{"the minimum is accepted", func(*ledger.PayoutRequest) {}, ledger.DefaultGasFee, nil, 0, ""},
		{"a lower-case address is accepted",
			func(r *ledger.PayoutRequest) { r.WalletAddress = strings.ToLower(wallet) }, 3, nil, 0, ""},
		{"an upper-case address is accepted",
			func(r *ledger.PayoutRequest) { r.WalletAddress = "0x" + strings.ToUpper(wallet[2:]) }, 3, nil, 0, ""},
		{"the maximum is accepted", func(r *ledger.PayoutRequest) { r.Amount = ledger.MaxAmount }, 3, nil, 0, ""},
		{"a free payout of the minimum is accepted", func(*ledger.PayoutRequest) {}, 0, nil, 0, ""},

		{"another method is refused", func(r *ledger.PayoutRequest) { r.Method = "paypal" }, 3,
			nil, fault.Invalid, "method"},
		{"the method is case-sensitive", func(r *ledger.PayoutRequest) { r.Method = "USDC" }, 3,
			nil, fault.Invalid, "method"},
		{"a missing method is refused", func(r *ledger.PayoutRequest) { r.Method = "" }, 3,
			nil, fault.Invalid, "method"},
		{"another chain is refused", func(r *ledger.PayoutRequest) { r.Chain = "ethereum" }, 3,
			nil, fault.Invalid, "chain"},
		{"an address without 0x is refused",
			func(r *ledger.PayoutRequest) { r.WalletAddress = wallet[2:] + "00" }, 3, nil, fault.Invalid, "wallet_address"},
		{"an address with 0X is refused",
			func(r *ledger.PayoutRequest) { r.WalletAddress = "0X" + wallet[2:] }, 3, nil, fault.Invalid, "wallet_address"},
		{"an address of 39 digits is refused",
			func(r *ledger.PayoutRequest) { r.WalletAddress = wallet[:41] }, 3, nil, fault.Invalid, "wallet_address"},
		{"an address of 41 digits is refused",
			func(r *ledger.PayoutRequest) { r.WalletAddress = wallet + "0" }, 3, nil, fault.Invalid, "wallet_address"},
		{"an address with a non-hex digit is refused",
			func(r *ledger.PayoutRequest) { r.WalletAddress = wallet[:41] + "g" }, 3, nil, fault.Invalid, "wallet_address"},
		{"an address with spaces is refused",
			func(r *ledger.PayoutRequest) { r.WalletAddress = " " + wallet }, 3, nil, fault.Invalid, "wallet_address"},
		{"a negative amount is refused", func(r *ledger.PayoutRequest) { r.Amount = -1000 }, 3,
			nil, fault.Invalid, "amount_usd"},
		{"an amount over the maximum is refused", func(r *ledger.PayoutRequest) { r.Amount = ledger.MaxAmount + 1 },
			3, nil, fault.Invalid, "amount_usd"},
		{"one cent under the minimum is unprocessable", func(r *ledger.PayoutRequest) { r.Amount = 999 }, 3,
			ledger.ErrBelowMinimum, fault.Unprocessable, "amount_usd"},
		{"zero is unprocessable", func(r *ledger.PayoutRequest) { r.Amount = 0 }, 3,
			ledger.ErrBelowMinimum, fault.Unprocessable, "amount_usd"},
		{"an amount equal to the gas fee is unprocessable", func(r *ledger.PayoutRequest) { r.Amount = 2000 }, 2000,
			ledger.ErrFeeExceedsAmount, fault.Unprocessable, "amount_usd"},
		{"an amount under the gas fee is unprocessable", func(*ledger.PayoutRequest) {}, 5000,
			ledger.ErrFeeExceedsAmount, fault.Unprocessable, "amount_usd"},
		{"a bad address is reported before a small amount",
			func(r *ledger.PayoutRequest) { r.Amount, r.WalletAddress = 5, "x" }, 3, nil, fault.Invalid, "wallet_address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := valid
			tt.change(&r)
			err := r.Check(tt.gasFee)
			switch {
			case tt.kind == 0 && tt.sentinel == nil:
				if err != nil {
					t.Errorf("Check(%s) = %v, want nil", tt.gasFee, err)
				}
			case tt.sentinel != nil:
				wantFault(t, "Check", err, tt.sentinel, tt.kind, tt.field)
			default:
				wantFault(t, "Check", err, err, tt.kind, tt.field)
			}
		})
	}
	t.Run("a negative gas fee is an internal error", func(t *testing.T) {
		if err := valid.Check(-1); err == nil || fault.KindOf(err) != fault.Internal {
			t.Errorf("Check(-0.01) = %v, want an internal error", err)
		}
	})
}

func TestNewPayout(t *testing.T) {
	req := ledger.PayoutRequest{Amount: 2500, Method: "usdc", Chain: "base", WalletAddress: wallet}
	got, err := ledger.NewPayout(req, payoutID(1), op, ledger.DefaultGasFee, t0)
	if err != nil {
		t.Fatalf("NewPayout = %v, want no error", err)
	}
	want := ledger.Payout{
		ID: payoutID(1), OperatorID: op, Amount: 2500, GasFee: 3, Net: 2497, Method: "usdc", Chain: "base",
		ToAddress: wallet, Status: ledger.PayoutPending, CreatedAt: t0.UTC(),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("NewPayout (-want +got):\n%s", diff)
	}

	t.Run("a bad request is refused", func(t *testing.T) {
		bad := req
		bad.Amount = 999
		if _, err := ledger.NewPayout(bad, payoutID(1), op, 3, t0); !errors.Is(err, ledger.ErrBelowMinimum) {
			t.Errorf("NewPayout(9.99) = %v, want ErrBelowMinimum", err)
		}
	})
	t.Run("a bad id is refused", func(t *testing.T) {
		if _, err := ledger.NewPayout(req, "payout_1", op, 3, t0); err == nil {
			t.Errorf("NewPayout(id payout_1) = nil error, want one")
		}
	})
	t.Run("an operator is required", func(t *testing.T) {
		if _, err := ledger.NewPayout(req, payoutID(1), "", 3, t0); err == nil {
			t.Errorf("NewPayout(no operator) = nil error, want one")
		}
	})
}

func TestPayoutMoves(t *testing.T) {
	pending := mustPayoutOnly(t, 1, 2500, t0)
	settled := t0.Add(time.Hour)
	confirmed, err := pending.Confirm(txHash, settled)
	if err != nil {
		t.Fatalf("Confirm = %v, want no error", err)
	}
	failed, err := pending.Fail("  insufficient gas  ", settled)
	if err != nil {
		t.Fatalf("Fail = %v, want no error", err)
	}

	wantConfirmed := pending
	wantConfirmed.Status, wantConfirmed.TxHash, wantConfirmed.SettledAt =
		ledger.PayoutConfirmed, strings.ToLower(txHash), settled.UTC()
	if diff := cmp.Diff(wantConfirmed, confirmed); diff != "" {
		t.Errorf("Confirm (-want +got):\n%s", diff)
	}
	wantFailed := pending
	wantFailed.Status, wantFailed.FailureReason, wantFailed.SettledAt =
		ledger.PayoutFailed, "insufficient gas", settled.UTC()
	if diff := cmp.Diff(wantFailed, failed); diff != "" {
		t.Errorf("Fail (-want +got):\n%s", diff)
	}
	if pending.Status != ledger.PayoutPending || pending.TxHash != "" || !pending.SettledAt.IsZero() {
		t.Errorf("the moves changed their receiver: %+v", pending)
	}

	moves := []struct {
		name string
		do   func(ledger.Payout) (ledger.Payout, error)
		to   ledger.PayoutStatus
	}{
		{"Confirm", func(p ledger.Payout) (ledger.Payout, error) { return p.Confirm(txHash, settled) },
			ledger.PayoutConfirmed},
		{"Fail", func(p ledger.Payout) (ledger.Payout, error) { return p.Fail("reason", settled) },
			ledger.PayoutFailed},
	}
	for _, m := range moves {
		for _, p := range []ledger.Payout{confirmed, failed} {
			t.Run(m.name+" refuses a "+string(p.Status)+" payout", func(t *testing.T) {
				got, err := m.do(p)
				wantFault(t, m.name, err, ledger.ErrWrongState, fault.Conflict, "")
				want := "ledger: payout is " + string(p.Status) + "; it must be PENDING_ONCHAIN"
				if !strings.HasPrefix(err.Error(), want) {
					t.Errorf("%s error = %q, want it to start with %q", m.name, err, want)
				}
				if diff := cmp.Diff(p, got); diff != "" {
					t.Errorf("%s returned a changed payout with its error (-want +got):\n%s", m.name, diff)
				}
			})
		}
		if ledger.CanMovePayout(ledger.PayoutPending, m.to) != true {
			t.Errorf("CanMovePayout(PENDING_ONCHAIN, %s) = false, want true", m.to)
		}
	}
	for _, from := range []ledger.PayoutStatus{ledger.PayoutConfirmed, ledger.PayoutFailed} {
		for _, to := range []ledger.PayoutStatus{ledger.PayoutPending, ledger.PayoutConfirmed, ledger.PayoutFailed} {
			if ledger.CanMovePayout(from, to) {
				t.Errorf("CanMovePayout(%s, %s) = true, want false: %s is final", from, to, from)
			}
		}
	}
	if !ledger.PayoutFailed.Valid() || ledger.PayoutStatus("PENDING").Valid() {
		t.Errorf("PayoutStatus.Valid does not match the three statuses")
	}
}

func TestPayoutMoveInput(t *testing.T) {
	pending := mustPayoutOnly(t, 1, 2500, t0)
	tests := []struct {
		name  string
		do    func() (ledger.Payout, error)
		field string
	}{
		{"a hash without 0x", func() (ledger.Payout, error) { return pending.Confirm(txHash[2:]+"00", t0) }, "tx_hash"},
		{"a short hash", func() (ledger.Payout, error) { return pending.Confirm(txHash[:65], t0) }, "tx_hash"},
		{"a long hash", func() (ledger.Payout, error) { return pending.Confirm(txHash+"0", t0) }, "tx_hash"},
		{"a hash with a non-hex digit",
			func() (ledger.Payout, error) { return pending.Confirm(txHash[:65]+"z", t0) }, "tx_hash"},
		{"an empty reason", func() (ledger.Payout, error) { return pending.Fail(" \t", t0) }, "reason"},
		{"a reason too long",
			func() (ledger.Payout, error) { return pending.Fail(strings.Repeat("x", ledger.MaxReasonLen+1), t0) },
			"reason"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			got, err := tt.do()
			wantFault(t, "move", err, err, fault.Invalid, tt.field)
			if got != pending {
				t.Errorf("move returned %+v with its error, want the payout unchanged", got)
			}
		})
	}
}
