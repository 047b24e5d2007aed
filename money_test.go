package humop_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/humop/humop"
	"github.com/humop/humop/agent"
	"github.com/humop/humop/idempotency"
	"github.com/humop/humop/ledger"
	"github.com/humop/humop/memstore"
	"github.com/humop/humop/operator"
	"github.com/humop/humop/skills"
	"github.com/humop/humop/task"
)

// adapters lists the stores the money rules must hold on. boltstore adds
// itself from adapters_bolt_test.go.
var adapters = map[string]func(t *testing.T) humop.Store{
	"memstore": func(*testing.T) humop.Store { return &memstore.Store{} },
}

// world is a Service with a movable clock, one agent and its helpers.
type world struct {
	t     testing.TB
	svc   *humop.Service
	store humop.Store
	now   time.Time
	mu    sync.Mutex
	agent string
}

func newWorld(t testing.TB, store humop.Store, hold time.Duration) *world {
	t.Helper()
	w := &world{t: t, store: store, now: now0}
	svc, err := humop.New(humop.Options{
		Store:                 store,
		Now:                   w.clock,
		ApproveAtRegistration: true,
		Hold:                  hold,
	})
	if err != nil {
		t.Fatal(err)
	}
	w.svc = svc
	a, _, err := svc.RegisterAgent(context.Background(), agent.Registration{Name: "Bot", Email: "bot@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	w.agent = a.ID
	return w
}

func (w *world) clock() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.now
}

func (w *world) advance(d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.now = w.now.Add(d)
}

func (w *world) operator(email string) string {
	w.t.Helper()
	p, err := w.svc.RegisterOperator(context.Background(), operator.Registration{Name: "Op", Email: email}, "")
	if err != nil {
		w.t.Fatal(err)
	}
	return p.Operator.ID
}

// submitted posts a task and takes it to SUBMITTED for the operator,
// returning its id. The world has no guardian, so it stays there.
func (w *world) submitted(opID string) string {
	w.t.Helper()
	ctx := context.Background()
	tk, err := w.svc.PostTask(ctx, w.agent, task.Posting{
		Title: "Fill a form", Description: "d", Type: skills.FormFilling, Reward: 1234,
		Deadline: w.clock().Add(48 * time.Hour), ProofRequirements: []string{"screenshot"},
	})
	if err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.svc.ClaimTask(ctx, opID, tk.ID, task.Estimate{Hours: 1}); err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.svc.ApproveEstimate(ctx, w.agent, tk.ID); err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.svc.StartTask(ctx, opID, tk.ID); err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.svc.SubmitTask(ctx, opID, tk.ID, task.Submission{
		Proof: []task.ProofItem{{Requirement: "screenshot", URL: "https://p.example.com/1"}}}); err != nil {
		w.t.Fatal(err)
	}
	return tk.ID
}

// finish runs a task of the given reward through its lifecycle for the
// operator: verified with quality q, or disputed when dispute is true.
func (w *world) finish(opID string, reward ledger.Cents, q int, dispute bool) *task.Task {
	w.t.Helper()
	ctx := context.Background()
	tk, err := w.svc.PostTask(ctx, w.agent, task.Posting{
		Title: "Fill a form", Description: "d", Type: skills.FormFilling, Reward: reward,
		Deadline: w.clock().Add(48 * time.Hour), ProofRequirements: []string{"screenshot"},
	})
	if err != nil {
		w.t.Fatal(err)
	}
	steps := []func() error{
		func() error { _, err := w.svc.ClaimTask(ctx, opID, tk.ID, task.Estimate{Hours: 1}); return err },
		func() error { _, err := w.svc.ApproveEstimate(ctx, w.agent, tk.ID); return err },
		func() error { _, err := w.svc.StartTask(ctx, opID, tk.ID); return err },
		func() error {
			_, err := w.svc.SubmitTask(ctx, opID, tk.ID, task.Submission{
				Proof: []task.ProofItem{{Requirement: "screenshot", URL: "https://p.example.com/1"}}})
			return err
		},
	}
	if dispute {
		steps = append(steps,
			func() error {
				_, err := w.svc.RecordGuardianOutcome(ctx, tk.ID, humop.GuardianOutcome{ManualReview: true})
				return err
			},
			func() error { _, err := w.svc.ReviewTask(ctx, w.agent, tk.ID, false, 0, "wrong"); return err })
	} else {
		steps = append(steps, func() error {
			_, err := w.svc.RecordGuardianOutcome(ctx, tk.ID, humop.GuardianOutcome{Quality: q})
			return err
		})
	}
	for i, step := range steps {
		if err := step(); err != nil {
			w.t.Fatalf("lifecycle step %d of %s: %v", i, tk.ID, err)
		}
	}
	return tk
}

func (w *world) balances(opID string) ledger.Balances {
	w.t.Helper()
	e, err := w.svc.Earnings(context.Background(), opID)
	if err != nil {
		w.t.Fatal(err)
	}
	return e.Balances
}

// audit checks every money invariant for the operator against the entries
// themselves.
func (w *world) audit(opID string, completed map[string]ledger.Cents, paid ledger.Cents) {
	w.t.Helper()
	now := w.clock()
	err := w.store.View(context.Background(), func(tx humop.Tx) error {
		sum, err := tx.Ledger().Summary(opID)
		if err != nil {
			return err
		}
		entries, n, err := tx.Ledger().Entries(opID, 0, 1<<30)
		if err != nil {
			return err
		}
		if n != len(entries) {
			return fmt.Errorf("Entries total %d, listed %d", n, len(entries))
		}
		if err := ledger.Verify(sum, entries, now); err != nil {
			return fmt.Errorf("summary disagrees with the entries: %w", err)
		}
		b := sum.Balances(now)
		if diff := cmp.Diff(ledger.Compute(entries, now), b); diff != "" {
			return fmt.Errorf("balances (-entries +summary):\n%s", diff)
		}
		if b.Pending+b.Available != b.TotalEarned-b.PaidOut-b.Reversed {
			return fmt.Errorf("pending + available != earned - paid out - reversed: %+v", b)
		}
		if b.Available < 0 || b.Pending < 0 {
			return fmt.Errorf("negative balance: %+v", b)
		}
		var earned ledger.Cents
		for _, c := range completed {
			earned += c
		}
		if b.TotalEarned != earned {
			return fmt.Errorf("total earned %s, want %s (every completion once)", b.TotalEarned, earned)
		}
		if b.PaidOut != paid {
			return fmt.Errorf("paid out %s, want %s", b.PaidOut, paid)
		}
		credits := map[string]int{}
		for _, e := range entries {
			if e.Kind == ledger.KindEarning {
				credits[e.TaskID]++
			}
		}
		for id, n := range credits {
			if n != 1 || completed[id] == 0 {
				return fmt.Errorf("task %s credited %d times (completed: %v)", id, n, completed[id] != 0)
			}
		}
		return nil
	})
	if err != nil {
		w.t.Fatal(err)
	}
}

const wallet = "0x52908400098527886E0F7030069857D2E4169EE7"

func payoutReq(amount ledger.Cents) ledger.PayoutRequest {
	return ledger.PayoutRequest{Amount: amount, Method: "usdc", Chain: "base", WalletAddress: wallet}
}

func TestCompletionCreditsOnceAndHoldReleasesByClock(t *testing.T) {
	for name, open := range adapters {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t, open(t), 7*24*time.Hour)
			op := w.operator("a@example.com")
			tk := w.finish(op, 2550, 4, false)
			want := ledger.Balances{Pending: 2550, TotalEarned: 2550}
			if diff := cmp.Diff(want, w.balances(op)); diff != "" {
				t.Errorf("right after completion (-want +got):\n%s", diff)
			}
			// A retried completion is refused and credits nothing.
			if _, err := w.svc.RecordGuardianOutcome(context.Background(), tk.ID, humop.GuardianOutcome{Quality: 5}); !errors.Is(err, task.ErrWrongState) {
				t.Errorf("second completion = %v, want ErrWrongState", err)
			}
			w.advance(7*24*time.Hour - time.Second)
			if got := w.balances(op).Pending; got != 2550 {
				t.Errorf("a second before the hold ends: pending %s, want 25.50", got)
			}
			w.advance(time.Second)
			if diff := cmp.Diff(ledger.Balances{Available: 2550, TotalEarned: 2550}, w.balances(op)); diff != "" {
				t.Errorf("when the hold ends (-want +got):\n%s", diff)
			}
			w.audit(op, map[string]ledger.Cents{tk.ID: 2550}, 0)
			p, err := w.svc.Operator(context.Background(), op)
			if err != nil || p.CompletedTasks != 1 || p.Operator.Rating != 475 || p.AvailableCents != 2550 {
				t.Errorf("profile = %+v, %v; want 1 completed task, rating 4.75 ((15+4)/4), 25.50 available", p, err)
			}
		})
	}
}

