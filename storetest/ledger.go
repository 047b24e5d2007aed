package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/oklog/ulid/v2"

	"github.com/humop/humop"
	"github.com/humop/humop/ledger"
	"github.com/humop/humop/task"
)

var ledgerChecks = []check{
	{"appended entries of every kind read back unchanged", testEntryRoundTrip},
	{"entries are newest first, ties broken by id", testEntryOrder},
	{"entries are paged with the full total", testEntryPaging},
	{"append of a used entry id is ErrDuplicate and changes nothing", testEntryDuplicate},
	{"second earning for a task is ErrAlreadyCredited", testAlreadyCredited},
	{"second earning in the same update is ErrAlreadyCredited", testAlreadyCreditedInOneUpdate},
	{"invalid entry is refused and changes nothing", testInvalidEntry},
	{"earning of an uncredited task is ErrNotCredited", testNotCredited},
	{"summary of an operator without one is zero", testSummaryUnknown},
	{"put summary reads back unchanged and replaces the previous one", testSummaryRoundTrip},
	{"changing a returned or put summary does not change the store", testSummaryCopies},
	{"payouts read back unchanged and replace stores their moves", testPayoutRoundTrip},
	{"unknown or malformed payout id is ErrNotFound", testPayoutNotFound},
	{"insert of a used payout id is ErrDuplicate and changes nothing", testPayoutDuplicate},
	{"payouts are newest first, ties broken by id, and paged", testPayoutPaging},
	{"ledger reads see the writes of their own update", testLedgerOwnWrites},
	{"failed update writes no entry, summary or payout", testLedgerFailedUpdate},
	{"ledger writes in a view fail", testLedgerViewReadOnly},
	{"concurrent earnings for one task credit it once", testConcurrentCredit},
	{"concurrent credits of distinct tasks all land in the summary", testConcurrentCredits},
}

// creditHold is the hold of the checks' earnings: long, and with a
// nanosecond so that a store rounding AvailableAt shows up.
const creditHold = 72*time.Hour + 1

// wallet is a payout address.
const wallet = "0x52908400098527886e0f7030069857d2e4169ee7"

// summaryOpts compare summaries; empty lists may come back nil.
var summaryOpts = cmp.Options{cmpopts.EquateEmpty()}

func newEntryID() string  { return ledger.EntryIDPrefix + ulid.Make().String() }
func newPayoutID() string { return ledger.PayoutIDPrefix + ulid.Make().String() }
func newTaskID() string   { return task.IDPrefix + ulid.Make().String() }

// after returns the time minutes and ns after stamp.
func after(minutes int, ns time.Duration) time.Time {
	return stamp.Add(time.Duration(minutes)*time.Minute + ns)
}

// newEntryIDs returns n new entry ids in ascending order.
func newEntryIDs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = newEntryID() // ulid.Make is monotonic
	}
	return out
}

func mustEarning(t *testing.T, id, operatorID, taskID string, amount ledger.Cents, at time.Time) ledger.Entry {
	t.Helper()
	e, err := ledger.Earning(id, operatorID, taskID, amount, at, creditHold)
	if err != nil {
		t.Fatalf("Earning(%s) = %v", id, err)
	}
	return e
}

func mustAdjustment(t *testing.T, id, operatorID string, amount ledger.Cents, at time.Time) ledger.Entry {
	t.Helper()
	e, err := ledger.Adjustment(id, operatorID, amount, "support ticket 4711: café refund", at)
	if err != nil {
		t.Fatalf("Adjustment(%s) = %v", id, err)
	}
	return e
}

// mustPayout returns a pending payout of amount by the operator.
func mustPayout(t *testing.T, id, operatorID string, amount ledger.Cents, at time.Time) ledger.Payout {
	t.Helper()
	req := ledger.PayoutRequest{Amount: amount, Method: ledger.MethodUSDC, Chain: ledger.ChainBase,
		WalletAddress: wallet}
	p, err := ledger.NewPayout(req, id, operatorID, ledger.DefaultGasFee, at)
	if err != nil {
		t.Fatalf("NewPayout(%s) = %v", id, err)
	}
	return p
}

func mustDebit(t *testing.T, id string, p ledger.Payout, at time.Time) ledger.Entry {
	t.Helper()
	e, err := ledger.PayoutDebit(id, p, at)
	if err != nil {
		t.Fatalf("PayoutDebit(%s) = %v", p.ID, err)
	}
	return e
}

func mustFail(t *testing.T, p ledger.Payout, at time.Time) ledger.Payout {
	t.Helper()
	failed, err := p.Fail("nonce too low", at)
	if err != nil {
		t.Fatalf("Fail(%s) = %v", p.ID, err)
	}
	return failed
}

func mustConfirm(t *testing.T, p ledger.Payout, at time.Time) ledger.Payout {
	t.Helper()
	confirmed, err := p.Confirm("0x"+fmt.Sprintf("%064x", 0xbeef), at)
	if err != nil {
		t.Fatalf("Confirm(%s) = %v", p.ID, err)
	}
	return confirmed
}

// appendEntries appends the entries in one Update.
func appendEntries(t *testing.T, st humop.Store, es ...ledger.Entry) {
	t.Helper()
	update(t, st, func(tx humop.Tx) error {
		for _, e := range es {
			if err := tx.Ledger().Append(e); err != nil {
				return fmt.Errorf("Append(%s): %w", e.ID, err)
			}
		}
		return nil
	})
}

