package boltstore

import (
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/humop/humop/ledger"
)

// Amounts are stored as int64 cents, not as ledger.Cents: the JSON of Cents
// is the wire's USD, which refuses the negative amounts of debits, and a
// file must not change with the wire format.

// entryRecord is a ledger entry as stored. The id is the record's key.
type entryRecord struct {
	OperatorID  string      `json:"operator_id"`
	Kind        ledger.Kind `json:"kind"`
	Amount      int64       `json:"amount"`
	AvailableAt time.Time   `json:"available_at"`
	TaskID      string      `json:"task_id,omitempty"`
	PayoutID    string      `json:"payout_id,omitempty"`
	CreatedAt   time.Time   `json:"created_at"`
	Memo        string      `json:"memo,omitempty"`
}

// summaryRecord is a ledger.Summary as stored. The operator id is the
// record's key.
type summaryRecord struct {
	Earned    int64        `json:"earned"`
	PaidOut   int64        `json:"paid_out"`
	Reversed  int64        `json:"reversed"`
	Holds     []holdRecord `json:"holds,omitempty"`
	Entries   int          `json:"entries"`
	Scores    []int        `json:"scores,omitempty"`
	Completed int          `json:"completed"`
}

type holdRecord struct {
	EntryID     string    `json:"entry_id"`
	Amount      int64     `json:"amount"`
	AvailableAt time.Time `json:"available_at"`
}

// payoutRecord is a payout as stored. The id is the record's key.
type payoutRecord struct {
	OperatorID    string              `json:"operator_id"`
	Amount        int64               `json:"amount"`
	GasFee        int64               `json:"gas_fee"`
	Net           int64               `json:"net"`
	Method        string              `json:"method"`
	Chain         string              `json:"chain"`
	ToAddress     string              `json:"to_address"`
	Status        ledger.PayoutStatus `json:"status"`
	TxHash        string              `json:"tx_hash,omitempty"`
	FailureReason string              `json:"failure_reason,omitempty"`
	CreatedAt     time.Time           `json:"created_at"`
	SettledAt     time.Time           `json:"settled_at,omitzero"`
}

func encodeEntry(e ledger.Entry) ([]byte, error) {
	return marshal(entryRecord{
		OperatorID: e.OperatorID, Kind: e.Kind, Amount: int64(e.Amount),
		AvailableAt: e.AvailableAt.UTC(), TaskID: e.TaskID, PayoutID: e.PayoutID,
		CreatedAt: e.CreatedAt.UTC(), Memo: e.Memo,
	})
}

func decodeEntry(key, b []byte) (ledger.Entry, error) {
	var rec entryRecord
	if err := unmarshal(b, &rec); err != nil {
		return ledger.Entry{}, err
	}
	return ledger.Entry{
		ID: keyID(ledger.EntryIDPrefix, key), OperatorID: rec.OperatorID, Kind: rec.Kind,
		Amount: ledger.Cents(rec.Amount), AvailableAt: rec.AvailableAt, TaskID: rec.TaskID,
		PayoutID: rec.PayoutID, CreatedAt: rec.CreatedAt, Memo: rec.Memo,
	}, nil
}

func encodeSummary(s ledger.Summary) ([]byte, error) {
	rec := summaryRecord{
		Earned: int64(s.Earned), PaidOut: int64(s.PaidOut), Reversed: int64(s.Reversed),
		Entries: s.Entries, Scores: s.Scores, Completed: s.Completed,
	}
	for _, h := range s.Holds {
		rec.Holds = append(rec.Holds,
			holdRecord{EntryID: h.EntryID, Amount: int64(h.Amount), AvailableAt: h.AvailableAt.UTC()})
	}
	return marshal(rec)
}

func decodeSummary(operatorID string, b []byte) (ledger.Summary, error) {
	var rec summaryRecord
	if err := unmarshal(b, &rec); err != nil {
		return ledger.Summary{}, err
	}
	s := ledger.Summary{
		OperatorID: operatorID, Earned: ledger.Cents(rec.Earned), PaidOut: ledger.Cents(rec.PaidOut),
		Reversed: ledger.Cents(rec.Reversed), Entries: rec.Entries, Scores: rec.Scores,
		Completed: rec.Completed,
	}
	for _, h := range rec.Holds {
		s.Holds = append(s.Holds,
			ledger.Hold{EntryID: h.EntryID, Amount: ledger.Cents(h.Amount), AvailableAt: h.AvailableAt})
	}
	return s, nil
}

