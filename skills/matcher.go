package skills

import (
	"fmt"
	"time"
)

// This file is the matcher: the rules that decide which tasks an operator
// sees when browsing and which they may claim. It works on plain facts that
// the caller gathers (KYC standing, skills held, the task's type, status,
// holder and deadline), so it needs no other package of humop's.
//
// Browsing needs no KYC: an operator who is not yet verified sees the work
// they could do once verified. Claiming needs everything.

// Operator is what the matcher needs to know about an operator.
type Operator struct {
	// ID is the operator's id; Holds compares it with a task's holder.
	ID string
	// Skills are the skills the operator holds.
	Skills Set
	// KYCApproved is true when the operator's identity is verified.
	KYCApproved bool
}

// Task is what the matcher needs to know about a task.
type Task struct {
	// Type is the task's type, which is the skill it needs.
	Type Skill
	// Open is true when the task's status is PENDING: nobody holds it and
	// it may be claimed. Open is the authority on whether the task can be
	// claimed; HolderID does not override it.
	Open bool
	// HolderID is the id of the operator holding the task, or "".
	HolderID string
	// Deadline is when the task must be done by. A deadline equal to the
	// current time has passed.
	Deadline time.Time
}

// Reason is why an operator may not claim a task. The zero Reason is not a
// reason.
type Reason int

// The reasons, in the order Explain reports them. The HTTP layer answers with
// the first: 403, 403, 409 and 410 respectively.
const (
	// KYCNotApproved means the operator's identity is not verified (KYC
	// pending or rejected).
	KYCNotApproved Reason = iota + 1
	// SkillNotHeld means the task's type is not among the operator's
	// skills, including when the type is not a skill at all.
	SkillNotHeld
	// NotOpen means the task is no longer PENDING: someone claimed it,
	// this operator included, or it moved on or was cancelled.
	NotOpen
	// DeadlinePassed means the task's deadline is at or before now.
	DeadlinePassed
)

var reasonNames = [...]string{
	KYCNotApproved: "kyc_not_approved",
	SkillNotHeld:   "skill_not_held",
	NotOpen:        "not_open",
	DeadlinePassed: "deadline_passed",
}

// String returns the reason as a short code, such as "skill_not_held".
func (r Reason) String() string {
	if r > 0 && int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return fmt.Sprintf("Reason(%d)", int(r))
}

// Explain returns every reason op may not claim t at now, in the order of the
// Reason constants, or nil when op may claim it.
func Explain(op Operator, t Task, now time.Time) []Reason {
	var why []Reason
	if !op.KYCApproved {
		why = append(why, KYCNotApproved)
	}
	if !op.Skills.Has(t.Type) {
		why = append(why, SkillNotHeld)
	}
	if !t.Open {
		why = append(why, NotOpen)
	}
	if !t.Deadline.After(now) {
		why = append(why, DeadlinePassed)
	}
	return why
}

// CanClaim reports whether op may claim t at now: Explain finds no reason
// against it.
func CanClaim(op Operator, t Task, now time.Time) bool {
	return len(Explain(op, t, now)) == 0
}

// Visible reports whether t shows when op browses open tasks at now: the
// task is open, its deadline is strictly after now, and op holds its skill.
// KYC standing does not matter for browsing.
func Visible(op Operator, t Task, now time.Time) bool {
	return t.Open && t.Deadline.After(now) && op.Skills.Has(t.Type)
}

// Holds reports whether op is the holder of t. An operator may always see a
// task they hold, whatever its status or deadline.
func Holds(op Operator, t Task) bool {
	return op.ID != "" && t.HolderID == op.ID
}