// insertPayouts inserts the payouts in one Update.
func insertPayouts(t *testing.T, st humop.Store, ps ...ledger.Payout) {
	t.Helper()
	update(t, st, func(tx humop.Tx) error {
		for _, p := range ps {
			if err := tx.Ledger().InsertPayout(p); err != nil {
				return fmt.Errorf("InsertPayout(%s): %w", p.ID, err)
			}
		}
		return nil
	})
}

func putSummary(t *testing.T, st humop.Store, s ledger.Summary) {
	t.Helper()
	update(t, st, func(tx humop.Tx) error { return tx.Ledger().PutSummary(s) })
}

// readLedger runs fn on the ledger in a View and returns what it returns.
func readLedger[T any](st humop.Store, fn func(ledger.Store) (T, error)) (T, error) {
	var v T
	err := st.View(context.Background(), func(tx humop.Tx) error {
		var err error
		v, err = fn(tx.Ledger())
		return err
	})
	return v, err
}

func summaryOf(t *testing.T, st humop.Store, operatorID string) ledger.Summary {
	t.Helper()
	s, err := readLedger(st, func(l ledger.Store) (ledger.Summary, error) { return l.Summary(operatorID) })
	if err != nil {
		t.Fatalf("Summary(%s) = %v", operatorID, err)
	}
	return s
}

func earningFor(st humop.Store, taskID string) (ledger.Entry, error) {
	return readLedger(st, func(l ledger.Store) (ledger.Entry, error) { return l.EarningFor(taskID) })
}

func getPayout(st humop.Store, id string) (ledger.Payout, error) {
	return readLedger(st, func(l ledger.Store) (ledger.Payout, error) { return l.Payout(id) })
}

// entryPage reads one page of the operator's entries.
func entryPage(t *testing.T, st humop.Store, operatorID string, offset, limit int) ([]ledger.Entry, int) {
	t.Helper()
	var es []ledger.Entry
	var total int
	view(t, st, func(tx humop.Tx) error {
		var err error
		es, total, err = tx.Ledger().Entries(operatorID, offset, limit)
		return err
	})
	return es, total
}

// entryList reads one page of the operator's entries as ids and total.
func entryList(t *testing.T, st humop.Store, operatorID string, offset, limit int) listed {
	t.Helper()
	es, total := entryPage(t, st, operatorID, offset, limit)
	return listed{IDs: entryIDs(es...), Total: total}
}

// payoutList reads one page of the operator's payouts as ids and total.
func payoutList(t *testing.T, st humop.Store, operatorID string, offset, limit int) listed {
	t.Helper()
	var l listed
	view(t, st, func(tx humop.Tx) error {
		ps, total, err := tx.Ledger().Payouts(operatorID, offset, limit)
		l = listed{IDs: payoutIDs(ps...), Total: total}
		return err
	})
	return l
}

func entryIDs(es ...ledger.Entry) []string {
	out := []string{}
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}

func payoutIDs(ps ...ledger.Payout) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

// checkListed compares a page with the ids and total it should have.
func checkListed(t *testing.T, call string, got listed, total int, ids ...string) {
	t.Helper()
	if ids == nil {
		ids = []string{}
	}
	if diff := cmp.Diff(listed{IDs: ids, Total: total}, got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", call, diff)
	}
}

// checkUTC reports times that do not come back in UTC.
func checkUTC(t *testing.T, what string, times ...time.Time) {
	t.Helper()
	for _, at := range times {
		if !at.IsZero() && at.Location() != time.UTC {
			t.Errorf("%s: time %v is in %v, want UTC", what, at, at.Location())
		}
	}
}

func testEntryRoundTrip(t *testing.T, st humop.Store) {
	op := newID()
	taskID := newTaskID()
	p := mustPayout(t, newPayoutID(), op, 1500, stamp.Add(80*time.Hour))
	failed := mustFail(t, p, stamp.Add(81*time.Hour+3))
	want := []ledger.Entry{ // oldest first
		mustEarning(t, newEntryID(), op, taskID, 2500, stamp),
		mustAdjustment(t, newEntryID(), op, 700, stamp.Add(time.Hour+1)),
		mustDebit(t, newEntryID(), p, stamp.Add(80*time.Hour)),
		mustDebit(t, newEntryID(), mustPayout(t, newPayoutID(), op, 1000, stamp.Add(80*time.Hour+2)),
			stamp.Add(80*time.Hour+2)),
		mustAdjustment(t, newEntryID(), op, -150, stamp.Add(81*time.Hour)),
		{}, // the reversal, below
	}
	var err error
	if want[5], err = ledger.PayoutReversal(newEntryID(), failed, stamp.Add(81*time.Hour+3)); err != nil {
		t.Fatal(err)
	}
	appendEntries(t, st, want[:3]...)
	appendEntries(t, st, want[3:]...)

	got, total := entryPage(t, st, op, 0, 10)
	newestFirst := make([]ledger.Entry, 0, len(want))
	for i := len(want) - 1; i >= 0; i-- {
		newestFirst = append(newestFirst, want[i])
	}
	if diff := cmp.Diff(newestFirst, got); diff != "" {
		t.Errorf("Entries after Append (-want +got):\n%s", diff)
	}
	if total != len(want) {
		t.Errorf("Entries total = %d, want %d", total, len(want))
	}
	for _, e := range got {
		checkUTC(t, "entry "+e.ID, e.CreatedAt, e.AvailableAt)
	}

	earning, err := earningFor(st, taskID)
	if err != nil {
		t.Fatalf("EarningFor(%s) = %v, want the earning", taskID, err)
	}
	if diff := cmp.Diff(want[0], earning); diff != "" {
		t.Errorf("EarningFor (-want +got):\n%s", diff)
	}
}

