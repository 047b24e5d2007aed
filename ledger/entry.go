package ledger

// The money model, for review by finance.
//
// Entries. Every change to an operator's money is one Entry, appended to the
// ledger and never edited or deleted. An entry belongs to one operator and
// carries a signed amount in cents: positive credits the operator, negative
// debits them. There are four kinds:
//
//	kind             sign  when it counts as available
//	EARNING          +     at AvailableAt = completion time + hold period
//	PAYOUT           -     at once (the amount leaves the available balance)
//	PAYOUT_REVERSAL  +     at once (a failed payout's amount comes back)
//	ADJUSTMENT       + / - at once (a correction; negative is a clawback)
//
// A completed task is credited with exactly one EARNING (the store refuses a
// second one for the same task). A payout is debited with exactly one PAYOUT
// entry when it is requested; if it fails on chain, exactly one
// PAYOUT_REVERSAL of the same amount returns the money. The reversal is
// available immediately: money that never left must not wait behind a new
// hold. A payout debits its gross amount; the gas fee comes out of it, and
// the operator receives the net.
//
// Holds. An earning is pending while the clock is before its AvailableAt and
// available from that instant on (AvailableAt equal to now is available).
// Nothing moves money when a hold ends: balances are computed from the
// entries and the clock at read time, so no background job needs to run for
// a balance to be right.
//
// Balances. From the entries of one operator, at time now:
//
//	TotalEarned = Σ EARNING + Σ positive ADJUSTMENT
//	PaidOut     = Σ |PAYOUT| − Σ PAYOUT_REVERSAL   (a failed payout was not paid)
//	Reversed    = Σ |negative ADJUSTMENT|          (clawbacks)
//	Pending     = Σ EARNING whose AvailableAt is after now
//	Available   = TotalEarned − PaidOut − Reversed − Pending
//
// so that, by construction,
//
//	Pending + Available = TotalEarned − PaidOut − Reversed = Σ all amounts.
//
// The invariant that must be enforced is Available >= 0 after every
// operation. Summary.Apply refuses (ErrInsufficientFunds) any entry that
// would break it: a payout or a clawback larger than the available balance.
// A clawback therefore cannot take money that is still on hold. Since
// pending only shrinks as time moves forward, an available balance that is
// not negative when an entry is applied stays so afterwards.
//
// Reading balances. Compute sums every entry: it is the reference. A Summary
// is a running total kept beside the entries and updated by Apply in the
// same transaction as each Append; it keeps the earnings still on hold, so
// reading balances costs as much as the holds, not as the history. Verify
// proves that a Summary equals the sum of its entries.
//
// Payouts. A Payout records a withdrawal to a wallet. It starts
// PENDING_ONCHAIN (its PAYOUT entry is appended at the same time) and ends
// CONFIRMED with a transaction hash, or FAILED with a reason, whereupon a
// PAYOUT_REVERSAL is appended. See payout.go.
//
// Limits. Every entry's amount is at most MaxAmount (ten billion dollars) in
// magnitude, so that int64 totals cannot overflow before some nine million
// entries of that size; sums are checked anyway, and an overflow is an error
// (ErrOverflow), never a wrapped number.

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/humop/humop/fault"
)

// Id prefixes. An id is the prefix followed by a ULID in its canonical form
// (26 upper-case Crockford base 32 characters).
const (
	EntryIDPrefix  = "le_"
	PayoutIDPrefix = "payout_"
)

// MaxMemoLen is the longest memo an entry may carry, in characters.
const MaxMemoLen = 1000

// Kind is the kind of an entry.
type Kind string

// The kinds of entry. See the table at the top of this file.
const (
	KindEarning        Kind = "EARNING"         // a completed task's reward; +, after the hold
	KindPayout         Kind = "PAYOUT"          // a payout requested; -, at once
	KindPayoutReversal Kind = "PAYOUT_REVERSAL" // a failed payout returned; +, at once
	KindAdjustment     Kind = "ADJUSTMENT"      // a correction; either sign, at once
)

// Valid reports whether k is one of the four kinds.
func (k Kind) Valid() bool {
	switch k {
	case KindEarning, KindPayout, KindPayoutReversal, KindAdjustment:
		return true
	}
	return false
}

