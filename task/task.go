// Package task is the work agents post and operators do: the Task, its
// lifecycle, the estimate an operator gives when claiming, the proof they
// submit, and the Store that keeps tasks.
//
// An agent posts a task (New); it is PENDING and shows to every operator who
// holds its skill. An operator claims it with an estimate of how long it will
// take, and from then on is its holder; the agent approves the estimate or
// rejects it, which puts the task back on offer. The holder starts the work
// and submits proof, one item per proof requirement. A guardian reviews the
// submission: it verifies it and the task completes, or it asks for a manual
// review, which the agent settles by approving (completed) or rejecting
// (disputed). The agent may cancel until the work starts.
//
// A task moves only along this table; any other move is ErrWrongState.
//
//	from              to                by
//	PENDING           ESTIMATE_PENDING  operator (claims, with an estimate)
//	ESTIMATE_PENDING  ACCEPTED          agent (approves the estimate)
//	ESTIMATE_PENDING  PENDING           agent (rejects it; holder removed)
//	ACCEPTED          IN_PROGRESS       operator (starts)
//	IN_PROGRESS       SUBMITTED         operator (submits proof)
//	SUBMITTED         VERIFIED          guardian
//	VERIFIED          COMPLETED         guardian (or the system acting for it)
//	SUBMITTED         MANUAL_REVIEW     guardian
//	MANUAL_REVIEW     COMPLETED         agent (approves)
//	MANUAL_REVIEW     DISPUTED          agent (rejects)
//	PENDING           CANCELLED         agent
//	ESTIMATE_PENDING  CANCELLED         agent
//	ACCEPTED          CANCELLED         agent
//
// COMPLETED, DISPUTED and CANCELLED are terminal. Every finished task but a
// cancelled one carries a quality score from 1 to 5 (a dispute scores 1),
// from which the operator's rating is computed.
//
// The move functions (Claim, Start, Submit, ...) are pure: they return a
// changed copy of the task or an error and never change their receiver. They
// check the task's own rules (status, holder, deadline, input); whether an
// operator may claim at all (KYC standing, skills) is decided by the caller
// with skills.Explain before calling Claim. The package does no I/O.
package task

import (
	"time"

	"github.com/humop/humop/fault"
	"github.com/humop/humop/ledger"
	"github.com/humop/humop/skills"
)

// IDPrefix starts every task id.
const IDPrefix = "task_"

// Status is where a task stands in its lifecycle.
type Status string

// The statuses of a task.
const (
	Pending         Status = "PENDING"          // on offer: no holder
	EstimatePending Status = "ESTIMATE_PENDING" // claimed; the agent has the estimate
	Accepted        Status = "ACCEPTED"         // the agent approved the estimate
	InProgress      Status = "IN_PROGRESS"      // the holder is working
	Submitted       Status = "SUBMITTED"        // proof sent; with the guardian
	Verified        Status = "VERIFIED"         // the guardian accepted the proof
	ManualReview    Status = "MANUAL_REVIEW"    // the agent must decide
	Completed       Status = "COMPLETED"        // done and paid (terminal)
	Disputed        Status = "DISPUTED"         // the agent rejected the work (terminal)
	Cancelled       Status = "CANCELLED"        // withdrawn by the agent (terminal)
)

// Statuses returns every status in lifecycle order.
func Statuses() []Status {
	return []Status{Pending, EstimatePending, Accepted, InProgress, Submitted,
		Verified, ManualReview, Completed, Disputed, Cancelled}
}

// Valid reports whether s is one of the ten statuses.
func (s Status) Valid() bool {
	switch s {
	case Pending, EstimatePending, Accepted, InProgress, Submitted,
		Verified, ManualReview, Completed, Disputed, Cancelled:
		return true
	}
	return false
}

// Terminal reports whether s is a valid status no move leaves: COMPLETED,
// DISPUTED or CANCELLED.
func (s Status) Terminal() bool {
	if !s.Valid() {
		return false
	}
	for _, m := range lifecycle {
		if m.from == s {
			return false
		}
	}
	return true
}

// Actor is who makes a move.
type Actor string

// The actors of the lifecycle.
const (
	ActorOperator Actor = "operator" // the task's holder, or the claimant
	ActorAgent    Actor = "agent"    // the agent that posted the task
	ActorGuardian Actor = "guardian" // the reviewer of submissions, or the system
)

// move is one allowed step of the lifecycle: from a status to another, made
// by an actor.
type move struct {
	from, to Status
	actor    Actor
}

// lifecycle is the one table of allowed moves; nothing else moves a task.
var lifecycle = [...]move{
	{Pending, EstimatePending, ActorOperator},
	{EstimatePending, Accepted, ActorAgent},
	{EstimatePending, Pending, ActorAgent},
	{Accepted, InProgress, ActorOperator},
	{InProgress, Submitted, ActorOperator},
	{Submitted, Verified, ActorGuardian},
	{Verified, Completed, ActorGuardian},
	{Submitted, ManualReview, ActorGuardian},
	{ManualReview, Completed, ActorAgent},
	{ManualReview, Disputed, ActorAgent},
	{Pending, Cancelled, ActorAgent},
	{EstimatePending, Cancelled, ActorAgent},
	{Accepted, Cancelled, ActorAgent},
}