func testEntryOrder(t *testing.T, st humop.Store) {
	op, other := newID(), newID()
	id := newEntryIDs(7)
	adj := func(id string, at time.Time) ledger.Entry { return mustAdjustment(t, id, op, 100, at) }
	var (
		e0 = adj(id[3], after(0, 0))
		e1 = adj(id[5], after(1, 0))
		e2 = adj(id[2], after(2, 0)) // ties with e3, smaller id
		e3 = adj(id[4], after(2, 0))
		e4 = adj(id[0], after(3, 0))
		e5 = adj(id[1], after(3, 1)) // a nanosecond after e4
	)
	elsewhere := mustEarning(t, id[6], other, newTaskID(), 100, after(2, 0))
	// Neither the order of appending nor the order of ids alone gives the
	// order of the list.
	appendEntries(t, st, e3, elsewhere, e0)
	appendEntries(t, st, e5, e2)
	appendEntries(t, st, e4, e1)

	checkListed(t, "Entries", entryList(t, st, op, 0, 10), 6, e5.ID, e4.ID, e3.ID, e2.ID, e1.ID, e0.ID)
	checkListed(t, "Entries(other operator)", entryList(t, st, other, 0, 10), 1, elsewhere.ID)
}

func testEntryPaging(t *testing.T, st humop.Store) {
	op := newID()
	var mine []ledger.Entry
	for i := range 5 {
		mine = append(mine, mustEarning(t, newEntryID(), op, newTaskID(), 100, stamp.Add(time.Duration(i)*time.Hour)))
	}
	appendEntries(t, st, mine[3], mustAdjustment(t, newEntryID(), newID(), 5, stamp), mine[0], mine[4])
	appendEntries(t, st, mine[1], mine[2])

	for _, tc := range []struct {
		offset, limit int
		want          []ledger.Entry
	}{
		{0, 2, []ledger.Entry{mine[4], mine[3]}},
		{2, 2, []ledger.Entry{mine[2], mine[1]}},
		{4, 10, []ledger.Entry{mine[0]}},
		{0, 1, []ledger.Entry{mine[4]}},
		{5, 10, nil},
		{9, 1, nil},
		{0, 100, []ledger.Entry{mine[4], mine[3], mine[2], mine[1], mine[0]}},
	} {
		checkListed(t, fmt.Sprintf("Entries(offset %d, limit %d)", tc.offset, tc.limit),
			entryList(t, st, op, tc.offset, tc.limit), 5, entryIDs(tc.want...)...)
	}
	checkListed(t, "Entries(operator without entries)", entryList(t, st, newID(), 0, 10), 0)
}

// testEntryDuplicate commits the Update whose Append was refused, so only
// the store, not a rollback, keeps the duplicate out.
func testEntryDuplicate(t *testing.T, st humop.Store) {
	op, other := newID(), newID()
	first := mustAdjustment(t, newEntryID(), op, 500, stamp)
	appendEntries(t, st, first)

	otherTask := newTaskID()
	dups := []ledger.Entry{
		first,
		mustAdjustment(t, first.ID, other, -20, stamp.Add(time.Hour)),
		mustEarning(t, first.ID, other, otherTask, 900, stamp.Add(time.Hour)),
	}
	update(t, st, func(tx humop.Tx) error {
		for _, dup := range dups {
			if err := tx.Ledger().Append(dup); !errors.Is(err, ledger.ErrDuplicate) {
				t.Errorf("Append(used id, %s of %s) = %v, want ErrDuplicate", dup.Kind, dup.OperatorID, err)
			}
		}
		return nil
	})

	got, total := entryPage(t, st, op, 0, 10)
	if diff := cmp.Diff([]ledger.Entry{first}, got); diff != "" || total != 1 {
		t.Errorf("Entries after refused Appends, total %d (-want +got):\n%s", total, diff)
	}
	checkListed(t, "Entries(operator of the refused entries)", entryList(t, st, other, 0, 10), 0)
	if _, err := earningFor(st, otherTask); !errors.Is(err, ledger.ErrNotCredited) {
		t.Errorf("EarningFor(task of a refused earning) = %v, want ErrNotCredited", err)
	}
	// The refused earning left nothing in the task's index.
	appendEntries(t, st, mustEarning(t, newEntryID(), other, otherTask, 900, stamp.Add(time.Hour)))
}