func encodePayout(p ledger.Payout) ([]byte, error) {
	return marshal(payoutRecord{
		OperatorID: p.OperatorID, Amount: int64(p.Amount), GasFee: int64(p.GasFee), Net: int64(p.Net),
		Method: p.Method, Chain: p.Chain, ToAddress: p.ToAddress, Status: p.Status,
		TxHash: p.TxHash, FailureReason: p.FailureReason,
		CreatedAt: p.CreatedAt.UTC(), SettledAt: p.SettledAt.UTC(),
	})
}

func decodePayout(key, b []byte) (ledger.Payout, error) {
	var rec payoutRecord
	if err := unmarshal(b, &rec); err != nil {
		return ledger.Payout{}, err
	}
	return ledger.Payout{
		ID: keyID(ledger.PayoutIDPrefix, key), OperatorID: rec.OperatorID,
		Amount: ledger.Cents(rec.Amount), GasFee: ledger.Cents(rec.GasFee), Net: ledger.Cents(rec.Net),
		Method: rec.Method, Chain: rec.Chain, ToAddress: rec.ToAddress, Status: rec.Status,
		TxHash: rec.TxHash, FailureReason: rec.FailureReason,
		CreatedAt: rec.CreatedAt, SettledAt: rec.SettledAt,
	}, nil
}

// ledgerStore is the ledger.Store of one transaction.
//
// Costs, for n entries or payouts in all and m of one operator: Append,
// EarningFor, InsertPayout, Payout and ReplacePayout are a few B+tree
// lookups, O(log n); Summary and PutSummary read or write one record, whose
// size grows with the operator's holds and scores, never with the history.
// Entries and Payouts seek to the operator's newest item in O(log m), step
// back over offset items and read limit records, O(log m + offset + limit
// log n); their total is the inner bucket's sequence, O(1).
type ledgerStore struct{ t *tx }

func (s ledgerStore) Append(e ledger.Entry) error {
	if err := s.t.checkWritable("append entry", e.ID); err != nil {
		return err
	}
	if err := e.Check(); err != nil {
		return err
	}
	key, ok := idKey(ledger.EntryIDPrefix, e.ID)
	if !ok { // Check accepted it, so idKey and Check disagree
		return fmt.Errorf("boltstore: append entry %q: id is not %q and a ULID", e.ID, ledger.EntryIDPrefix)
	}
	b := s.t.b
	if b.entries.Get(key) != nil {
		return ledger.ErrDuplicate
	}
	earning := e.Kind == ledger.KindEarning
	if earning && b.earnings.Get([]byte(e.TaskID)) != nil {
		return ledger.ErrAlreadyCredited
	}
	v, err := encodeEntry(e)
	if err != nil {
		return fmt.Errorf("boltstore: append entry %s: %w", e.ID, err)
	}

	s.t.wrote = true
	if err := b.entries.Put(key, v); err != nil {
		return fmt.Errorf("boltstore: append entry %s: %w", e.ID, err)
	}
	if err := addToList(b.entriesByOp, e.OperatorID, e.CreatedAt, key); err != nil {
		return fmt.Errorf("boltstore: append entry %s: operator index: %w", e.ID, err)
	}
	if earning {
		if err := b.earnings.Put([]byte(e.TaskID), key); err != nil {
			return fmt.Errorf("boltstore: append entry %s: earning index: %w", e.ID, err)
		}
	}
	return nil
}

func (s ledgerStore) Summary(operatorID string) (ledger.Summary, error) {
	if operatorID == "" {
		return ledger.Summary{}, nil
	}
	v := s.t.b.summaries.Get([]byte(operatorID))
	if v == nil {
		return ledger.Summary{OperatorID: operatorID}, nil
	}
	sum, err := decodeSummary(operatorID, v)
	if err != nil {
		return ledger.Summary{}, fmt.Errorf("boltstore: get summary %s: %w", operatorID, err)
	}
	return sum, nil
}

