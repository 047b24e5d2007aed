package humop_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/humop/humop"
	"github.com/humop/humop/boltstore"
	"github.com/humop/humop/ledger"
	"github.com/humop/humop/memstore"
)

// adapterNames lists the adapters benchmarked, in order.
var adapterNames = []string{"boltstore", "memstore"}

// benchStore opens a fresh store of the named adapter.
func benchStore(b *testing.B, name string) humop.Store {
	b.Helper()
	if name == "memstore" {
		return &memstore.Store{}
	}
	st, err := boltstore.Open(filepath.Join(b.TempDir(), "bench.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st
}

// BenchmarkCompleteWithCredit measures the guardian's verdict on submitted
// work: VERIFIED, COMPLETED, the earning appended and the summary and
// rating updated, all in one transaction. Preparing each task is not timed.
// The cost grows with the operator's earnings still on hold (the summary
// keeps them), so the clock moves as a busy operator's would.
func BenchmarkCompleteWithCredit(b *testing.B) {
	for _, name := range adapterNames {
		b.Run(name, func(b *testing.B) {
			w := newWorld(b, benchStore(b, name), time.Hour)
			op := w.operator(fmt.Sprintf("%s@example.com", name))
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				// One completion a minute against a one-hour hold: a busy
				// operator with about sixty earnings on hold at any time.
				w.advance(time.Minute)
				id := w.submitted(op)
				b.StartTimer()
				if _, err := w.svc.RecordGuardianOutcome(ctx, id, humop.GuardianOutcome{Quality: 5}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "completions/s")
		})
	}
}

// BenchmarkPayout measures payout requests, each one transaction with its
// balance check, debit entry, summary and payout record, from 1 and from
// 32 concurrent callers, with and without an Idempotency-Key.
func BenchmarkPayout(b *testing.B) {
	for _, name := range adapterNames {
		for _, par := range []int{1, 32} {
			for _, keyed := range []bool{false, true} {
				b.Run(fmt.Sprintf("%s/writers=%d/key=%v", name, par, keyed), func(b *testing.B) {
					w := newWorld(b, benchStore(b, name), time.Hour)
					op := w.operator(fmt.Sprintf("%s-%d-%v@example.com", name, par, keyed))
					ctx := context.Background()
					if _, err := w.svc.Adjust(ctx, op, ledger.MaxAmount, "benchmark funds"); err != nil {
						b.Fatal(err)
					}
					b.SetParallelism(par)
					b.ReportAllocs()
					b.ResetTimer()
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							var ik *humop.IdempotencyKey
							if keyed {
								k := fmt.Sprintf("k-%p-%d", pb, time.Now().UnixNano())
								ik = &humop.IdempotencyKey{Key: k, Fingerprint: [32]byte{1}}
							}
							if _, _, err := w.svc.RequestPayout(ctx, op, payoutReq(1000), ik); err != nil {
								b.Error(err)
								return
							}
						}
					})
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "payouts/s")
				})
			}
		}
	}
}

// BenchmarkEarnings100k reads the balances of an operator with 100,000
// ledger entries. Reading uses the running totals, so it must not depend
// on the number of entries: the 100-entry case is the baseline.
func BenchmarkEarnings100k(b *testing.B) {
	for _, name := range adapterNames {
		for _, entries := range []int{100, 100_000} {
			b.Run(fmt.Sprintf("%s/entries=%d", name, entries), func(b *testing.B) {
				w := newWorld(b, benchStore(b, name), time.Hour)
				op := w.operator(fmt.Sprintf("%s-%d@example.com", name, entries))
				w.seedEntries(op, entries)
				ctx := context.Background()
				b.ReportAllocs()
				for b.Loop() {
					if _, err := w.svc.Operator(ctx, op); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// seedEntries appends n adjustments of one cent to the operator's ledger,
// in large transactions, keeping the summary in step.
func (w *world) seedEntries(opID string, n int) {
	w.t.Helper()
	ctx := context.Background()
	for done := 0; done < n; {
		batch := min(5000, n-done)
		err := w.store.Update(ctx, func(tx humop.Tx) error {
			sum, err := tx.Ledger().Summary(opID)
			if err != nil {
				return err
			}
			for i := range batch {
				e, err := ledger.Adjustment(ledger.EntryIDPrefix+ulid.Make().String(), opID, 1,
					fmt.Sprint("seed ", done+i), w.clock())
				if err != nil {
					return err
				}
				if sum, err = sum.Apply(e, w.clock()); err != nil {
					return err
				}
				if err := tx.Ledger().Append(e); err != nil {
					return err
				}
			}
			return tx.Ledger().PutSummary(sum)
		})
		if err != nil {
			w.t.Fatal(err)
		}
		done += batch
	}
}
