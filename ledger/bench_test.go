package ledger_test

import (
	"testing"
	"time"

	"github.com/humop/humop/ledger"
)

// busyOperator returns the 100,000 entries of a busy operator, one an hour
// (about eleven years), with a 7-day hold on earnings and a payout every
// fiftieth entry, the summary kept by applying each as it came, and the
// time of the last one. About 160 earnings are still on hold at the end.
func busyOperator(b *testing.B) ([]ledger.Entry, ledger.Summary, time.Time) {
	b.Helper()
	const n = 100_000
	entries := make([]ledger.Entry, 0, n)
	var s ledger.Summary
	now := t0.UTC()
	for i := 1; i <= n; i++ {
		now = now.Add(time.Hour)
		var e ledger.Entry
		if i%50 == 0 && s.Balances(now).Available >= 1000 {
			_, e = mustPayout(b, i, 1000, now)
		} else {
			e = mustEarning(b, i, 1500, now, hold)
		}
		var err error
		if s, err = s.Apply(e, now); err != nil {
			b.Fatal(err)
		}
		entries = append(entries, e)
	}
	if err := ledger.Verify(s, entries, now); err != nil {
		b.Fatal(err)
	}
	return entries, s, now
}

// BenchmarkBalances compares reading an operator's balances from the
// summary, O(holds), with computing them from all 100,000 entries.
func BenchmarkBalances(b *testing.B) {
	entries, s, now := busyOperator(b)
	b.Run("Summary", func(b *testing.B) {
		for b.Loop() {
			_ = s.Balances(now)
		}
		b.ReportMetric(float64(len(s.Holds)), "holds")
	})
	b.Run("Compute", func(b *testing.B) {
		for b.Loop() {
			_ = ledger.Compute(entries, now)
		}
		b.ReportMetric(float64(len(entries)), "entries")
	})
}

// BenchmarkApply measures appending one entry to the busy operator's
// summary: the cost is in copying and pruning the holds.
func BenchmarkApply(b *testing.B) {
	_, s, now := busyOperator(b)
	e := mustEarning(b, 100_001, 1500, now, hold)
	for b.Loop() {
		if _, err := s.Apply(e, now); err != nil {
			b.Fatal(err)
		}
	}
}