func testAlreadyCredited(t *testing.T, st humop.Store) {
	op, other := newID(), newID()
	taskID := newTaskID()
	first := mustEarning(t, newEntryID(), op, taskID, 2500, stamp)
	appendEntries(t, st, first)

	again := mustEarning(t, newEntryID(), op, taskID, 2500, stamp.Add(time.Minute))
	err := st.Update(context.Background(), func(tx humop.Tx) error { return tx.Ledger().Append(again) })
	if !errors.Is(err, ledger.ErrAlreadyCredited) {
		t.Errorf("Update appending a second earning = %v, want ErrAlreadyCredited", err)
	}
	elsewhere := mustEarning(t, newEntryID(), other, taskID, 99, stamp.Add(time.Minute))
	update(t, st, func(tx humop.Tx) error {
		if err := tx.Ledger().Append(elsewhere); !errors.Is(err, ledger.ErrAlreadyCredited) {
			t.Errorf("Append(second earning, other operator) = %v, want ErrAlreadyCredited", err)
		}
		return nil
	})

	got, err := earningFor(st, taskID)
	if err != nil {
		t.Fatalf("EarningFor = %v, want the first earning", err)
	}
	if diff := cmp.Diff(first, got); diff != "" {
		t.Errorf("EarningFor after refused earnings (-want +got):\n%s", diff)
	}
	checkListed(t, "Entries", entryList(t, st, op, 0, 10), 1, first.ID)
	checkListed(t, "Entries(other operator)", entryList(t, st, other, 0, 10), 0)
	// The refused entries' ids were not taken.
	appendEntries(t, st, mustAdjustment(t, again.ID, op, 1, stamp), mustAdjustment(t, elsewhere.ID, other, 1, stamp))
}

func testAlreadyCreditedInOneUpdate(t *testing.T, st humop.Store) {
	op := newID()
	taskID := newTaskID()
	first := mustEarning(t, newEntryID(), op, taskID, 2500, stamp)
	second := mustEarning(t, newEntryID(), op, taskID, 2500, stamp)
	update(t, st, func(tx humop.Tx) error {
		if err := tx.Ledger().Append(first); err != nil {
			return err
		}
		if err := tx.Ledger().Append(second); !errors.Is(err, ledger.ErrAlreadyCredited) {
			t.Errorf("Append(second earning in the same Update) = %v, want ErrAlreadyCredited", err)
		}
		return nil
	})

	if got, err := earningFor(st, taskID); err != nil || got.ID != first.ID {
		t.Errorf("EarningFor = %s, %v, want %s", got.ID, err, first.ID)
	}
	checkListed(t, "Entries", entryList(t, st, op, 0, 10), 1, first.ID)
}

func testInvalidEntry(t *testing.T, st humop.Store) {
	op := newID()
	taskID := newTaskID()
	valid := mustEarning(t, newEntryID(), op, taskID, 2500, stamp)
	ulidPart := valid.ID[len(ledger.EntryIDPrefix):]
	invalid := map[string]func(e *ledger.Entry){
		"no id":                  func(e *ledger.Entry) { e.ID = "" },
		"id without prefix":      func(e *ledger.Entry) { e.ID = ulidPart },
		"id of a payout":         func(e *ledger.Entry) { e.ID = ledger.PayoutIDPrefix + ulidPart },
		"lower-case id":          func(e *ledger.Entry) { e.ID = ledger.EntryIDPrefix + "01jq8zv4y9d8gj0x5zkq4w3m2n" },
		"no operator":            func(e *ledger.Entry) { e.OperatorID = "" },
		"unknown kind":           func(e *ledger.Entry) { e.Kind = "BONUS" },
		"zero amount":            func(e *ledger.Entry) { e.Amount = 0 },
		"negative earning":       func(e *ledger.Entry) { e.Amount = -2500 },
		"amount over the limit":  func(e *ledger.Entry) { e.Amount = ledger.MaxAmount + 1 },
		"earning without a task": func(e *ledger.Entry) { e.TaskID = "" },
		"no creation time":       func(e *ledger.Entry) { e.CreatedAt = time.Time{} },
		"available before made":  func(e *ledger.Entry) { e.AvailableAt = e.CreatedAt.Add(-1) },
		"earning with a payout":  func(e *ledger.Entry) { e.PayoutID = newPayoutID() },
		"memo over the limit":    func(e *ledger.Entry) { e.Memo = strings.Repeat("é", ledger.MaxMemoLen+1) },
	}
	update(t, st, func(tx humop.Tx) error {
		for name, spoil := range invalid {
			e := valid
			spoil(&e)
			if err := tx.Ledger().Append(e); !errors.Is(err, ledger.ErrInvalidEntry) {
				t.Errorf("Append(entry with %s) = %v, want ErrInvalidEntry", name, err)
			}
		}
		return nil
	})

	checkListed(t, "Entries after refused Appends", entryList(t, st, op, 0, 10), 0)
	if _, err := earningFor(st, taskID); !errors.Is(err, ledger.ErrNotCredited) {
		t.Errorf("EarningFor(task of refused earnings) = %v, want ErrNotCredited", err)
	}
	appendEntries(t, st, valid)
}

func testNotCredited(t *testing.T, st humop.Store) {
	op := newID()
	p := mustPayout(t, newPayoutID(), op, 1000, stamp)
	appendEntries(t, st, mustEarning(t, newEntryID(), op, newTaskID(), 2500, stamp),
		mustAdjustment(t, newEntryID(), op, 10, stamp), mustDebit(t, newEntryID(), p, stamp))

	for _, taskID := range []string{newTaskID(), "", task.IDPrefix, p.ID} {
		if e, err := earningFor(st, taskID); !errors.Is(err, ledger.ErrNotCredited) {
			t.Errorf("EarningFor(%q) = %v, %v, want ErrNotCredited", taskID, e.ID, err)
		}
	}
}

