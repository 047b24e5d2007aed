package boltstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/humop/humop"
	"github.com/humop/humop/ledger"
	"github.com/humop/humop/memstore"
)

// BenchmarkCredit measures completion credits: one Update that reads the
// operator's summary, applies the earning, appends it and puts the new
// summary. Credits go round creditOperators operators on a clock that moves
// a second per credit, and each is held for creditHolds rounds, so that a
// summary settles at about creditHolds holds whatever b.N. Run with
// go test -run '^$' -bench Credit -benchtime=3s.
func BenchmarkCredit(b *testing.B) {
	for _, writers := range []int{1, 32} {
		b.Run(fmt.Sprintf("memstore/writers=%d", writers), func(b *testing.B) {
			benchCredit(b, &memstore.Store{}, writers)
		})
	}
	for _, writers := range []int{1, 32} {
		b.Run(fmt.Sprintf("boltstore/writers=%d", writers), func(b *testing.B) {
			benchCredit(b, openTemp(b, nil), writers)
		})
	}
}

const creditOperators, creditHolds = 1000, 10

func benchCredit(b *testing.B, st humop.Store, writers int) {
	ops := make([]string, creditOperators)
	for i := range ops {
		ops[i] = "op_" + ulid.Make().String()
	}
	start := time.Now().UTC()
	benchWriters(b, writers, func(i int64) error {
		now := start.Add(time.Duration(i) * time.Second)
		e, err := ledger.Earning(ledger.EntryIDPrefix+ulid.Make().String(), ops[i%creditOperators],
			"task_"+ulid.Make().String(), 2500, now, creditHolds*creditOperators*time.Second)
		if err != nil {
			return err
		}
		return st.Update(context.Background(), func(tx humop.Tx) error {
			l := tx.Ledger()
			s, err := l.Summary(e.OperatorID)
			if err != nil {
				return err
			}
			next, err := s.Apply(e, now)
			if err != nil {
				return err
			}
			if err := l.Append(e); err != nil {
				return err
			}
			return l.PutSummary(next)
		})
	})
}
