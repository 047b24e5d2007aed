package ledger

import "github.com/humop/humop/fault"

// Store keeps the ledger: entries, one Summary per operator, and payouts.
// Implementations are bound to one transaction (see humop.Tx) and need not
// be safe for concurrent use on their own; a use case that appends an entry
// also puts the summary that Apply returned for it, in the same transaction,
// so that the two never disagree (Verify proves they do not).
//
// A credit or payout use case reads as:
//
//	s, _ := store.Summary(operatorID)
//	e, _ := PayoutDebit(entryID, p, now)   // or Earning, PayoutReversal, Adjustment
//	next, err := s.Apply(e, now)           // refuses what would overdraw
//	store.Append(e); store.PutSummary(next)
//
// Entries are immutable: no method changes or removes one. Payouts change
// only through ReplacePayout, with the result of a move (Confirm, Fail).
//
// The list methods page through their results: they skip offset matches,
// return at most limit items (limit is at least 1), and report the number of
// all matches, which does not depend on offset or limit. Lists are newest
// first: by CreatedAt descending, ties broken by ID descending. An offset past
// the end gives an empty list and the full total.
type Store interface {
	// Append adds e to the ledger. It returns ErrDuplicate when an entry
	// with e's id exists, ErrAlreadyCredited when e is an EARNING and the
	// task already has one (so a retried completion credits once), and an
	// error matching ErrInvalidEntry when e.Check fails.
	Append(e Entry) error
	// Summary returns the operator's summary, or Summary{OperatorID:
	// operatorID}, all zero, when none was ever put.
	Summary(operatorID string) (Summary, error)
	// PutSummary stores s as the summary of s.OperatorID, replacing the
	// previous one.
	PutSummary(s Summary) error
	// Entries returns a page of the operator's entries, newest first, and
	// the number of all of them.
	Entries(operatorID string, offset, limit int) ([]Entry, int, error)
	// EarningFor returns the EARNING entry of the task, or ErrNotCredited.
	EarningFor(taskID string) (Entry, error)
	// InsertPayout adds p. It returns ErrDuplicate when a payout with p's
	// id exists.
	InsertPayout(p Payout) error
	// Payout returns the payout with the id, or ErrNotFound. Whether the
	// caller may see it is the caller's to decide.
	Payout(id string) (Payout, error)
	// ReplacePayout stores p over the payout with the same id, or returns
	// ErrNotFound when there is none. Only the fields a move sets (Status,
	// TxHash, FailureReason, SettledAt) are expected to differ.
	ReplacePayout(p Payout) error
	// Payouts returns a page of the operator's payouts, newest first, and
	// the number of all of them.
	Payouts(operatorID string, offset, limit int) ([]Payout, int, error)
}

// Errors returned by stores.
var (
	// ErrDuplicate is returned when an entry or payout is added with an id
	// already stored. Ids are unique, so it is a programming error.
	ErrDuplicate = fault.New(fault.Conflict, "ledger", "duplicate_id",
		"an entry or payout with this id already exists")
	// ErrAlreadyCredited is returned when a task's earning is appended a
	// second time: a completion credits exactly once.
	ErrAlreadyCredited = fault.New(fault.Conflict, "ledger", "already_credited",
		"the task has already been credited")
	// ErrNotCredited is returned by EarningFor when the task has no
	// earning.
	ErrNotCredited = fault.New(fault.NotFound, "ledger", "earning_not_found",
		"no earning for this task")
)