func testSummaryUnknown(t *testing.T, st humop.Store) {
	op := newID()
	// Entries alone make no summary: the store keeps what is put.
	appendEntries(t, st, mustEarning(t, newEntryID(), op, newTaskID(), 2500, stamp))
	putSummary(t, st, ledger.Summary{OperatorID: newID(), Earned: 1, Entries: 1})

	for _, id := range []string{op, newID(), "op_nope"} {
		if diff := cmp.Diff(ledger.Summary{OperatorID: id}, summaryOf(t, st, id)); diff != "" {
			t.Errorf("Summary(%s) without a put summary (-want +got):\n%s", id, diff)
		}
	}
}

// newSummary returns a summary of op with holds and scores, made by
// applying real entries.
func newSummary(t *testing.T, op string) ledger.Summary {
	t.Helper()
	s := ledger.Summary{OperatorID: op}
	for i, e := range []ledger.Entry{
		mustEarning(t, newEntryID(), op, newTaskID(), 2500, stamp),
		mustAdjustment(t, newEntryID(), op, 300, stamp.Add(time.Minute)),
		mustEarning(t, newEntryID(), op, newTaskID(), 1250, stamp.Add(time.Hour+7)),
		mustAdjustment(t, newEntryID(), op, -200, stamp.Add(2*time.Hour)),
	} {
		var err error
		if s, err = s.Apply(e, e.CreatedAt); err != nil {
			t.Fatalf("Apply(entry %d) = %v", i, err)
		}
	}
	for _, q := range []int{5, 3, 4} {
		var err error
		if s, err = s.AddScore(q); err != nil {
			t.Fatal(err)
		}
	}
	if len(s.Holds) != 2 || len(s.Scores) != 3 || s.PaidOut != 0 {
		t.Fatalf("newSummary = %+v, want 2 holds and 3 scores", s)
	}
	s.PaidOut = 1000 // as if paid out, so that every total is set
	return s
}