func TestDisputeCreditsNothingAndScoresOne(t *testing.T) {
	for name, open := range adapters {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t, open(t), time.Hour)
			op := w.operator("a@example.com")
			w.finish(op, 1000, 0, true)
			if diff := cmp.Diff(ledger.Balances{}, w.balances(op)); diff != "" {
				t.Errorf("balances after a dispute (-want +got):\n%s", diff)
			}
			p, _ := w.svc.Operator(context.Background(), op)
			if p.Operator.Rating != 400 {
				t.Errorf("rating after one dispute = %d, want 400", p.Operator.Rating)
			}
			w.audit(op, map[string]ledger.Cents{}, 0)
		})
	}
}

func TestPayoutRules(t *testing.T) {
	for name, open := range adapters {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t, open(t), time.Hour)
			ctx := context.Background()
			op := w.operator("a@example.com")
			tk := w.finish(op, 5000, 5, false)
			if _, _, err := w.svc.RequestPayout(ctx, op, payoutReq(1000), nil); !errors.Is(err, ledger.ErrInsufficientFunds) {
				t.Errorf("payout while the earning is on hold = %v, want ErrInsufficientFunds", err)
			}
			w.advance(time.Hour)
			if _, _, err := w.svc.RequestPayout(ctx, op, payoutReq(999), nil); !errors.Is(err, ledger.ErrBelowMinimum) {
				t.Errorf("payout of 9.99 = %v, want ErrBelowMinimum", err)
			}
			if _, _, err := w.svc.RequestPayout(ctx, op, payoutReq(5001), nil); !errors.Is(err, ledger.ErrInsufficientFunds) {
				t.Errorf("payout above available = %v, want ErrInsufficientFunds", err)
			}
			p, _, err := w.svc.RequestPayout(ctx, op, payoutReq(3000), nil)
			if err != nil {
				t.Fatal(err)
			}
			if p.Status != ledger.PayoutPending || p.GasFee != 3 || p.Net != 2997 {
				t.Errorf("payout = %+v, want PENDING_ONCHAIN, fee 0.03, net 29.97", p)
			}
			if got := w.balances(op).Available; got != 2000 {
				t.Errorf("available after requesting 30.00 = %s, want 20.00", got)
			}
			failed, err := w.svc.SettlePayout(ctx, p.ID, false, "", "rejected by the chain")
			if err != nil || failed.Status != ledger.PayoutFailed {
				t.Fatalf("fail = %+v, %v", failed, err)
			}
			if got := w.balances(op).Available; got != 5000 {
				t.Errorf("available after the payout failed = %s, want 50.00 at once", got)
			}
			if _, err := w.svc.SettlePayout(ctx, p.ID, true, "", ""); !errors.Is(err, ledger.ErrWrongState) {
				t.Errorf("confirming a failed payout = %v, want ErrWrongState", err)
			}
			p2, _, err := w.svc.RequestPayout(ctx, op, payoutReq(5000), nil)
			if err != nil {
				t.Fatal(err)
			}
			ok, err := w.svc.SettlePayout(ctx, p2.ID, true, "", "")
			if err != nil || ok.Status != ledger.PayoutConfirmed || len(ok.TxHash) != 66 {
				t.Fatalf("confirm = %+v, %v", ok, err)
			}
			w.audit(op, map[string]ledger.Cents{tk.ID: 5000}, 5000)
			list, total, err := w.svc.Payouts(ctx, op, task.Page{Limit: 10})
			if err != nil || total != 2 || list[0].ID != p2.ID {
				t.Errorf("Payouts = %d payouts (first %v), %v; want 2, newest first", total, list, err)
			}
		})
	}
}