func (s ledgerStore) PutSummary(sum ledger.Summary) error {
	if err := s.t.checkWritable("put summary", sum.OperatorID); err != nil {
		return err
	}
	if sum.OperatorID == "" {
		return fmt.Errorf("boltstore: put summary: no operator id")
	}
	v, err := encodeSummary(sum)
	if err != nil {
		return fmt.Errorf("boltstore: put summary %s: %w", sum.OperatorID, err)
	}
	s.t.wrote = true
	if err := s.t.b.summaries.Put([]byte(sum.OperatorID), v); err != nil {
		return fmt.Errorf("boltstore: put summary %s: %w", sum.OperatorID, err)
	}
	return nil
}

func (s ledgerStore) Entries(operatorID string, offset, limit int) ([]ledger.Entry, int, error) {
	out := []ledger.Entry{}
	total, err := walkList(s.t.b.entriesByOp, operatorID, offset, limit, func(key []byte) error {
		v := s.t.b.entries.Get(key)
		if v == nil {
			return fmt.Errorf("boltstore: index entry of missing entry %s", keyID(ledger.EntryIDPrefix, key))
		}
		e, err := decodeEntry(key, v)
		if err != nil {
			return fmt.Errorf("boltstore: get entry %s: %w", keyID(ledger.EntryIDPrefix, key), err)
		}
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

func (s ledgerStore) EarningFor(taskID string) (ledger.Entry, error) {
	if taskID == "" {
		return ledger.Entry{}, ledger.ErrNotCredited
	}
	key := s.t.b.earnings.Get([]byte(taskID))
	if key == nil {
		return ledger.Entry{}, ledger.ErrNotCredited
	}
	v := s.t.b.entries.Get(key)
	if v == nil {
		return ledger.Entry{}, fmt.Errorf("boltstore: earning of task %s: entry %s is missing",
			taskID, keyID(ledger.EntryIDPrefix, key))
	}
	e, err := decodeEntry(key, v)
	if err != nil {
		return ledger.Entry{}, fmt.Errorf("boltstore: get entry %s: %w", keyID(ledger.EntryIDPrefix, key), err)
	}
	return e, nil
}

func (s ledgerStore) InsertPayout(p ledger.Payout) error {
	if err := s.t.checkWritable("insert payout", p.ID); err != nil {
		return err
	}
	key, ok := idKey(ledger.PayoutIDPrefix, p.ID)
	if !ok {
		return fmt.Errorf("boltstore: insert payout %q: id is not %q and a ULID", p.ID, ledger.PayoutIDPrefix)
	}
	if p.OperatorID == "" {
		return fmt.Errorf("boltstore: insert payout %s: no operator id", p.ID)
	}
	b := s.t.b
	if b.payouts.Get(key) != nil {
		return ledger.ErrDuplicate
	}
	v, err := encodePayout(p)
	if err != nil {
		return fmt.Errorf("boltstore: insert payout %s: %w", p.ID, err)
	}

	s.t.wrote = true
	if err := b.payouts.Put(key, v); err != nil {
		return fmt.Errorf("boltstore: insert payout %s: %w", p.ID, err)
	}
	if err := addToList(b.payoutsByOp, p.OperatorID, p.CreatedAt, key); err != nil {
		return fmt.Errorf("boltstore: insert payout %s: operator index: %w", p.ID, err)
	}
	return nil
}

func (s ledgerStore) Payout(id string) (ledger.Payout, error) {
	key, ok := idKey(ledger.PayoutIDPrefix, id)
	if !ok {
		return ledger.Payout{}, ledger.ErrNotFound
	}
	return s.payout(key)
}

func (s ledgerStore) payout(key []byte) (ledger.Payout, error) {
	v := s.t.b.payouts.Get(key)
	if v == nil {
		return ledger.Payout{}, ledger.ErrNotFound
	}
	p, err := decodePayout(key, v)
	if err != nil {
		return ledger.Payout{}, fmt.Errorf("boltstore: get payout %s: %w", keyID(ledger.PayoutIDPrefix, key), err)
	}
	return p, nil
}

func (s ledgerStore) ReplacePayout(p ledger.Payout) error {
	if err := s.t.checkWritable("replace payout", p.ID); err != nil {
		return err
	}
	key, ok := idKey(ledger.PayoutIDPrefix, p.ID)
	if !ok {
		return ledger.ErrNotFound
	}
	old, err := s.payout(key)
	if err != nil {
		return err
	}
	if old.OperatorID != p.OperatorID {
		return fmt.Errorf("boltstore: replace payout %s: operator changed from %s to %s",
			p.ID, old.OperatorID, p.OperatorID)
	}
	v, err := encodePayout(p)
	if err != nil {
		return fmt.Errorf("boltstore: replace payout %s: %w", p.ID, err)
	}

	b := s.t.b
	s.t.wrote = true
	if err := b.payouts.Put(key, v); err != nil {
		return fmt.Errorf("boltstore: replace payout %s: %w", p.ID, err)
	}
	if old.CreatedAt.Equal(p.CreatedAt) {
		return nil
	}
	// A move keeps CreatedAt; when a caller changed it, the list follows.
	if err := moveInList(b.payoutsByOp, p.OperatorID, old.CreatedAt, p.CreatedAt, key); err != nil {
		return fmt.Errorf("boltstore: replace payout %s: operator index: %w", p.ID, err)
	}
	return nil
}

func (s ledgerStore) Payouts(operatorID string, offset, limit int) ([]ledger.Payout, int, error) {
	out := []ledger.Payout{}
	total, err := walkList(s.t.b.payoutsByOp, operatorID, offset, limit, func(key []byte) error {
		p, err := s.payout(key)
		if err != nil {
			return fmt.Errorf("boltstore: index entry of payout %s: %w", keyID(ledger.PayoutIDPrefix, key), err)
		}
		out = append(out, p)
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// An operator's list (of entries or of payouts) is a bucket inside index,
// named by the operator id, holding listKey(created, key) with an empty
// value for each item; its sequence counts them.

// listKey returns the key of an item in its operator's list: the items sort
// by creation time, then by id.
func listKey(created time.Time, key []byte) []byte {
	return append(timeKey(created), key...)
}

// addToList adds the item with the key, created at created, to the list of
// operatorID.
func addToList(index *bbolt.Bucket, operatorID string, created time.Time, key []byte) error {
	list, err := index.CreateBucketIfNotExists([]byte(operatorID))
	if err != nil {
		return err
	}
	list.FillPercent = appendFill
	if err := list.Put(listKey(created, key), []byte{}); err != nil {
		return err
	}
	_, err = list.NextSequence()
	return err
}

// moveInList moves the item with the key from created to now in the list
// of operatorID; the count stays.
func moveInList(index *bbolt.Bucket, operatorID string, created, now time.Time, key []byte) error {
	list := index.Bucket([]byte(operatorID))
	if list == nil {
		return fmt.Errorf("operator %s has no list", operatorID)
	}
	old := listKey(created, key)
	if list.Get(old) == nil {
		return fmt.Errorf("item %x is not in the list of %s", key, operatorID)
	}
	if err := list.Delete(old); err != nil {
		return err
	}
	return list.Put(listKey(now, key), []byte{})
}

// walkList calls read with the keys of a page of the list of operatorID,
// newest first, and returns the number of all its items.
func walkList(index *bbolt.Bucket, operatorID string, offset, limit int, read func(key []byte) error) (int, error) {
	if operatorID == "" {
		return 0, nil
	}
	list := index.Bucket([]byte(operatorID))
	if list == nil {
		return 0, nil
	}
	c := list.Cursor()
	k, _ := c.Last()
	for i := 0; k != nil && i < offset; i++ {
		k, _ = c.Prev()
	}
	for n := 0; k != nil && n < limit; n++ {
		if len(k) != timeKeyLen+16 {
			return 0, fmt.Errorf("boltstore: list of %s: key %x is not a time and an id", operatorID, k)
		}
		if err := read(k[timeKeyLen:]); err != nil {
			return 0, err
		}
		k, _ = c.Prev()
	}
	return int(list.Sequence()), nil
}