func testSummaryRoundTrip(t *testing.T, st humop.Store) {
	op, other := newID(), newID()
	want := newSummary(t, op)
	otherWant := newSummary(t, other)
	putSummary(t, st, want)
	putSummary(t, st, otherWant)

	if diff := cmp.Diff(want, summaryOf(t, st, op), summaryOpts); diff != "" {
		t.Errorf("Summary after PutSummary (-want +got):\n%s", diff)
	}
	for _, h := range summaryOf(t, st, op).Holds {
		checkUTC(t, "hold "+h.EntryID, h.AvailableAt)
	}

	// A later summary replaces it whole: holds dropped, scores added.
	next := want.Clone()
	next.Holds = next.Holds[1:]
	next.Scores = append(next.Scores, 1, 2)
	next.Earned, next.Entries, next.Completed = 9999, 7, 3
	putSummary(t, st, next)
	if diff := cmp.Diff(next, summaryOf(t, st, op), summaryOpts); diff != "" {
		t.Errorf("Summary after a second PutSummary (-want +got):\n%s", diff)
	}
	empty := ledger.Summary{OperatorID: op}
	putSummary(t, st, empty)
	if diff := cmp.Diff(empty, summaryOf(t, st, op), summaryOpts); diff != "" {
		t.Errorf("Summary after putting an empty one (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(otherWant, summaryOf(t, st, other), summaryOpts); diff != "" {
		t.Errorf("Summary of another operator (-want +got):\n%s", diff)
	}
}

func testSummaryCopies(t *testing.T, st humop.Store) {
	op := newID()
	want := newSummary(t, op)
	put := want.Clone()
	update(t, st, func(tx humop.Tx) error {
		if err := tx.Ledger().PutSummary(put); err != nil {
			return err
		}
		put.Holds[0].Amount = 1 // after Put, in the same Update
		put.Scores[0] = 1
		got, err := tx.Ledger().Summary(op)
		if err != nil {
			return err
		}
		got.Holds[1].EntryID = "changed in Update"
		got.Scores[1] = 2
		return nil
	})
	put.Holds[1].Amount = 2
	put.Scores[2] = 2

	got := summaryOf(t, st, op)
	got.Holds[0].AvailableAt = time.Time{}
	got.Scores[0] = 1
	if diff := cmp.Diff(want, summaryOf(t, st, op), summaryOpts); diff != "" {
		t.Errorf("Summary after changing put and returned summaries (-want +got):\n%s", diff)
	}
}

func testPayoutRoundTrip(t *testing.T, st humop.Store) {
	op := newID()
	confirmed := mustPayout(t, newPayoutID(), op, 1500, stamp)
	failed := mustPayout(t, newPayoutID(), op, 100_000, stamp.Add(time.Minute+1))
	pending := mustPayout(t, newPayoutID(), op, 1000, stamp.Add(time.Hour))
	insertPayouts(t, st, confirmed, failed)
	insertPayouts(t, st, pending)

	for _, want := range []ledger.Payout{confirmed, failed, pending} {
		got, err := getPayout(st, want.ID)
		if err != nil {
			t.Fatalf("Payout(%s) = %v", want.ID, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Payout after InsertPayout (-want +got):\n%s", diff)
		}
	}

	confirmed = mustConfirm(t, confirmed, stamp.Add(2*time.Hour+3))
	failed = mustFail(t, failed, stamp.Add(3*time.Hour+5))
	update(t, st, func(tx humop.Tx) error {
		if err := tx.Ledger().ReplacePayout(confirmed); err != nil {
			return err
		}
		return tx.Ledger().ReplacePayout(failed)
	})
	for _, want := range []ledger.Payout{confirmed, failed, pending} {
		got, err := getPayout(st, want.ID)
		if err != nil {
			t.Fatalf("Payout(%s) = %v", want.ID, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Payout after ReplacePayout (-want +got):\n%s", diff)
		}
		checkUTC(t, "payout "+got.ID, got.CreatedAt, got.SettledAt)
	}

	var listedPayouts []ledger.Payout
	var total int
	view(t, st, func(tx humop.Tx) error {
		var err error
		listedPayouts, total, err = tx.Ledger().Payouts(op, 0, 10)
		return err
	})
	if diff := cmp.Diff([]ledger.Payout{pending, failed, confirmed}, listedPayouts); diff != "" || total != 3 {
		t.Errorf("Payouts after ReplacePayout, total %d (-want +got):\n%s", total, diff)
	}
}

func testPayoutNotFound(t *testing.T, st humop.Store) {
	known := mustPayout(t, newPayoutID(), newID(), 1500, stamp)
	insertPayouts(t, st, known)

	for _, id := range []string{newPayoutID(), "", ledger.PayoutIDPrefix, "payout_nope",
		known.ID[len(ledger.PayoutIDPrefix):], ledger.EntryIDPrefix + known.ID[len(ledger.PayoutIDPrefix):]} {
		if _, err := getPayout(st, id); !errors.Is(err, ledger.ErrNotFound) {
			t.Errorf("Payout(%q) = %v, want ErrNotFound", id, err)
		}
	}

	unknown := mustPayout(t, newPayoutID(), known.OperatorID, 2000, stamp)
	err := st.Update(context.Background(), func(tx humop.Tx) error {
		return tx.Ledger().ReplacePayout(mustConfirm(t, unknown, stamp))
	})
	if !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("ReplacePayout(unknown) = %v, want ErrNotFound", err)
	}
	if _, err := getPayout(st, unknown.ID); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("Payout(%s) after refused ReplacePayout = %v, want ErrNotFound", unknown.ID, err)
	}
	checkListed(t, "Payouts", payoutList(t, st, known.OperatorID, 0, 10), 1, known.ID)
}

// testPayoutDuplicate commits the Update whose InsertPayout was refused.
func testPayoutDuplicate(t *testing.T, st humop.Store) {
	op, other := newID(), newID()
	want := mustPayout(t, newPayoutID(), op, 1500, stamp)
	insertPayouts(t, st, want)

	dup := mustPayout(t, want.ID, other, 99_000, stamp.Add(time.Hour))
	update(t, st, func(tx humop.Tx) error {
		if err := tx.Ledger().InsertPayout(dup); !errors.Is(err, ledger.ErrDuplicate) {
			t.Errorf("InsertPayout(used id) = %v, want ErrDuplicate", err)
		}
		return nil
	})

	got, err := getPayout(st, want.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Payout after refused InsertPayout (-want +got):\n%s", diff)
	}
	checkListed(t, "Payouts", payoutList(t, st, op, 0, 10), 1, want.ID)
	checkListed(t, "Payouts(operator of the refused payout)", payoutList(t, st, other, 0, 10), 0)
}

func testPayoutPaging(t *testing.T, st humop.Store) {
	op, other := newID(), newID()
	id := make([]string, 6)
	for i := range id {
		id[i] = newPayoutID() // ascending, as ulid.Make is monotonic
	}
	var (
		p0 = mustPayout(t, id[4], op, 1000, after(0, 0))
		p1 = mustPayout(t, id[1], op, 1000, after(5, 0)) // ties with p2, smaller id
		p2 = mustPayout(t, id[3], op, 1000, after(5, 0))
		p3 = mustPayout(t, id[0], op, 1000, after(5, 1))
		p4 = mustPayout(t, id[2], op, 1000, after(9, 0))
	)
	elsewhere := mustPayout(t, id[5], other, 1000, after(7, 0))
	insertPayouts(t, st, p2, elsewhere, p4)
	insertPayouts(t, st, p0, p3, p1)

	for _, tc := range []struct {
		offset, limit int
		want          []ledger.Payout
	}{
		{0, 10, []ledger.Payout{p4, p3, p2, p1, p0}},
		{0, 2, []ledger.Payout{p4, p3}},
		{2, 2, []ledger.Payout{p2, p1}},
		{4, 2, []ledger.Payout{p0}},
		{5, 1, nil},
		{50, 10, nil},
	} {
		checkListed(t, fmt.Sprintf("Payouts(offset %d, limit %d)", tc.offset, tc.limit),
			payoutList(t, st, op, tc.offset, tc.limit), 5, payoutIDs(tc.want...)...)
	}
	checkListed(t, "Payouts(other operator)", payoutList(t, st, other, 0, 10), 1, elsewhere.ID)
	checkListed(t, "Payouts(operator without payouts)", payoutList(t, st, newID(), 0, 10), 0)
}

func testLedgerOwnWrites(t *testing.T, st humop.Store) {
	op := newID()
	old := mustAdjustment(t, newEntryID(), op, 5000, stamp)
	appendEntries(t, st, old)

	taskID := newTaskID()
	e := mustEarning(t, newEntryID(), op, taskID, 2500, stamp.Add(time.Hour))
	p := mustPayout(t, newPayoutID(), op, 1500, stamp.Add(2*time.Hour))
	sum := newSummary(t, op)
	update(t, st, func(tx humop.Tx) error {
		l := tx.Ledger()
		if err := l.Append(e); err != nil {
			return err
		}
		if got, err := l.EarningFor(taskID); err != nil || got.ID != e.ID {
			t.Errorf("EarningFor after Append in one Update = %s, %v, want %s", got.ID, err, e.ID)
		}
		es, total, err := l.Entries(op, 0, 10)
		if err != nil {
			return err
		}
		checkListed(t, "Entries after Append in one Update", listed{entryIDs(es...), total}, 2, e.ID, old.ID)

		if err := l.PutSummary(sum); err != nil {
			return err
		}
		if got, err := l.Summary(op); err != nil {
			t.Errorf("Summary after PutSummary in one Update = %v", err)
		} else if diff := cmp.Diff(sum, got, summaryOpts); diff != "" {
			t.Errorf("Summary after PutSummary in one Update (-want +got):\n%s", diff)
		}

		if err := l.InsertPayout(p); err != nil {
			return err
		}
		confirmed := mustConfirm(t, p, stamp.Add(3*time.Hour))
		if err := l.ReplacePayout(confirmed); err != nil {
			return err
		}
		if got, err := l.Payout(p.ID); err != nil {
			t.Errorf("Payout after InsertPayout in one Update = %v", err)
		} else if diff := cmp.Diff(confirmed, got); diff != "" {
			t.Errorf("Payout after ReplacePayout in one Update (-want +got):\n%s", diff)
		}
		ps, total, err := l.Payouts(op, 0, 10)
		if err != nil {
			return err
		}
		checkListed(t, "Payouts after InsertPayout in one Update", listed{payoutIDs(ps...), total}, 1, p.ID)
		return nil
	})
}

func testLedgerFailedUpdate(t *testing.T, st humop.Store) {
	op := newID()
	kept := mustEarning(t, newEntryID(), op, newTaskID(), 2500, stamp)
	keptSummary := newSummary(t, op)
	keptPayout := mustPayout(t, newPayoutID(), op, 1500, stamp)
	appendEntries(t, st, kept)
	putSummary(t, st, keptSummary)
	insertPayouts(t, st, keptPayout)

	taskID := newTaskID()
	e := mustEarning(t, newEntryID(), op, taskID, 4000, stamp.Add(time.Hour))
	p := mustPayout(t, newPayoutID(), op, 1000, stamp.Add(time.Hour))
	debit := mustDebit(t, newEntryID(), p, stamp.Add(time.Hour))
	next := keptSummary.Clone()
	next.Earned, next.Entries = 1, 99
	confirmed := mustConfirm(t, keptPayout, stamp.Add(time.Hour))
	writes := map[string]func(ledger.Store) error{
		"Append earning": func(l ledger.Store) error { return l.Append(e) },
		"Append debit":   func(l ledger.Store) error { return l.Append(debit) },
		"PutSummary":     func(l ledger.Store) error { return l.PutSummary(next) },
		"InsertPayout":   func(l ledger.Store) error { return l.InsertPayout(p) },
		"ReplacePayout":  func(l ledger.Store) error { return l.ReplacePayout(confirmed) },
	}
	failAfter := func(name string, names ...string) {
		t.Helper()
		err := st.Update(context.Background(), func(tx humop.Tx) error {
			for _, n := range names {
				if err := writes[n](tx.Ledger()); err != nil {
					return err
				}
			}
			return errBoom
		})
		if !errors.Is(err, errBoom) {
			t.Errorf("Update failing after %s = %v, want the function's error", name, err)
		}
	}
	// All writes in one failed Update, then each on its own.
	all := []string{"Append earning", "Append debit", "PutSummary", "InsertPayout", "ReplacePayout"}
	failAfter("every write", all...)
	for _, name := range all {
		failAfter(name, name)
	}

	checkListed(t, "Entries after failed Updates", entryList(t, st, op, 0, 10), 1, kept.ID)
	if _, err := earningFor(st, taskID); !errors.Is(err, ledger.ErrNotCredited) {
		t.Errorf("EarningFor(task credited in a failed Update) = %v, want ErrNotCredited", err)
	}
	if diff := cmp.Diff(keptSummary, summaryOf(t, st, op), summaryOpts); diff != "" {
		t.Errorf("Summary after failed Updates (-want +got):\n%s", diff)
	}
	if _, err := getPayout(st, p.ID); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("Payout(inserted in a failed Update) = %v, want ErrNotFound", err)
	}
	if got, err := getPayout(st, keptPayout.ID); err != nil {
		t.Errorf("Payout(kept) = %v", err)
	} else if diff := cmp.Diff(keptPayout, got); diff != "" {
		t.Errorf("Payout replaced in a failed Update (-want +got):\n%s", diff)
	}
	checkListed(t, "Payouts after failed Updates", payoutList(t, st, op, 0, 10), 1, keptPayout.ID)

	// No id or index entry of the failed writes is left to refuse them.
	update(t, st, func(tx humop.Tx) error {
		for _, name := range all {
			if err := writes[name](tx.Ledger()); err != nil {
				return fmt.Errorf("%s after failed Updates: %w", name, err)
			}
		}
		return nil
	})
}

