package ledger_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/humop/humop/ledger"
)

// A task is credited, the hold ends, the operator asks for a payout, the
// payout fails on chain and its amount comes back at once.
func ExampleSummary_Apply() {
	completed := time.Date(2026, 4, 2, 12, 0, 0, 0, time.UTC)
	show := func(s ledger.Summary, at time.Time) {
		b := s.Balances(at)
		fmt.Printf("pending %s, available %s, earned %s, paid out %s\n",
			b.Pending, b.Available, b.TotalEarned, b.PaidOut)
	}

	var s ledger.Summary
	earning, _ := ledger.Earning("le_01JQ0000000000000000000001", "op_1", "task_1", 2500, completed, 7*24*time.Hour)
	s, _ = s.Apply(earning, completed)
	show(s, completed)

	// A payout during the hold is refused.
	req := ledger.PayoutRequest{Amount: 2000, Method: "usdc", Chain: "base",
		WalletAddress: "0x52908400098527886E0F7030069857D2E4169EE7"}
	err := ledger.CheckFunds(s.Balances(completed), req.Amount)
	fmt.Println(errors.Is(err, ledger.ErrInsufficientFunds), err)

	// A week later it goes through.
	later := completed.Add(7 * 24 * time.Hour)
	p, _ := ledger.NewPayout(req, "payout_01JQ0000000000000000000002", "op_1", ledger.DefaultGasFee, later)
	debit, _ := ledger.PayoutDebit("le_01JQ0000000000000000000003", p, later)
	s, _ = s.Apply(debit, later)
	fmt.Println(p.Status, p.Net, p.ToAddress)
	show(s, later)

	// It fails on chain: the amount is available again at once.
	p, _ = p.Fail("nonce too low", later.Add(time.Minute))
	reversal, _ := ledger.PayoutReversal("le_01JQ0000000000000000000004", p, later.Add(time.Minute))
	s, _ = s.Apply(reversal, later.Add(time.Minute))
	show(s, later.Add(time.Minute))
	fmt.Println(ledger.Verify(s, []ledger.Entry{earning, debit, reversal}, later.Add(time.Minute)))
	// Output:
	// pending 25.00, available 0.00, earned 25.00, paid out 0.00
	// true ledger: insufficient funds: amount_usd 20.00 is above your available balance of 0.00
	// PENDING_ONCHAIN 19.97 0x52908400098527886E0F7030069857D2E4169EE7
	// pending 0.00, available 5.00, earned 25.00, paid out 20.00
	// pending 0.00, available 25.00, earned 25.00, paid out 0.00
	// <nil>
}

func ExampleRating() {
	fmt.Println(ledger.Rating(nil), ledger.Rating([]int{1}), ledger.Rating([]int{5, 4, 1}))
	// Output: 500 400 417
}
