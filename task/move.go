package task

import (
	"fmt"
	"strings"
	"time"

	"github.com/humop/humop/fault"
)

// This file holds the moves. Each checks, in this order, who acts (the
// holder, for the operator's moves), the task's status, the deadline where
// it matters, and then the input; so a client learns first what no change to
// its request could fix. On success a move returns a changed copy stamped
// with now in UTC; on error it returns t unchanged alongside the error. A
// move never changes its receiver.

// Claim makes operatorID the holder of a PENDING task with the estimate e,
// moving it to ESTIMATE_PENDING for the agent to judge.
//
// Claim checks only the task's side: its status (ErrWrongState when anyone,
// this operator included, already claimed it), its deadline
// (ErrDeadlinePassed when at or before now) and the estimate. Whether the
// operator may claim at all, KYC standing and skill, is the caller's to
// decide with skills.Explain first.
func (t *Task) Claim(operatorID string, e Estimate, now time.Time) (*Task, error) {
	if operatorID == "" {
		return t, invalid("operator_id", "operator_id is required to claim a task")
	}
	if err := t.allow(EstimatePending, ActorOperator, "to be claimed"); err != nil {
		return t, err
	}
	if !t.Deadline.After(now) {
		return t, ErrDeadlinePassed
	}
	est, err := e.normal()
	if err != nil {
		return t, err
	}
	next := t.moved(EstimatePending, now)
	next.OperatorID = operatorID
	next.Estimate = &est
	next.ClaimedAt = next.UpdatedAt
	return next, nil
}

// ApproveEstimate is the agent accepting the holder's estimate:
// ESTIMATE_PENDING to ACCEPTED. The deadline is not checked: the agent may
// approve an estimate however late.
func (t *Task) ApproveEstimate(now time.Time) (*Task, error) {
	if err := t.allow(Accepted, ActorAgent, "for its estimate to be approved"); err != nil {
		return t, err
	}
	next := t.moved(Accepted, now)
	next.AcceptedAt = next.UpdatedAt
	return next, nil
}

// RejectEstimate is the agent refusing the holder's estimate: the task goes
// back to PENDING, on offer again (to the same operator too), with no holder,
// no estimate and no claim time. The reason is optional and kept in
// RejectionReason; it is reported as the field "reason".
func (t *Task) RejectEstimate(reason string, now time.Time) (*Task, error) {
	if err := t.allow(Pending, ActorAgent, "for its estimate to be rejected"); err != nil {
		return t, err
	}
	reason, err := checkNote("reason", reason, MaxNoteLen)
	if err != nil {
		return t, err
	}
	next := t.moved(Pending, now)
	next.OperatorID = ""
	next.Estimate = nil
	next.ClaimedAt = time.Time{}
	next.RejectionReason = reason
	return next, nil
}

// Start is the holder beginning the work: ACCEPTED to IN_PROGRESS. Anyone
// but the holder gets ErrNotHolder, whatever the status.
func (t *Task) Start(operatorID string, now time.Time) (*Task, error) {
	if !t.heldBy(operatorID) {
		return t, ErrNotHolder
	}
	if err := t.allow(InProgress, ActorOperator, "to be started"); err != nil {
		return t, err
	}
	next := t.moved(InProgress, now)
	next.StartedAt = next.UpdatedAt
	return next, nil
}

// Submit is the holder handing in proof: IN_PROGRESS to SUBMITTED. The
// submission is checked against the task's proof requirements (see
// Submission.Check) and kept with At set to now. Anyone but the holder gets
// ErrNotHolder, whatever the status.
func (t *Task) Submit(operatorID string, s Submission, now time.Time) (*Task, error) {
	if !t.heldBy(operatorID) {
		return t, ErrNotHolder
	}
	if err := t.allow(Submitted, ActorOperator, "to be submitted"); err != nil {
		return t, err
	}
	sub, err := s.normal(t.ProofRequirements)
	if err != nil {
		return t, err
	}
	next := t.moved(Submitted, now)
	sub.At = next.UpdatedAt
	next.Submission = &sub
	next.SubmittedAt = next.UpdatedAt
	return next, nil
}

