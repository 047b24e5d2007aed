// Package kyc is identity verification ("know your customer") for
// operators. An operator may take tasks only once a review has approved a
// complete submission of their documents; until then, and after a
// rejection, they can browse but not claim.
//
// Each operator has one Case. A case has a Status and moves only along the
// transition table below. Every move is appended to the case's history with
// its time, actor and reason; the history is never rewritten.
//
//	from      to        move       when
//	PENDING   PENDING   Submit     no submission yet: a review opens
//	REJECTED  PENDING   Submit     the rejection was not final: a new review opens
//	PENDING   APPROVED  Decide     a reviewer approves the open review
//	PENDING   REJECTED  Decide     a reviewer rejects it, final or retryable
//	PENDING   APPROVED  Exempt     development only: approval without documents
//	PENDING   REJECTED  Exempt     development only: rejection without documents
//
// Reviews are numbered. A submission opens review N+1, and a decision names
// the review it is about, so that a provider answering late, twice or out
// of order cannot move a case backwards: a decision about an earlier review
// is stale, a repeat of the decision already taken changes nothing, and a
// contrary decision about a closed review is refused.
//
// APPROVED is reached only by Decide on an open review of a complete,
// checked Submission, or by Exempt, which exists for development servers
// and which the HTTP API never calls. The package does no I/O.
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
	Pending  Status = "PENDING"  // no submission yet, or a review is open
	Approved Status = "APPROVED" // verified: may take tasks
	Rejected Status = "REJECTED" // refused: may resubmit unless final
)

// Valid reports whether s is one of the three statuses.
func (s Status) Valid() bool {
	return s == Pending || s == Approved || s == Rejected
}

// CanClaim reports whether an operator with this status may take tasks.
func (s Status) CanClaim() bool { return s == Approved }

// transitions is the table of allowed status changes. Which move may make a
// change, and when, is decided by the move itself (see the package doc).
var transitions = map[Status][]Status{
	Pending:  {Pending, Approved, Rejected},
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
	At     time.Time
	From   Status // empty for the opening event
	To     Status
	Actor  string
	Reason string
	Review int  // the review the move opened or decided; 0 for none
	Final  bool // a rejection that cannot be retried
}

// Case is one operator's verification.
type Case struct {
	OperatorID string
	Status     Status
	// Review numbers the latest review: 0 before the first submission.
	Review int
	// ReviewOpen is true from a submission until its decision.
	ReviewOpen bool
	// Submission is the latest submission, nil before the first.
	Submission *Submission
	// SubmittedAt is when the latest submission was made.
	SubmittedAt time.Time
	// DecidedAt is when the latest decision was taken.
	DecidedAt time.Time
	// RejectionReason is the reason of the rejection while the case is
	// rejected.
	RejectionReason string
	// Final is true after a rejection that cannot be retried.
	Final   bool
	History []Event
}

// Clone returns a deep copy of c.
func (c *Case) Clone() *Case {
	d := *c
	d.History = append([]Event(nil), c.History...)
	if c.Submission != nil {
		s := *c.Submission
		d.Submission = &s
	}
	return &d
}

// Actors recorded in the history for moves that no person made.
const (
	ActorSystem      = "system"
	ActorOperator    = "operator"
	ActorAutoApprove = "auto-approve"
)

// Errors returned by case moves and stores.
var (
	// ErrNotFound is returned when an operator has no case.
	ErrNotFound = fault.New(fault.NotFound, "kyc", "kyc_not_found", "verification case not found")
	// ErrReviewOpen is returned for a submission while a review is open.
	ErrReviewOpen = fault.New(fault.Conflict, "kyc", "kyc_review_open",
		"a verification review is already open; wait for its decision")
	// ErrAlreadyApproved is returned for a submission once approved.
	ErrAlreadyApproved = fault.New(fault.Conflict, "kyc", "kyc_approved",
		"identity is already verified")
	// ErrFinal is returned for a submission after a final rejection.
	ErrFinal = fault.New(fault.Conflict, "kyc", "kyc_final",
		"verification was rejected with no retry allowed")
	// ErrNoOpenReview is returned for a decision when no review is open.
	ErrNoOpenReview = fault.New(fault.Conflict, "kyc", "kyc_no_review",
		"no verification review is open")
	// ErrStale is returned for a decision about an earlier review, or about
	// a review that was never opened.
	ErrStale = fault.New(fault.Conflict, "kyc", "kyc_stale_decision",
		"the decision is about another review than the current one")
	// ErrAlreadyDecided is returned for a decision that contradicts the
	// one already taken on the same review.
	ErrAlreadyDecided = fault.New(fault.Conflict, "kyc", "kyc_already_decided",
		"the review was already decided otherwise")
	// ErrTransition is returned for a move the table does not allow.
	ErrTransition = fault.New(fault.Conflict, "kyc", "kyc_transition",
		"verification cannot move from its current status")
)

// Open returns a new pending case for an operator, opened at now.
func Open(operatorID string, now time.Time) *Case {
	return &Case{
		OperatorID: operatorID,
		Status:     Pending,
		History:    []Event{{At: now.UTC(), To: Pending, Actor: ActorSystem, Reason: "operator registered"}},
	}
}