// Entry is one immutable line of the ledger. Entries are values with no
// references, so a copy is a deep copy. Build them with the constructors
// (Earning, PayoutDebit, PayoutReversal, Adjustment), which check them.
type Entry struct {
	ID         string // EntryIDPrefix and a ULID
	OperatorID string // whose money it is
	Kind       Kind
	// Amount is signed: positive credits the operator, negative debits.
	Amount Cents
	// AvailableAt is when the amount counts as available: the end of the
	// hold for an earning, CreatedAt for every other kind.
	AvailableAt time.Time
	// TaskID is the task an earning pays for; "" for other kinds.
	TaskID string
	// PayoutID is the payout a PAYOUT or PAYOUT_REVERSAL entry is about;
	// "" for other kinds.
	PayoutID  string
	CreatedAt time.Time
	// Memo explains the entry to a person; required for adjustments.
	Memo string
}

// Errors about entries and summaries.
var (
	// ErrInvalidEntry is returned by the constructors, Entry.Check and
	// Summary.Apply for an entry that breaks a rule of its kind. The error
	// returned names the field and the rule; errors.Is matches it with
	// ErrInvalidEntry.
	ErrInvalidEntry = &fault.Error{Kind: fault.Invalid, Op: "ledger", Code: "invalid_entry",
		Message: "ledger entry is not valid"}
	// ErrOverflow is returned by Summary.Apply when a total would leave the
	// range of Cents. It cannot happen with fewer than about nine million
	// entries of MaxAmount each.
	ErrOverflow = fault.New(fault.Unprocessable, "ledger", "ledger_overflow",
		"the ledger total would overflow")
	// ErrWrongOperator is returned by Summary.Apply for an entry of another
	// operator than the summary's. It is a programming error.
	ErrWrongOperator = fault.New(fault.Internal, "ledger", "wrong_operator",
		"entry belongs to another operator than the summary")
	// ErrUnbalanced is returned by Verify when a summary does not equal the
	// sum of its entries, or the entries break a rule of the ledger. It is
	// internal: the books need an audit.
	ErrUnbalanced = fault.New(fault.Internal, "ledger", "unbalanced",
		"summary does not match the ledger entries")
)

// Earning returns the entry crediting an operator with the reward of a
// completed task: amount above zero and at most MaxAmount, created at now and
// available once hold (zero or more) has passed.
func Earning(id, operatorID, taskID string, amount Cents, now time.Time, hold time.Duration) (Entry, error) {
	if hold < 0 {
		return Entry{}, invalidEntry("hold", "hold must not be negative, got %v", hold)
	}
	now = now.UTC()
	e := Entry{
		ID: id, OperatorID: operatorID, Kind: KindEarning, Amount: amount,
		AvailableAt: now.Add(hold), TaskID: taskID, CreatedAt: now,
	}
	return e, e.Check()
}

// PayoutDebit returns the entry taking a new payout's amount (gross: the gas
// fee is part of it) out of the operator's available balance at now. p must
// be PENDING_ONCHAIN, as NewPayout returns it. The caller checks the funds
// first (CheckFunds); Summary.Apply refuses the entry if they fall short.
func PayoutDebit(id string, p Payout, now time.Time) (Entry, error) {
	if p.Status != PayoutPending {
		return Entry{}, invalidEntry("status",
			"a payout is debited when it is requested; payout %s is %s", p.ID, p.Status)
	}
	return payoutEntry(id, KindPayout, -p.Amount, p, now)
}

// PayoutReversal returns the entry giving a failed payout's whole amount back
// to the operator's available balance at now, with no hold. p must be FAILED
// (see Payout.Fail).
func PayoutReversal(id string, p Payout, now time.Time) (Entry, error) {
	if p.Status != PayoutFailed {
		return Entry{}, invalidEntry("status",
			"only a failed payout is reversed; payout %s is %s", p.ID, p.Status)
	}
	return payoutEntry(id, KindPayoutReversal, p.Amount, p, now)
}

func payoutEntry(id string, kind Kind, amount Cents, p Payout, now time.Time) (Entry, error) {
	now = now.UTC()
	e := Entry{
		ID: id, OperatorID: p.OperatorID, Kind: kind, Amount: amount,
		AvailableAt: now, PayoutID: p.ID, CreatedAt: now,
	}
	return e, e.Check()
}

// Adjustment returns a correction of an operator's balance made at now:
// positive adds to what they earned and is available at once; negative is a
// clawback, taken from the available balance only. amount is not zero and at
// most MaxAmount in magnitude; memo says why, for the audit trail, and is
// trimmed of surrounding spaces.
func Adjustment(id, operatorID string, amount Cents, memo string, now time.Time) (Entry, error) {
	now = now.UTC()
	e := Entry{
		ID: id, OperatorID: operatorID, Kind: KindAdjustment, Amount: amount,
		AvailableAt: now, CreatedAt: now, Memo: strings.TrimSpace(memo),
	}
	return e, e.Check()
}

