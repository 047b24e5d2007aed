package ledger_test

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/humop/humop/ledger"
)

// TestLedgerProperties runs random sequences of operations on one operator's
// ledger (earnings with holds, clock moves, payouts that CheckFunds allows
// and some it refuses, payout confirmations and failures with reversals,
// bonuses and clawbacks, scores) and checks the invariants after every
// step: the summary agrees with Compute and with Verify, Pending + Available
// == TotalEarned - PaidOut - Reversed, Available >= 0, and no entry is ever
// changed.
func TestLedgerProperties(t *testing.T) {
	sequences := 2000
	if testing.Short() {
		sequences = 200
	}
	rng := rand.New(rand.NewPCG(20260402, 1))
	for seq := range sequences {
		m := &model{t: t, rng: rng, seq: seq, now: t0.UTC()}
		steps := 1 + rng.IntN(60)
		for step := range steps {
			m.step = step
			m.randomStep()
			m.check()
		}
	}
}

// model is one sequence: the entries appended so far and the summary kept
// beside them.
type model struct {
	t         *testing.T
	rng       *rand.Rand
	seq, step int
	now       time.Time
	entries   []ledger.Entry // what a store holds, handed to Compute and Verify
	saved     []ledger.Entry // a private copy of each entry as appended
	summary   ledger.Summary
	pending   []ledger.Payout // payouts still PENDING_ONCHAIN
	ids       int
}

func (m *model) fatalf(format string, args ...any) {
	m.t.Helper()
	m.t.Fatalf("sequence %d step %d: "+format, append([]any{m.seq, m.step}, args...)...)
}

func (m *model) nextID() int {
	m.ids++
	return m.ids
}

func (m *model) randomStep() {
	m.t.Helper()
	switch r := m.rng.IntN(100); {
	case r < 30:
		m.earn()
	case r < 50:
		m.advance()
	case r < 70:
		m.payout()
	case r < 82:
		m.settle()
	case r < 92:
		m.adjust()
	default:
		m.score()
	}
}

func (m *model) earn() {
	m.t.Helper()
	amount := ledger.Cents(1 + m.rng.Int64N(50_000))
	if m.rng.IntN(50) == 0 {
		amount = ledger.MaxAmount
	}
	holds := []time.Duration{0, time.Hour, hold, time.Duration(m.rng.Int64N(int64(10 * 24 * time.Hour)))}
	n := m.nextID()
	e, err := ledger.Earning(entryID(n), op, taskID(n), amount, m.now, holds[m.rng.IntN(len(holds))])
	if err != nil {
		m.fatalf("Earning = %v", err)
	}
	m.mustApply(e)
}

// advance moves the clock forward: not at all, a random time, or exactly to
// the end of a hold, where the earning turns available.
func (m *model) advance() {
	switch m.rng.IntN(4) {
	case 0:
	case 1:
		if len(m.summary.Holds) > 0 {
			h := m.summary.Holds[m.rng.IntN(len(m.summary.Holds))]
			if h.AvailableAt.After(m.now) {
				m.now = h.AvailableAt
			}
		}
	default:
		m.now = m.now.Add(time.Duration(m.rng.Int64N(int64(3 * 24 * time.Hour))))
	}
}

// payout requests a random amount, sometimes the whole available balance or
// a cent more. What CheckFunds allows is applied and must succeed; what it
// refuses must be refused by Apply too.
func (m *model) payout() {
	m.t.Helper()
	b := m.summary.Balances(m.now)
	var amount ledger.Cents
	switch m.rng.IntN(4) {
	case 0:
		amount = b.Available
	case 1:
		amount = b.Available + 1
	default:
		amount = ledger.Cents(m.rng.Int64N(int64(b.Available + b.Pending + 3000)))
	}
	req := ledger.PayoutRequest{Amount: amount, Method: "usdc", Chain: "base", WalletAddress: wallet}
	if req.Check(ledger.DefaultGasFee) != nil {
		return
	}
	n := m.nextID()
	p, err := ledger.NewPayout(req, payoutID(n), op, ledger.DefaultGasFee, m.now)
	if err != nil {
		m.fatalf("NewPayout(%s) = %v", amount, err)
	}
	e, err := ledger.PayoutDebit(entryID(n), p, m.now)
	if err != nil {
		m.fatalf("PayoutDebit = %v", err)
	}
	if ledger.CheckFunds(b, amount) != nil {
		m.mustRefuse(e)
		return
	}
	m.mustApply(e)
	m.pending = append(m.pending, p)
}