func TestConcurrentPayoutsNeverOverdraw(t *testing.T) {
	for name, open := range adapters {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t, open(t), time.Minute)
			ctx := context.Background()
			op := w.operator("a@example.com")
			for range 4 {
				w.finish(op, 2500, 5, false)
			}
			w.advance(time.Minute)
			const n = 20
			results := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, _, results[i] = w.svc.RequestPayout(ctx, op, payoutReq(1000), nil)
				}()
			}
			wg.Wait()
			won, broke := 0, 0
			for _, err := range results {
				switch {
				case err == nil:
					won++
				case errors.Is(err, ledger.ErrInsufficientFunds):
					broke++
				default:
					t.Errorf("payout: %v", err)
				}
			}
			if won != 10 || broke != 10 {
				t.Errorf("%d payouts of 10.00 against 100.00: %d succeeded, %d refused; want 10 and 10", n, won, broke)
			}
			if b := w.balances(op); b.Available != 0 || b.PaidOut != 10000 {
				t.Errorf("balances after the race: %+v, want nothing available, 100.00 paid out", b)
			}
		})
	}
}

func TestPayoutIdempotencyKey(t *testing.T) {
	for name, open := range adapters {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t, open(t), time.Minute)
			ctx := context.Background()
			op := w.operator("a@example.com")
			tk := w.finish(op, 5000, 5, false)
			w.advance(time.Minute)
			key := func(k, body string) *humop.IdempotencyKey {
				return &humop.IdempotencyKey{Key: k, Fingerprint: idempotency.Fingerprint("POST", "/p", []byte(body))}
			}
			first, replayed, err := w.svc.RequestPayout(ctx, op, payoutReq(1000), key("k1", "a"))
			if err != nil || replayed {
				t.Fatalf("first = %v, replayed %v", err, replayed)
			}
			again, replayed, err := w.svc.RequestPayout(ctx, op, payoutReq(1000), key("k1", "a"))
			if err != nil || !replayed || again.ID != first.ID {
				t.Errorf("retry = %+v, replayed %v, %v; want the first payout replayed", again, replayed, err)
			}
			if _, _, err := w.svc.RequestPayout(ctx, op, payoutReq(2000), key("k1", "b")); !errors.Is(err, idempotency.ErrKeyReused) {
				t.Errorf("same key, other request = %v, want ErrKeyReused", err)
			}
			if got := w.balances(op).Available; got != 4000 {
				t.Errorf("available = %s, want 40.00: the retry must not pay twice", got)
			}
			// Another operator's identical key is another key.
			op2 := w.operator("b@example.com")
			if _, _, err := w.svc.RequestPayout(ctx, op2, payoutReq(1000), key("k1", "a")); !errors.Is(err, ledger.ErrInsufficientFunds) {
				t.Errorf("other operator with the same key = %v, want its own (refused) payout", err)
			}
			// After 24 hours the key is free again.
			w.advance(idempotency.TTL)
			if _, replayed, err := w.svc.RequestPayout(ctx, op, payoutReq(1000), key("k1", "a")); err != nil || replayed {
				t.Errorf("after 24h: replayed %v, %v; want a new payout", replayed, err)
			}
			w.audit(op, map[string]ledger.Cents{tk.ID: 5000}, 2000)
		})
	}
}