func testLedgerViewReadOnly(t *testing.T, st humop.Store) {
	op := newID()
	kept := mustPayout(t, newPayoutID(), op, 1500, stamp)
	insertPayouts(t, st, kept)

	taskID := newTaskID()
	p := mustPayout(t, newPayoutID(), op, 1000, stamp)
	err := st.View(context.Background(), func(tx humop.Tx) error {
		l := tx.Ledger()
		if err := l.Append(mustEarning(t, newEntryID(), op, taskID, 100, stamp)); err == nil {
			t.Error("Append in View = nil, want an error")
		}
		if err := l.PutSummary(newSummary(t, op)); err == nil {
			t.Error("PutSummary in View = nil, want an error")
		}
		if err := l.InsertPayout(p); err == nil {
			t.Error("InsertPayout in View = nil, want an error")
		}
		if err := l.ReplacePayout(mustConfirm(t, kept, stamp)); err == nil {
			t.Error("ReplacePayout in View = nil, want an error")
		}
		return nil
	})
	if err != nil {
		t.Fatalf("View = %v, want nil", err)
	}

	checkListed(t, "Entries after writes in View", entryList(t, st, op, 0, 10), 0)
	if _, err := earningFor(st, taskID); !errors.Is(err, ledger.ErrNotCredited) {
		t.Errorf("EarningFor(credited in View) = %v, want ErrNotCredited", err)
	}
	if diff := cmp.Diff(ledger.Summary{OperatorID: op}, summaryOf(t, st, op)); diff != "" {
		t.Errorf("Summary after PutSummary in View (-want +got):\n%s", diff)
	}
	checkListed(t, "Payouts after writes in View", payoutList(t, st, op, 0, 10), 1, kept.ID)
	if got, err := getPayout(st, kept.ID); err != nil || got.Status != ledger.PayoutPending {
		t.Errorf("Payout(replaced in View) = %v, %v, want it PENDING_ONCHAIN", got.Status, err)
	}
}