// settle confirms or fails a pending payout; a failure is reversed.
func (m *model) settle() {
	m.t.Helper()
	if len(m.pending) == 0 {
		return
	}
	i := m.rng.IntN(len(m.pending))
	p := m.pending[i]
	m.pending = slices.Delete(m.pending, i, i+1)
	if m.rng.IntN(2) == 0 {
		if _, err := p.Confirm(txHash, m.now); err != nil {
			m.fatalf("Confirm = %v", err)
		}
		return
	}
	failed, err := p.Fail("rejected", m.now)
	if err != nil {
		m.fatalf("Fail = %v", err)
	}
	e, err := ledger.PayoutReversal(entryID(m.nextID()), failed, m.now)
	if err != nil {
		m.fatalf("PayoutReversal = %v", err)
	}
	before := m.summary.Balances(m.now).Available
	m.mustApply(e)
	if got := m.summary.Balances(m.now).Available; got != before+p.Amount {
		m.fatalf("after reversing %s, available is %s, want %s at once", p.Amount, got, before+p.Amount)
	}
}

// adjust adds a bonus or claws back, sometimes more than is available.
func (m *model) adjust() {
	m.t.Helper()
	available := m.summary.Balances(m.now).Available
	amount := ledger.Cents(1 + m.rng.Int64N(10_000))
	if m.rng.IntN(2) == 0 {
		amount = -min(ledger.MaxAmount, ledger.Cents(1+m.rng.Int64N(int64(available+100))))
	}
	e, err := ledger.Adjustment(entryID(m.nextID()), op, amount, "property test", m.now)
	if err != nil {
		m.fatalf("Adjustment(%s) = %v", amount, err)
	}
	if -amount > available {
		m.mustRefuse(e)
		return
	}
	m.mustApply(e)
}

func (m *model) score() {
	m.t.Helper()
	next, err := m.summary.AddScore(1 + m.rng.IntN(5))
	if err != nil {
		m.fatalf("AddScore = %v", err)
	}
	m.summary = next
}

// mustApply applies e, which must be accepted, and appends it.
func (m *model) mustApply(e ledger.Entry) {
	m.t.Helper()
	before := m.summary.Clone()
	next, err := m.summary.Apply(e, m.now)
	if err != nil {
		m.fatalf("Apply(%s %s) = %v, want no error", e.Kind, e.Amount, err)
	}
	if !sameSummary(before, m.summary) {
		m.fatalf("Apply changed its receiver (-want +got):\n%s", cmp.Diff(before, m.summary))
	}
	m.summary = next
	m.entries = append(m.entries, e)
	m.saved = append(m.saved, e)
}

// mustRefuse applies e, which must be refused for insufficient funds,
// leaving the summary as it was; e is not appended.
func (m *model) mustRefuse(e ledger.Entry) {
	m.t.Helper()
	got, err := m.summary.Apply(e, m.now)
	if !errors.Is(err, ledger.ErrInsufficientFunds) {
		m.fatalf("Apply(%s %s with %s available) = %v, want ErrInsufficientFunds",
			e.Kind, e.Amount, m.summary.Balances(m.now).Available, err)
	}
	if !sameSummary(m.summary, got) {
		m.fatalf("a refused Apply returned a changed summary (-want +got):\n%s", cmp.Diff(m.summary, got))
	}
}

func (m *model) check() {
	m.t.Helper()
	got := m.summary.Balances(m.now)
	if want := ledger.Compute(m.entries, m.now); got != want {
		m.fatalf("Summary.Balances differs from Compute (-want +got):\n%s", cmp.Diff(want, got))
	}
	if got.Pending+got.Available != got.TotalEarned-got.PaidOut-got.Reversed {
		m.fatalf("pending + available != earned - paid out - reversed: %+v", got)
	}
	if got.Available < 0 || got.Pending < 0 || got.PaidOut < 0 || got.Reversed < 0 {
		m.fatalf("a balance is below zero: %+v", got)
	}
	if err := ledger.Verify(m.summary, m.entries, m.now); err != nil {
		m.fatalf("Verify = %v", err)
	}
	// Entries are comparable values: == is exact, down to the times'
	// monotonic readings and locations.
	if !slices.Equal(m.saved, m.entries) {
		m.fatalf("entries were changed (-want +got):\n%s", cmp.Diff(m.saved, m.entries))
	}
	// The order of the entries does not matter to Compute.
	if m.step%16 == 0 {
		shuffled := slices.Clone(m.entries)
		m.rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		if again := ledger.Compute(shuffled, m.now); again != got {
			m.fatalf("Compute depends on the order of entries (-want +got):\n%s", cmp.Diff(got, again))
		}
	}
}

// sameSummary reports whether a and b are equal, quickly; cmp.Diff says how
// they differ.
func sameSummary(a, b ledger.Summary) bool {
	return slices.Equal(a.Holds, b.Holds) && slices.Equal(a.Scores, b.Scores) &&
		a.OperatorID == b.OperatorID && a.Earned == b.Earned && a.PaidOut == b.PaidOut &&
		a.Reversed == b.Reversed && a.Entries == b.Entries && a.Completed == b.Completed
}