// Check returns nil when e is a well-formed entry of its kind, and otherwise
// an error matching ErrInvalidEntry that names the field at fault. Stores
// and Summary.Apply call it on every entry they take.
func (e Entry) Check() error {
	if !validID(EntryIDPrefix, e.ID) {
		return invalidEntry("id", "entry id must be %q and a ULID, got %q", EntryIDPrefix, e.ID)
	}
	if e.OperatorID == "" {
		return invalidEntry("operator_id", "entry %s has no operator", e.ID)
	}
	if e.CreatedAt.IsZero() {
		return invalidEntry("created_at", "entry %s has no creation time", e.ID)
	}
	if utf8.RuneCountInString(e.Memo) > MaxMemoLen {
		return invalidEntry("memo", "memo must be at most %d characters", MaxMemoLen)
	}
	if !e.Kind.Valid() {
		return invalidEntry("kind", "entry %s has unknown kind %q", e.ID, e.Kind)
	}
	if err := e.checkAmount(); err != nil {
		return err
	}
	if e.Kind == KindEarning {
		return e.checkEarning()
	}
	if !e.AvailableAt.Equal(e.CreatedAt) {
		return invalidEntry("available_at", "a %s entry is available when created", e.Kind)
	}
	if e.Kind == KindAdjustment {
		if strings.TrimSpace(e.Memo) == "" {
			return invalidEntry("memo", "an adjustment needs a memo saying why")
		}
		return nil
	}
	if !validID(PayoutIDPrefix, e.PayoutID) {
		return invalidEntry("payout_id", "a %s entry needs a payout id, got %q", e.Kind, e.PayoutID)
	}
	if e.TaskID != "" {
		return invalidEntry("task_id", "a %s entry is about no task", e.Kind)
	}
	return nil
}

// checkAmount checks the sign and size of the amount for the kind.
func (e Entry) checkAmount() error {
	a := e.Amount
	if a < -MaxAmount || a > MaxAmount {
		return invalidEntry("amount", "amount must be at most %s in magnitude, got %s", MaxAmount, a)
	}
	switch {
	case e.Kind == KindPayout && a >= 0:
		return invalidEntry("amount", "a PAYOUT entry debits: amount must be below zero, got %s", a)
	case e.Kind == KindAdjustment && a == 0:
		return invalidEntry("amount", "an adjustment must not be zero")
	case (e.Kind == KindEarning || e.Kind == KindPayoutReversal) && a <= 0:
		return invalidEntry("amount", "a %s entry credits: amount must be above zero, got %s", e.Kind, a)
	}
	return nil
}

func (e Entry) checkEarning() error {
	if e.TaskID == "" {
		return invalidEntry("task_id", "an earning needs the task it pays for")
	}
	if e.PayoutID != "" {
		return invalidEntry("payout_id", "an earning is about no payout")
	}
	if e.AvailableAt.Before(e.CreatedAt) {
		return invalidEntry("available_at", "an earning cannot be available before it is created")
	}
	return nil
}

// pending reports whether e is an earning still on hold at now.
func (e Entry) pending(now time.Time) bool {
	return e.Kind == KindEarning && e.AvailableAt.After(now)
}

func invalidEntry(field, format string, args ...any) error {
	d := *ErrInvalidEntry
	d.Field = field
	d.Message = fmt.Sprintf(format, args...)
	return &detailError{detail: &d, sentinel: ErrInvalidEntry}
}

// detailError is a sentinel with a detailed message. Its chain holds the
// detailed copy first, which fault.As finds, and then the sentinel itself,
// which errors.Is matches.
type detailError struct {
	detail   *fault.Error
	sentinel *fault.Error
}

func (e *detailError) Error() string   { return e.detail.Error() }
func (e *detailError) Unwrap() []error { return []error{e.detail, e.sentinel} }

// detailed returns sentinel with the message replaced.
func detailed(sentinel *fault.Error, format string, args ...any) error {
	d := *sentinel
	d.Message = fmt.Sprintf(format, args...)
	return &detailError{detail: &d, sentinel: sentinel}
}

// validID reports whether id is prefix followed by a ULID in canonical form:
// 26 upper-case Crockford base 32 characters, the first at most '7'.
func validID(prefix, id string) bool {
	if len(id) != len(prefix)+26 || id[:len(prefix)] != prefix {
		return false
	}
	u := id[len(prefix):]
	if u[0] > '7' {
		return false
	}
	for i := 0; i < len(u); i++ {
		c := u[i]
		ok := '0' <= c && c <= '9' || 'A' <= c && c <= 'Z' && c != 'I' && c != 'L' && c != 'O' && c != 'U'
		if !ok {
			return false
		}
	}
	return true
}
