package memstore

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/humop/humop/idempotency"
	"github.com/humop/humop/ledger"
)

type ledgerStore struct{ t *tx }

func (s ledgerStore) Append(e ledger.Entry) error {
	if err := s.t.checkWritable(); err != nil {
		return err
	}
	if err := e.Check(); err != nil {
		return err
	}
	d := s.t.d
	if _, ok := d.entries.get(e.ID); ok {
		return ledger.ErrDuplicate
	}
	if e.Kind == ledger.KindEarning {
		if _, ok := d.earnings.get(e.TaskID); ok {
			return ledger.ErrAlreadyCredited
		}
		d.earnings.put(e.TaskID, e.ID)
	}
	d.entries.put(e.ID, e)
	list, _ := d.entryLists.get(e.OperatorID)
	d.entryLists.put(e.OperatorID, addKey(list, listKey(e.CreatedAt, e.ID)))
	return nil
}

func (s ledgerStore) Summary(operatorID string) (ledger.Summary, error) {
	sum, ok := s.t.d.summaries.get(operatorID)
	if !ok {
		return ledger.Summary{OperatorID: operatorID}, nil
	}
	return sum.Clone(), nil
}

func (s ledgerStore) PutSummary(sum ledger.Summary) error {
	if err := s.t.checkWritable(); err != nil {
		return err
	}
	if sum.OperatorID == "" {
		return errors.New("memstore: put summary: no operator id")
	}
	s.t.d.summaries.put(sum.OperatorID, sum.Clone())
	return nil
}

func (s ledgerStore) Entries(operatorID string, offset, limit int) ([]ledger.Entry, int, error) {
	ids, _ := s.t.d.entryLists.get(operatorID)
	out := []ledger.Entry{}
	for i := len(ids) - 1 - offset; i >= 0 && len(out) < limit; i-- {
		e, _ := s.t.d.entries.get(idOf(ids[i]))
		out = append(out, e)
	}
	return out, len(ids), nil
}

func (s ledgerStore) EarningFor(taskID string) (ledger.Entry, error) {
	id, ok := s.t.d.earnings.get(taskID)
	if !ok {
		return ledger.Entry{}, ledger.ErrNotCredited
	}
	e, _ := s.t.d.entries.get(id)
	return e, nil
}

func (s ledgerStore) InsertPayout(p ledger.Payout) error {
	if err := s.t.checkWritable(); err != nil {
		return err
	}
	d := s.t.d
	if _, ok := d.payouts.get(p.ID); ok {
		return ledger.ErrDuplicate
	}
	d.payouts.put(p.ID, p)
	list, _ := d.payoutLists.get(p.OperatorID)
	d.payoutLists.put(p.OperatorID, addKey(list, listKey(p.CreatedAt, p.ID)))
	return nil
}

func (s ledgerStore) Payout(id string) (ledger.Payout, error) {
	p, ok := s.t.d.payouts.get(id)
	if !ok {
		return ledger.Payout{}, ledger.ErrNotFound
	}
	return p, nil
}

func (s ledgerStore) ReplacePayout(p ledger.Payout) error {
	if err := s.t.checkWritable(); err != nil {
		return err
	}
	d := s.t.d
	old, ok := d.payouts.get(p.ID)
	if !ok {
		return ledger.ErrNotFound
	}
	if old.OperatorID != p.OperatorID {
		return fmt.Errorf("memstore: replace payout %s: operator changed", p.ID)
	}
	if !old.CreatedAt.Equal(p.CreatedAt) {
		list, _ := d.payoutLists.get(p.OperatorID)
		list = slices.Clone(list)
		list = removeSorted(list, listKey(old.CreatedAt, old.ID))
		d.payoutLists.put(p.OperatorID, addKey(list, listKey(p.CreatedAt, p.ID)))
	}
	d.payouts.put(p.ID, p)
	return nil
}

func (s ledgerStore) Payouts(operatorID string, offset, limit int) ([]ledger.Payout, int, error) {
	ids, _ := s.t.d.payoutLists.get(operatorID)
	out := []ledger.Payout{}
	for i := len(ids) - 1 - offset; i >= 0 && len(out) < limit; i-- {
		p, _ := s.t.d.payouts.get(idOf(ids[i]))
		out = append(out, p)
	}
	return out, len(ids), nil
}

// listKey orders ledger lists by creation time, then id.
func listKey(at time.Time, id string) string {
	return fmt.Sprintf("%020d|%s", at.UnixNano(), id)
}

// addKey returns list with key in its sorted place. Appending at the end,
// the usual case, may share the committed list's array: nothing reads past
// a committed list's length, and only one transaction writes at a time.
// Inserting elsewhere copies first, so a rollback leaves the committed list
// as it was.
func addKey(list []string, key string) []string {
	if n := len(list); n == 0 || list[n-1] < key {
		return append(list, key)
	}
	return insertSorted(slices.Clone(list), key)
}

type idemStore struct{ t *tx }

func idemKey(scope, key string) string { return scope + "\x00" + key }

func (s idemStore) Get(scope, key string) (*idempotency.Record, error) {
	r, ok := s.t.d.idem.get(idemKey(scope, key))
	if !ok {
		return nil, nil
	}
	c := r.Clone()
	return &c, nil
}

func (s idemStore) Put(r idempotency.Record) error {
	if err := s.t.checkWritable(); err != nil {
		return err
	}
	k := idemKey(r.Scope, r.Key)
	if old, ok := s.t.d.idem.get(k); ok && !old.Expired(r.CreatedAt) {
		return idempotency.ErrInFlight
	}
	s.t.d.idem.put(k, r.Clone())
	return nil
}

func (s idemStore) DeleteExpired(now time.Time) (int, error) {
	if err := s.t.checkWritable(); err != nil {
		return 0, err
	}
	n := 0
	for k, r := range s.t.d.idem.rows {
		_, written := s.t.d.idem.pending[k]
		if !written && !s.t.d.idem.deleted[k] && r.Expired(now) {
			s.t.d.idem.del(k)
			n++
		}
	}
	for k, r := range s.t.d.idem.pending {
		if r.Expired(now) {
			s.t.d.idem.del(k)
			n++
		}
	}
	return n, nil
}
