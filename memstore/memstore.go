// Package memstore keeps humop's data in memory. It is the dev server's
// default store and the quickest store for tests.
//
// The zero Store is empty and ready to use, and safe for concurrent use.
// Transactions are serialisable: one writer at a time, readers in parallel
// with each other. A failed Update leaves nothing behind, because writes go
// to a scratch layer that is merged only on success. Values are copied in
// and out, so callers never share memory with the store.
package memstore

import (
	"context"
	"sync"

	"github.com/humop/humop"
	"github.com/humop/humop/agent"
	"github.com/humop/humop/idempotency"
	"github.com/humop/humop/kyc"
	"github.com/humop/humop/ledger"
	"github.com/humop/humop/operator"
	"github.com/humop/humop/task"
)

// Store is an in-memory humop.Store.
type Store struct {
	mu   sync.RWMutex
	data data
}

// data is everything the store holds, one table per record kind or index.
type data struct {
	operators   table[*operator.Operator]
	emails      table[string] // operator.EmailKey -> operator id
	subjects    table[string] // identity subject -> operator id
	cases       table[*kyc.Case]
	agents      table[*agent.Agent]
	agentEmails table[string] // agent.EmailKey -> agent id
	agentKeys   table[string] // API key hash -> agent id
	tasks       table[*task.Task]
	taskIndex   taskIndex // of committed tasks only
	entries     table[ledger.Entry]
	entryLists  table[[]string] // operator id -> entry ids, oldest first
	earnings    table[string]   // task id -> earning entry id
	summaries   table[ledger.Summary]
	payouts     table[ledger.Payout]
	payoutLists table[[]string] // operator id -> payout ids, oldest first
	idem        table[idempotency.Record]
	events      table[task.Event] // the outbox, by event id
}

var _ humop.Store = (*Store)(nil)

// View runs fn in a read-only transaction.
func (s *Store) View(ctx context.Context, fn func(humop.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return fn(&tx{d: &s.data})
}

// Update runs fn in a read-write transaction, keeping its writes only when
// it returns nil.
func (s *Store) Update(ctx context.Context, fn func(humop.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := &tx{d: &s.data, writable: true}
	committed := false
	defer func() {
		if !committed {
			t.rollback() // fn failed or panicked: keep nothing
		}
	}()
	if err := fn(t); err != nil {
		return err
	}
	t.commit()
	committed = true
	return nil
}

// Reset removes everything. It waits for transactions in progress.
func (s *Store) Reset(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data = data{}
	return nil
}

// Close does nothing; it exists so that every store can be closed alike.
func (s *Store) Close() error { return nil }

type tx struct {
	d        *data
	writable bool
}

func (t *tx) Operators() operator.Store { return operators{t} }
func (t *tx) KYC() kyc.Store            { return cases{t} }
func (t *tx) Agents() agent.Store       { return agents{t} }
func (t *tx) Tasks() task.Store         { return tasks{t} }
func (t *tx) Ledger() ledger.Store      { return ledgerStore{t} }
func (t *tx) Idempotency() idempotency.Store {
	return idemStore{t}
}
func (t *tx) Outbox() task.Outbox { return outbox{t} }

func (t *tx) commit() {
	d := t.d
	for id, next := range d.tasks.pending {
		d.taskIndex.update(d.tasks.rows[id], next)
	}
	d.operators.commit()
	d.emails.commit()
	d.subjects.commit()
	d.cases.commit()
	d.agents.commit()
	d.agentEmails.commit()
	d.agentKeys.commit()
	d.tasks.commit()
	d.taskIndex.compact(d.tasks.rows)
	d.entries.commit()
	d.entryLists.commit()
	d.earnings.commit()
	d.summaries.commit()
	d.payouts.commit()
	d.payoutLists.commit()
	d.idem.commit()
	d.events.commit()
}

func (t *tx) rollback() {
	d := t.d
	d.operators.rollback()
	d.emails.rollback()
	d.subjects.rollback()
	d.cases.rollback()
	d.agents.rollback()
	d.agentEmails.rollback()
	d.agentKeys.rollback()
	d.tasks.rollback()
	d.entries.rollback()
	d.entryLists.rollback()
	d.earnings.rollback()
	d.summaries.rollback()
	d.payouts.rollback()
	d.payoutLists.rollback()
	d.idem.rollback()
	d.events.rollback()
}

// readOnlyError is a programming error: a write inside View.
type readOnlyError struct{}

func (readOnlyError) Error() string { return "memstore: write in a read-only transaction" }

func (t *tx) checkWritable() error {
	if !t.writable {
		return readOnlyError{}
	}
	return nil
}

// table is a map with a scratch layer for the open transaction. Only one
// transaction writes at a time (the store's lock), so one scratch layer per
// table is enough.
type table[V any] struct {
	rows    map[string]V
	pending map[string]V
	deleted map[string]bool
}

func (tb *table[V]) get(k string) (V, bool) {
	if tb.deleted[k] {
		var zero V
		return zero, false
	}
	if v, ok := tb.pending[k]; ok {
		return v, true
	}
	v, ok := tb.rows[k]
	return v, ok
}

func (tb *table[V]) put(k string, v V) {
	if tb.pending == nil {
		tb.pending = make(map[string]V)
	}
	delete(tb.deleted, k)
	tb.pending[k] = v
}

func (tb *table[V]) del(k string) {
	if tb.deleted == nil {
		tb.deleted = make(map[string]bool)
	}
	delete(tb.pending, k)
	tb.deleted[k] = true
}

func (tb *table[V]) commit() {
	if len(tb.pending) > 0 && tb.rows == nil {
		tb.rows = make(map[string]V, len(tb.pending))
	}
	for k, v := range tb.pending {
		tb.rows[k] = v
	}
	for k := range tb.deleted {
		delete(tb.rows, k)
	}
	tb.rollback()
}

func (tb *table[V]) rollback() {
	clear(tb.pending)
	clear(tb.deleted)
}
