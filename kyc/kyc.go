// Package kyc is identity verification ("know your customer") for
// operators. An operator may take tasks only once a review has approved
// them; until then, and after a rejection, they can browse but not claim.
//
// Each operator has one Case. A Case has a Status and moves only along the
// transition table below; every move is kept in the case's history with its
// time, actor and reason, and the history is never rewritten.
//
//	from       to         how
//	PENDING    APPROVED   a reviewer approves
//	PENDING    REJECTED   a reviewer rejects (final or retryable)
//	REJECTED   PENDING    the operator resubmits (only if retryable)
//
// Decisions come from a Reviewer, which embedders plug in to reach a
// verification provider. The package itself does no I/O.
package kyc

import (
	"fmt"
	"time"

	"github.com/humop/humop/fault"
)

// Status is where a case stands.
type Status string

// The statuses of a case.
const (
	Pending  Status = "PENDING"  // waiting for a submission or a decision
	Approved Status = "APPROVED" // verified: may take tasks
	Rejected Status = "REJECTED" // refused: may resubmit unless final
)

// Valid reports whether s is one of the three statuses.
func (s Status) Valid() bool {
	return s == Pending || s == Approved || s == Rejected
}

// CanClaim reports whether an operator with this status may take tasks.
func (s Status) CanClaim() bool { return s == Approved }

// transitions is the table of allowed moves. Nothing else can move a case.
var transitions = map[Status][]Status{
	Pending:  {Approved, Rejected},
	Rejected: {Pending},
}

// CanMove reports whether the table allows a move from one status to
// another.
func CanMove(from, to Status) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Event is one move of a case, as kept in its history.
type Event struct {
	At     time.Time `json:"at"`
	From   Status    `json:"from,omitempty"` // empty for the opening event
	To     Status    `json:"to"`
	Actor  string    `json:"actor"`
	Reason string    `json:"reason,omitempty"`
	Final  bool      `json:"final,omitempty"` // a rejection that cannot be retried
}

// Case is one operator's verification.
type Case struct {
	OperatorID string
	Status     Status
	// SubmittedAt is when the current submission was made; zero before the
	// first.
	SubmittedAt time.Time
	// DecidedAt is when the last decision was taken; zero before it.
	DecidedAt time.Time
	// RejectionReason is the reason of the last rejection while the case
	// is rejected.
	RejectionReason string
	// Final is true after a rejection that cannot be retried.
	Final   bool
	History []Event
}

// Clone returns a deep copy of c.
func (c *Case) Clone() *Case {
	d := *c
	d.History = append([]Event(nil), c.History...)
	return &d
}

// Actors recorded in the history for moves that no person made.
const (
	ActorSystem      = "system"
	ActorAutoApprove = "auto-approve"
)

// Errors returned by case moves and stores.
var (
	// ErrNotFound is returned when an operator has no case.
	ErrNotFound = fault.New(fault.NotFound, "kyc", "kyc_not_found", "verification case not found")
	// ErrTransition is returned for a move the table does not allow.
	ErrTransition = fault.New(fault.Conflict, "kyc", "kyc_transition",
		"verification cannot move from its current status")
)

// Open returns a new pending case for an operator, opened at now.
func Open(operatorID string, now time.Time) *Case {
	now = now.UTC()
	return &Case{
		OperatorID: operatorID,
		Status:     Pending,
		History:    []Event{{At: now, To: Pending, Actor: ActorSystem, Reason: "operator registered"}},
	}
}

// Decision is a reviewer's verdict on a case.
type Decision struct {
	Status Status // Approved or Rejected
	Reason string
	// Final marks a rejection that the operator cannot retry.
	Final bool
	Actor string
}

// Decide applies d to c at now, returning the changed copy. The case must
// be pending and d must approve or reject; anything else is ErrTransition and
// leaves c unchanged.
func (c *Case) Decide(d Decision, now time.Time) (*Case, error) {
	if d.Status != Approved && d.Status != Rejected {
		return c, fault.Invalidf("kyc", "decision", "decision must be APPROVED or REJECTED")
	}
	if !CanMove(c.Status, d.Status) {
		return c, fmt.Errorf("%w (%s to %s)", ErrTransition, c.Status, d.Status)
	}
	now = now.UTC()
	next := c.Clone()
	next.History = append(next.History, Event{
		At: now, From: c.Status, To: d.Status, Actor: d.Actor, Reason: d.Reason,
		Final: d.Status == Rejected && d.Final,
	})
	next.Status = d.Status
	next.DecidedAt = now
	next.RejectionReason = ""
	next.Final = false
	if d.Status == Rejected {
		next.RejectionReason = d.Reason
		next.Final = d.Final
	}
	return next, nil
}

// Reviewer decides cases. The development reviewer approves at once; a real
// one hands the case to a verification provider and answers later.
type Reviewer interface {
	// Review is called when a case needs a decision. It returns the
	// decision when it can take one at once, or nil when the decision will
	// arrive later through the embedding application.
	Review(c *Case) (*Decision, error)
}

// AutoApprove is the development Reviewer: it approves every case at once.
type AutoApprove struct{}

// Review approves c.
func (AutoApprove) Review(*Case) (*Decision, error) {
	return &Decision{Status: Approved, Actor: ActorAutoApprove, Reason: "approved automatically in development"}, nil
}

// Manual is a Reviewer that never decides by itself: decisions arrive
// through the embedding application (the dev server's KYC control).
type Manual struct{}

// Review returns no decision.
func (Manual) Review(*Case) (*Decision, error) { return nil, nil }

// Store keeps cases, one per operator. Implementations are bound to one
// transaction.
type Store interface {
	// Get returns the operator's case, or ErrNotFound.
	Get(operatorID string) (*Case, error)
	// Put stores c, replacing the operator's previous case.
	Put(c *Case) error
}