// CanMove reports whether actor may move a task from one status to another.
func CanMove(from, to Status, actor Actor) bool {
	for _, m := range lifecycle {
		if m == (move{from, to, actor}) {
			return true
		}
	}
	return false
}

// Task is a piece of work posted by an agent.
type Task struct {
	ID      string // IDPrefix and a ULID
	AgentID string // the agent that posted it
	Title   string
	// Description says what to do, in the agent's words.
	Description string
	Type        skills.Skill
	// Location is where physical work is done; nil when not given (only
	// allowed for non-physical types).
	Location *Location
	Reward   ledger.Cents
	// Deadline is when the work must be done by. Once it has passed, the
	// task can no longer be claimed.
	Deadline time.Time
	// ProofRequirements list what the submission must prove, one proof
	// item each; never empty, no duplicates.
	ProofRequirements []string
	// CallbackURL receives the task's status changes; empty for none.
	CallbackURL string
	// CallbackSecret keys the webhook signatures. It is a secret: never
	// show it to anyone but the agent that set it, and never log it.
	CallbackSecret string

	Status Status
	// OperatorID is the holder, from the claim on; "" when none. A
	// rejected estimate removes the holder; a cancellation keeps it.
	OperatorID string
	// Estimate is the holder's estimate; nil when there is no holder.
	Estimate *Estimate
	// Submission is the proof submitted; nil before submission.
	Submission *Submission
	// Quality is the score of the finished work, 1 to 5 (a dispute scores
	// 1); 0 until verified or reviewed.
	Quality int
	// RejectionReason is the reason the agent gave for the last rejected
	// estimate, if any.
	RejectionReason string
	// DisputeReason is the reason the agent gave when rejecting the work.
	DisputeReason string

	// When each status was reached, in UTC; zero when not (yet) reached.
	// ClaimedAt is cleared when an estimate is rejected, since the task is
	// back on offer.
	CreatedAt   time.Time
	UpdatedAt   time.Time
	ClaimedAt   time.Time
	AcceptedAt  time.Time
	StartedAt   time.Time
	SubmittedAt time.Time
	VerifiedAt  time.Time
	CompletedAt time.Time
	CancelledAt time.Time
	DisputedAt  time.Time
}

// Quality scores run from MinQuality to MaxQuality; a disputed task scores
// DisputeQuality.
const (
	MinQuality     = 1
	MaxQuality     = 5
	DisputeQuality = MinQuality
)

// Location is where a physical task is done. Coordinates are degrees (WGS
// 84); they are not money, so floating point is fine.
type Location struct {
	Lat     float64 `json:"lat"`
	Lng     float64 `json:"lng"`
	Address string  `json:"address"`
}

// Clone returns a deep copy of t, so a store can hand out values that its
// callers may change freely.
func (t *Task) Clone() *Task {
	c := *t
	c.ProofRequirements = append([]string(nil), t.ProofRequirements...)
	if t.Location != nil {
		loc := *t.Location
		c.Location = &loc
	}
	if t.Estimate != nil {
		e := *t.Estimate
		c.Estimate = &e
	}
	if t.Submission != nil {
		s := *t.Submission
		s.Proof = append([]ProofItem(nil), t.Submission.Proof...)
		c.Submission = &s
	}
	return &c
}

// Match returns the facts skills.Explain and skills.Visible need about t.
func (t *Task) Match() skills.Task {
	return skills.Task{
		Type:     t.Type,
		Open:     t.Status == Pending,
		HolderID: t.OperatorID,
		Deadline: t.Deadline,
	}
}

// Errors returned by the moves and by stores.
var (
	// ErrNotFound is returned when no task has the id, or the caller may
	// not see it.
	ErrNotFound = fault.New(fault.NotFound, "task", "task_not_found", "task not found")
	// ErrNotHolder is returned when an operator acts on a task they do not
	// hold. It reads exactly as ErrNotFound, so an operator learns nothing
	// about other operators' tasks; only errors.Is tells them apart.
	ErrNotHolder = fault.New(fault.NotFound, "task", "task_not_found", "task not found")
	// ErrWrongState is returned for a move the lifecycle table does not
	// allow from the task's status. The error returned by a move carries a
	// message naming the status the task is in and the one it must be in;
	// errors.Is matches it with ErrWrongState.
	ErrWrongState = fault.New(fault.Conflict, "task", "wrong_state",
		"task is not in a status that allows this")
	// ErrDeadlinePassed is returned when claiming a task whose deadline is
	// at or before now.
	ErrDeadlinePassed = fault.New(fault.Gone, "task", "deadline_passed",
		"task deadline has passed")
)