// credit runs the completion credit use case: read the summary, apply the
// earning, append it and put the new summary, in one Update.
func credit(st humop.Store, e ledger.Entry) error {
	return st.Update(context.Background(), func(tx humop.Tx) error {
		l := tx.Ledger()
		s, err := l.Summary(e.OperatorID)
		if err != nil {
			return err
		}
		next, err := s.Apply(e, e.CreatedAt)
		if err != nil {
			return err
		}
		if err := l.Append(e); err != nil {
			return err
		}
		return l.PutSummary(next)
	})
}

func testConcurrentCredit(t *testing.T, st humop.Store) {
	const n = 32
	op := newID()
	taskID := newTaskID()
	es := make([]ledger.Entry, n)
	errs := make([]error, n)
	for i := range es {
		es[i] = mustEarning(t, newEntryID(), op, taskID, ledger.Cents(1000+i), stamp)
	}
	concurrently(n, func(i int) { errs[i] = credit(st, es[i]) })

	var won []int
	for i, err := range errs {
		switch {
		case err == nil:
			won = append(won, i)
		case !errors.Is(err, ledger.ErrAlreadyCredited):
			t.Errorf("credit %d = %v, want nil or ErrAlreadyCredited", i, err)
		}
	}
	if len(won) != 1 {
		t.Fatalf("%d of %d concurrent credits of one task succeeded (%v), want exactly 1", len(won), n, won)
	}
	winner := es[won[0]]
	if got, err := earningFor(st, taskID); err != nil {
		t.Errorf("EarningFor = %v, want the winner's earning", err)
	} else if diff := cmp.Diff(winner, got); diff != "" {
		t.Errorf("EarningFor (-want +got):\n%s", diff)
	}
	entries, total := entryPage(t, st, op, 0, n)
	checkListed(t, "Entries", listed{entryIDs(entries...), total}, 1, winner.ID)
	if err := ledger.Verify(summaryOf(t, st, op), entries, stamp); err != nil {
		t.Errorf("Verify(summary, entries) = %v", err)
	}
}

func testConcurrentCredits(t *testing.T, st humop.Store) {
	const n = 32
	op := newID()
	es := make([]ledger.Entry, n)
	errs := make([]error, n)
	for i := range es {
		es[i] = mustEarning(t, newEntryID(), op, newTaskID(), ledger.Cents(1000+i), stamp.Add(time.Duration(i)))
	}
	concurrently(n, func(i int) { errs[i] = credit(st, es[i]) })

	for i, err := range errs {
		if err != nil {
			t.Errorf("credit %d = %v, want nil", i, err)
		}
	}
	entries, total := entryPage(t, st, op, 0, 2*n)
	if total != n || len(entries) != n {
		t.Errorf("Entries = %d of total %d, want %d", len(entries), total, n)
	}
	sum := summaryOf(t, st, op)
	if sum.Entries != n || sum.Completed != n {
		t.Errorf("Summary counts %d entries, %d completed, want %d: a credit's summary was lost",
			sum.Entries, sum.Completed, n)
	}
	if err := ledger.Verify(sum, entries, stamp.Add(n)); err != nil {
		t.Errorf("Verify(summary, entries) = %v", err)
	}
}