// CanSubmit returns nil when a submission would be accepted now, or the
// error saying why not.
func (c *Case) CanSubmit() error {
	switch {
	case c.Status == Approved:
		return ErrAlreadyApproved
	case c.Status == Rejected && c.Final:
		return ErrFinal
	case c.Status == Pending && c.ReviewOpen:
		return ErrReviewOpen
	case c.Status == Pending && c.Submission != nil:
		// Pending with a closed review cannot happen; refuse rather than guess.
		return ErrReviewOpen
	}
	return nil
}

// Submit records a submission (from Check) and opens a new review,
// returning the changed copy; c is never changed. An incomplete submission
// is refused.
func (c *Case) Submit(s Submission, now time.Time) (*Case, error) {
	if err := c.CanSubmit(); err != nil {
		return c, err
	}
	if err := s.Complete(); err != nil {
		return c, err
	}
	now = now.UTC()
	next := c.Clone()
	next.Review++
	next.ReviewOpen = true
	next.Submission = &s
	next.SubmittedAt = now
	next.Status = Pending
	next.RejectionReason = ""
	next.History = append(next.History, Event{
		At: now, From: c.Status, To: Pending, Actor: ActorOperator,
		Reason: "documents submitted", Review: next.Review,
	})
	return next, nil
}

// Decision is a reviewer's verdict.
type Decision struct {
	// Review is the number of the review decided. Zero means the latest
	// review (for manual decisions); providers should always set it.
	Review int
	Status Status // Approved or Rejected
	Reason string
	// Final marks a rejection that the operator cannot retry.
	Final bool
	Actor string
}

// Check returns an error when d is not a well-formed decision.
func (d Decision) Check() error {
	if d.Status != Approved && d.Status != Rejected {
		return fault.Invalidf("kyc", "decision", "decision must be APPROVED or REJECTED")
	}
	if d.Status == Rejected && d.Reason == "" {
		return fault.Invalidf("kyc", "reason", "reason is required for a rejection")
	}
	if d.Review < 0 {
		return fault.Invalidf("kyc", "review", "review must not be negative")
	}
	return nil
}

// Decide applies a reviewer's decision to the open review and returns the
// changed copy and whether anything changed. A repeat of the decision
// already taken on the same review changes nothing and is not an error; a
// decision about another review is ErrStale; a contrary decision about a
// closed review is ErrAlreadyDecided.
func (c *Case) Decide(d Decision, now time.Time) (*Case, bool, error) {
	if err := d.Check(); err != nil {
		return c, false, err
	}
	review := d.Review
	if review == 0 {
		if c.Review == 0 {
			return c, false, ErrNoOpenReview
		}
		review = c.Review
	}
	if review != c.Review {
		return c, false, fmt.Errorf("%w (decision about review %d, current review %d)", ErrStale, review, c.Review)
	}
	if !c.ReviewOpen {
		last := c.lastDecision(review)
		if last != nil && last.To == d.Status && last.Final == (d.Status == Rejected && d.Final) {
			return c, false, nil
		}
		return c, false, ErrAlreadyDecided
	}
	next := c.decided(d, review, now)
	return next, true, nil
}

// Exempt decides a case that has no submission, for development servers:
// the dev server approves operators at registration and lets tests approve
// or reject one without documents. The history says so. Production code
// paths never call it.
func (c *Case) Exempt(d Decision, now time.Time) (*Case, error) {
	if err := d.Check(); err != nil {
		return c, err
	}
	if c.Status != Pending || c.ReviewOpen || c.Submission != nil {
		return c, fmt.Errorf("%w (%s): exemption needs a pending case with no submission", ErrTransition, c.Status)
	}
	return c.decided(d, 0, now), nil
}

func (c *Case) decided(d Decision, review int, now time.Time) *Case {
	now = now.UTC()
	next := c.Clone()
	final := d.Status == Rejected && d.Final
	next.History = append(next.History, Event{
		At: now, From: c.Status, To: d.Status, Actor: d.Actor, Reason: d.Reason,
		Review: review, Final: final,
	})
	next.Status = d.Status
	next.ReviewOpen = false
	next.DecidedAt = now
	next.RejectionReason = ""
	next.Final = final
	if d.Status == Rejected {
		next.RejectionReason = d.Reason
	}
	return next
}

// lastDecision returns the event that decided review, or nil.
func (c *Case) lastDecision(review int) *Event {
	for i := len(c.History) - 1; i >= 0; i-- {
		e := &c.History[i]
		if e.Review == review && (e.To == Approved || e.To == Rejected) {
			return e
		}
	}
	return nil
}

// Reviewer decides cases. It is called after a submission has been stored,
// outside any transaction, so it may take its time or call out to a
// verification provider.
type Reviewer interface {
	// Review is called when a case's review opens. It returns a decision
	// to apply at once, or nil when the decision will arrive later (the
	// embedder then records it with humop.Service.DecideKYC, naming the
	// review in Decision.Review).
	Review(c *Case) (*Decision, error)
}

// AutoApprove is the development Reviewer: it approves every review at once.
type AutoApprove struct{}

// Review approves the case's open review.
func (AutoApprove) Review(c *Case) (*Decision, error) {
	return &Decision{Review: c.Review, Status: Approved, Actor: ActorAutoApprove,
		Reason: "approved automatically in development"}, nil
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