// Verify is the guardian accepting the proof with a quality score from 1 to
// 5: SUBMITTED to VERIFIED. Complete then finishes the task.
func (t *Task) Verify(quality int, now time.Time) (*Task, error) {
	if err := t.allow(Verified, ActorGuardian, "to be verified"); err != nil {
		return t, err
	}
	if err := checkQuality(quality); err != nil {
		return t, err
	}
	next := t.moved(Verified, now)
	next.Quality = quality
	next.VerifiedAt = next.UpdatedAt
	return next, nil
}

// Complete finishes a verified task: VERIFIED to COMPLETED, keeping the
// quality Verify gave. A task in manual review is finished by Review
// instead. The caller credits the reward in the same transaction.
func (t *Task) Complete(now time.Time) (*Task, error) {
	if err := t.allow(Completed, ActorGuardian, "to be completed"); err != nil {
		return t, err
	}
	next := t.moved(Completed, now)
	next.CompletedAt = next.UpdatedAt
	return next, nil
}

// ManualReview is the guardian passing the submission to the agent to
// decide: SUBMITTED to MANUAL_REVIEW. Review settles it.
func (t *Task) ManualReview(now time.Time) (*Task, error) {
	if err := t.allow(ManualReview, ActorGuardian, "to go to manual review"); err != nil {
		return t, err
	}
	return t.moved(ManualReview, now), nil
}

// Review is the agent's decision on a task in MANUAL_REVIEW. Approving
// completes it with quality, which must be 1 to 5. Rejecting disputes it:
// quality is ignored and the task scores 1, and the optional reason is kept
// in DisputeReason. The reason is reported as the field "reason".
func (t *Task) Review(approve bool, quality int, reason string, now time.Time) (*Task, error) {
	to := Disputed
	if approve {
		to = Completed
	}
	if err := t.allow(to, ActorAgent, "to be reviewed"); err != nil {
		return t, err
	}
	if approve {
		if err := checkQuality(quality); err != nil {
			return t, err
		}
	}
	reason, err := checkNote("reason", reason, MaxNoteLen)
	if err != nil {
		return t, err
	}
	next := t.moved(to, now)
	if approve {
		next.Quality = quality
		next.CompletedAt = next.UpdatedAt
		return next, nil
	}
	next.Quality = DisputeQuality
	next.DisputeReason = reason
	next.DisputedAt = next.UpdatedAt
	return next, nil
}

// Cancel is the agent withdrawing the task: from PENDING, ESTIMATE_PENDING or
// ACCEPTED to CANCELLED. A holder, if any, stays recorded, so the task still
// shows among theirs. The caller refunds the reward.
func (t *Task) Cancel(now time.Time) (*Task, error) {
	if err := t.allow(Cancelled, ActorAgent, "to be cancelled"); err != nil {
		return t, err
	}
	next := t.moved(Cancelled, now)
	next.CancelledAt = next.UpdatedAt
	return next, nil
}

func checkQuality(q int) error {
	if q < MinQuality || q > MaxQuality {
		return invalid("quality", "quality must be a whole number from %d to %d", MinQuality, MaxQuality)
	}
	return nil
}

func (t *Task) heldBy(operatorID string) bool {
	return operatorID != "" && t.OperatorID == operatorID
}

// moved returns a copy of t in status to, updated at now.
func (t *Task) moved(to Status, now time.Time) *Task {
	next := t.Clone()
	next.Status = to
	next.UpdatedAt = now.UTC()
	return next
}

// allow returns nil when actor may move t to the status to, and otherwise
// ErrWrongState with a message saying which statuses allow the move, such
// as "task is ACCEPTED; it must be PENDING to be claimed".
func (t *Task) allow(to Status, actor Actor, purpose string) error {
	if CanMove(t.Status, to, actor) {
		return nil
	}
	var from []string
	for _, m := range lifecycle {
		if m.to == to && m.actor == actor {
			from = append(from, string(m.from))
		}
	}
	e := *ErrWrongState
	e.Message = fmt.Sprintf("task is %s; it must be %s %s", t.Status, orList(from), purpose)
	return &stateError{detail: &e}
}

// orList joins ["A", "B", "C"] as "A, B or C".
func orList(s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// stateError is ErrWrongState with a detailed message. Its chain holds the
// detailed copy first, which fault.As finds, and then ErrWrongState itself,
// which errors.Is matches.
type stateError struct {
	detail *fault.Error
}

func (e *stateError) Error() string   { return e.detail.Error() }
func (e *stateError) Unwrap() []error { return []error{e.detail, ErrWrongState} }