// TestMoneyInvariantsUnderRandomHistories drives random completions,
// disputes, clock moves, payouts, settlements and retried requests, and
// audits every operator after every step.
func TestMoneyInvariantsUnderRandomHistories(t *testing.T) {
	if testing.Short() {
		t.Skip("long property test")
	}
	for name, open := range adapters {
		t.Run(name, func(t *testing.T) {
			for seed := range uint64(6) {
				rng := rand.New(rand.NewPCG(seed, 99))
				w := newWorld(t, open(t), time.Duration(1+rng.IntN(72))*time.Hour)
				ctx := context.Background()
				ops := []string{w.operator("a@example.com"), w.operator("b@example.com")}
				completed := map[string]map[string]ledger.Cents{}
				paid := map[string]ledger.Cents{}
				type pend struct {
					op string
					p  ledger.Payout
				}
				var pending []pend
				for step := range 60 {
					op := ops[rng.IntN(len(ops))]
					if completed[op] == nil {
						completed[op] = map[string]ledger.Cents{}
					}
					switch r := rng.IntN(10); {
					case r < 3:
						reward := ledger.Cents(100 + rng.IntN(5000))
						dispute := rng.IntN(5) == 0
						tk := w.finish(op, reward, 1+rng.IntN(5), dispute)
						if !dispute {
							completed[op][tk.ID] = reward
						}
					case r < 5:
						w.advance(time.Duration(rng.IntN(48)) * time.Hour)
					case r < 8:
						amount := ledger.Cents(1000 + rng.IntN(6000))
						var ik *humop.IdempotencyKey
						if rng.IntN(2) == 0 {
							ik = &humop.IdempotencyKey{Key: fmt.Sprint("k", step), Fingerprint: [32]byte{byte(step)}}
						}
						p, _, err := w.svc.RequestPayout(ctx, op, payoutReq(amount), ik)
						if errors.Is(err, ledger.ErrInsufficientFunds) {
							continue
						}
						if err != nil {
							t.Fatalf("seed %d step %d: payout: %v", seed, step, err)
						}
						paid[op] += amount
						pending = append(pending, pend{op, p})
						if ik != nil { // a retry changes nothing
							if _, replayed, err := w.svc.RequestPayout(ctx, op, payoutReq(amount), ik); err != nil || !replayed {
								t.Fatalf("seed %d step %d: retry replayed %v, %v", seed, step, replayed, err)
							}
						}
					default:
						if len(pending) == 0 {
							continue
						}
						i := rng.IntN(len(pending))
						pd := pending[i]
						pending = append(pending[:i], pending[i+1:]...)
						ok := rng.IntN(2) == 0
						if _, err := w.svc.SettlePayout(ctx, pd.p.ID, ok, "", ""); err != nil {
							t.Fatalf("seed %d step %d: settle: %v", seed, step, err)
						}
						if !ok {
							paid[pd.op] -= pd.p.Amount
						}
					}
					for _, o := range ops {
						w.audit(o, completed[o], paid[o])
					}
				}
			}
		})
	}
}
