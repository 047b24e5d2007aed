package humop

import (
	"context"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/humop/humop/fault"
	"github.com/humop/humop/kyc"
	"github.com/humop/humop/operator"
	"github.com/humop/humop/skills"
	"github.com/humop/humop/task"
)

// Errors of the claim rules, which span operators, KYC and tasks.
var (
	// ErrKYCRequired is returned when an operator whose identity is not
	// verified tries to take a task.
	ErrKYCRequired = fault.New(fault.Forbidden, "humop", "kyc_required",
		"identity verification (KYC) must be approved before taking tasks")
	// ErrSkillNotHeld is returned when an operator tries to take a task
	// of a type outside their skills.
	ErrSkillNotHeld = fault.New(fault.Forbidden, "humop", "skill_not_held",
		"the task's type is not among your skills")
	// ErrTaskTaken is returned when a task is no longer on offer.
	ErrTaskTaken = fault.New(fault.Conflict, "humop", "task_not_pending",
		"task is no longer on offer")
)

// Guardian checks submitted work. The dev server's guardian verifies at
// once; a real one hands the work to a reviewer and answers later through
// Service.RecordGuardianOutcome.
type Guardian interface {
	// Check is called after a submission is stored, outside any
	// transaction. It returns an outcome to record at once, or nil.
	Check(t *task.Task) (*GuardianOutcome, error)
}

// GuardianOutcome is a guardian's verdict on submitted work.
type GuardianOutcome struct {
	// ManualReview sends the task to the agent's review; otherwise the
	// work is verified and the task completes.
	ManualReview bool
	// Quality scores verified work, 1 to 5.
	Quality int
}

// Notifier hears of task status changes after they are committed, in
// order. It must not block: the dev server's queues a webhook.
type Notifier interface {
	TaskChanged(t *task.Task, from task.Status, at time.Time)
}

// OperatorSummary is what an agent sees of the operator holding its task.
type OperatorSummary struct {
	Name   string
	Rating int // hundredths
}

// TaskView is a task with its holder's summary, as the agent sees it.
type TaskView struct {
	Task     *task.Task
	Operator *OperatorSummary // nil while nobody holds the task
}

// change is a status change to announce once its transaction commits.
type change struct {
	task *task.Task
	from task.Status
}

// lockTask serialises, within this process, the moves of one task from
// before their transaction to after their announcement, so that webhooks
// of one task leave in the order its moves committed. Moves of different
// tasks rarely share a stripe.
func (s *Service) lockTask(taskID string) func() {
	h := fnv.New32a()
	h.Write([]byte(taskID))
	mu := &s.taskLocks[h.Sum32()%uint32(len(s.taskLocks))]
	mu.Lock()
	return mu.Unlock
}

// updateTask runs fn in a transaction that also writes to the outbox an
// event for each change fn records of a task with a callback, so that no
// committed change can miss its webhook.
func (s *Service) updateTask(ctx context.Context, changes *[]change, fn func(Tx) error) error {
	return s.store.Update(ctx, func(tx Tx) error {
		*changes = (*changes)[:0] // a batched store may run this twice
		if err := fn(tx); err != nil {
			return err
		}
		for _, c := range *changes {
			if c.task.CallbackURL == "" || c.from == "" {
				continue
			}
			err := tx.Outbox().Add(task.Event{
				ID: task.EventIDPrefix + s.newID(), TaskID: c.task.ID, From: c.from, To: c.task.Status,
				At: c.task.UpdatedAt, CallbackURL: c.task.CallbackURL, CallbackSecret: c.task.CallbackSecret,
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// PendingEvents returns at most limit undelivered task events, oldest
// first, for a webhook relay.
func (s *Service) PendingEvents(ctx context.Context, limit int) ([]task.Event, error) {
	var out []task.Event
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		out, err = tx.Outbox().Pending(limit)
		return err
	})
	return out, err
}

// EventDone removes an event from the outbox once it has been delivered or
// given up.
func (s *Service) EventDone(ctx context.Context, id string) error {
	return s.store.Update(ctx, func(tx Tx) error { return tx.Outbox().Remove(id) })
}

// notify announces committed changes.
func (s *Service) notify(changes []change) {
	for _, c := range changes {
		s.log.Info().Str("task_id", c.task.ID).Str("from", string(c.from)).
			Str("to", string(c.task.Status)).Msg("task status changed")
		if s.notifier != nil {
			s.notifier.TaskChanged(c.task.Clone(), c.from, c.task.UpdatedAt)
		}
	}
}

// PostTask checks p and posts the agent's task, PENDING.
func (s *Service) PostTask(ctx context.Context, agentID string, p task.Posting) (*task.Task, error) {
	t, _, err := s.PostTaskWithKey(ctx, agentID, p, nil)
	return t, err
}

// PostTaskWithKey is PostTask with an Idempotency-Key: a retry of the same
// request within 24 hours returns the task first posted (replayed is true)
// and posts nothing.
func (s *Service) PostTaskWithKey(ctx context.Context, agentID string, p task.Posting, ik *IdempotencyKey) (t *task.Task, replayed bool, err error) {
	// The posting is checked inside the transaction, after the key: a retry
	// of a request that passed must replay, even once its deadline has gone
	// by. A refusal writes nothing, so it costs a batched store nothing.
	t, replayed, err = idempotent(ctx, s, "agent:"+agentID, ik, func(tx Tx) (*task.Task, error) {
		t, err := task.New(p, task.IDPrefix+s.newID(), agentID, s.Now())
		if err != nil {
			return nil, err
		}
		if _, err := tx.Agents().Get(agentID); err != nil {
			return nil, err
		}
		return t, tx.Tasks().Insert(t)
	})
	if err != nil || replayed {
		return t, replayed, err
	}
	s.log.Info().Str("task_id", t.ID).Str("agent_id", agentID).Str("task_type", string(t.Type)).
		Int64("reward_cents", int64(t.Reward)).Msg("task posted")
	s.notify([]change{{task: t, from: ""}})
	return t, false, nil
}

// agentTask returns the agent's task, or task.ErrNotFound when the task
// is another agent's.
func agentTask(tx Tx, agentID, taskID string) (*task.Task, error) {
	t, err := tx.Tasks().Get(taskID)
	if err != nil {
		return nil, err
	}
	if t.AgentID != agentID {
		return nil, task.ErrNotFound
	}
	return t, nil
}

func view(tx Tx, t *task.Task) (*TaskView, error) {
	v := &TaskView{Task: t}
	if t.OperatorID == "" {
		return v, nil
	}
	op, err := tx.Operators().Get(t.OperatorID)
	if err != nil {
		return nil, fmt.Errorf("humop: holder of %s: %w", t.ID, err)
	}
	v.Operator = &OperatorSummary{Name: op.Name, Rating: op.Rating}
	return v, nil
}

// AgentTask returns one of the agent's tasks with its holder's summary.
func (s *Service) AgentTask(ctx context.Context, agentID, taskID string) (*TaskView, error) {
	var v *TaskView
	err := s.store.View(ctx, func(tx Tx) error {
		t, err := agentTask(tx, agentID, taskID)
		if err != nil {
			return err
		}
		v, err = view(tx, t)
		return err
	})
	return v, err
}

// AgentTasks lists the agent's tasks, newest first, with the given status
// or any status when status is "".
func (s *Service) AgentTasks(ctx context.Context, agentID string, status task.Status, page task.Page) ([]*TaskView, int, error) {
	if err := page.Check(); err != nil {
		return nil, 0, err
	}
	if status != "" && !status.Valid() {
		return nil, 0, fault.Invalidf("", "status", "status must be one of %v", task.Statuses())
	}
	var out []*TaskView
	var total int
	err := s.store.View(ctx, func(tx Tx) error {
		list, n, err := tx.Tasks().ListByAgent(agentID, status, page.Offset, page.Limit)
		if err != nil {
			return err
		}
		total = n
		for _, t := range list {
			v, err := view(tx, t)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return nil
	})
	return out, total, err
}

// agentMove runs one agent move on the agent's task in a transaction and
// announces it.
func (s *Service) agentMove(ctx context.Context, agentID, taskID string, move func(*task.Task, time.Time) (*task.Task, error)) (*TaskView, error) {
	defer s.lockTask(taskID)()
	var v *TaskView
	var changes []change
	err := s.updateTask(ctx, &changes, func(tx Tx) error {
		t, err := agentTask(tx, agentID, taskID)
		if err != nil {
			return err
		}
		next, err := move(t, s.Now())
		if err != nil {
			return err
		}
		// The holder is read before the move, which may unassign them.
		if v, err = view(tx, t); err != nil {
			return err
		}
		v.Task = next
		if err := tx.Tasks().Replace(next); err != nil {
			return err
		}
		if next.Status == task.Completed || next.Status == task.Disputed {
			if err := s.credit(tx, next, next.UpdatedAt); err != nil {
				return err
			}
		}
		changes = append(changes, change{task: next, from: t.Status})
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.notify(changes)
	return v, nil
}

// ApproveEstimate accepts the holder's estimate: ESTIMATE_PENDING to
// ACCEPTED.
func (s *Service) ApproveEstimate(ctx context.Context, agentID, taskID string) (*TaskView, error) {
	return s.agentMove(ctx, agentID, taskID, (*task.Task).ApproveEstimate)
}

// RejectEstimate refuses the holder's estimate: the task goes back on
// offer, unassigned.
func (s *Service) RejectEstimate(ctx context.Context, agentID, taskID, reason string) (*TaskView, error) {
	return s.agentMove(ctx, agentID, taskID, func(t *task.Task, now time.Time) (*task.Task, error) {
		return t.RejectEstimate(reason, now)
	})
}

// CancelTask withdraws a task that no work has started on. The refund is
// the whole reward: nothing was paid out for it.
func (s *Service) CancelTask(ctx context.Context, agentID, taskID string) (*TaskView, error) {
	return s.agentMove(ctx, agentID, taskID, (*task.Task).Cancel)
}

// ReviewTask records the agent's review of work in MANUAL_REVIEW: approved
// work completes with its quality and credits the reward; rejected work is
// disputed, scores 1 and credits nothing. Both in the same transaction as
// the move.
func (s *Service) ReviewTask(ctx context.Context, agentID, taskID string, approve bool, quality int, reason string) (*TaskView, error) {
	return s.agentMove(ctx, agentID, taskID, func(t *task.Task, now time.Time) (*task.Task, error) {
		return t.Review(approve, quality, reason, now)
	})
}

// matchFacts returns what the matcher needs about an operator.
func matchFacts(tx Tx, operatorID string) (*operator.Operator, skills.Operator, error) {
	op, err := tx.Operators().Get(operatorID)
	if err != nil {
		return nil, skills.Operator{}, err
	}
	c, err := tx.KYC().Get(operatorID)
	if err != nil {
		return nil, skills.Operator{}, fmt.Errorf("humop: kyc case of %s: %w", operatorID, err)
	}
	return op, skills.Operator{ID: op.ID, Skills: op.Skills, KYCApproved: c.Status == kyc.Approved}, nil
}

// BrowseTasks lists the tasks on offer to the operator: PENDING, before
// their deadline, of a type among the operator's skills (and equal to
// only, when given). Browsing needs no KYC approval.
func (s *Service) BrowseTasks(ctx context.Context, operatorID string, only skills.Skill, page task.Page) ([]*task.Task, int, error) {
	if err := page.Check(); err != nil {
		return nil, 0, err
	}
	var out []*task.Task
	var total int
	err := s.store.View(ctx, func(tx Tx) error {
		op, err := tx.Operators().Get(operatorID)
		if err != nil {
			return err
		}
		types := op.Skills
		if only != "" {
			types &= skills.Of(only)
		}
		if types.IsEmpty() {
			return nil
		}
		out, total, err = tx.Tasks().ListOpen(types, s.Now(), page.Offset, page.Limit)
		return err
	})
	return out, total, err
}

// OperatorTask returns a task the operator may see (on offer to them) or
// holds, else task.ErrNotFound.
func (s *Service) OperatorTask(ctx context.Context, operatorID, taskID string) (*task.Task, error) {
	var out *task.Task
	err := s.store.View(ctx, func(tx Tx) error {
		_, facts, err := matchFacts(tx, operatorID)
		if err != nil {
			return err
		}
		t, err := tx.Tasks().Get(taskID)
		if err != nil {
			return err
		}
		if t.OperatorID != operatorID && !skills.Visible(facts, t.Match(), s.Now()) {
			return task.ErrNotFound
		}
		out = t
		return nil
	})
	return out, err
}

// AssignedTasks lists the tasks the operator holds, any status, newest
// first.
func (s *Service) AssignedTasks(ctx context.Context, operatorID string, page task.Page) ([]*task.Task, int, error) {
	if err := page.Check(); err != nil {
		return nil, 0, err
	}
	var out []*task.Task
	var total int
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		out, total, err = tx.Tasks().ListByOperator(operatorID, page.Offset, page.Limit)
		return err
	})
	return out, total, err
}

// ClaimTask takes a task on offer with an estimate: PENDING to
// ESTIMATE_PENDING, with the operator as holder. KYC, skill, status and
// deadline are checked inside the transaction, so of two operators racing
// for one task exactly one wins.
//
// Errors: ErrKYCRequired, ErrSkillNotHeld (403); task.ErrNotFound (404);
// ErrTaskTaken or task.ErrWrongState (409); task.ErrDeadlinePassed (410); a
// fault.Invalid naming the estimate field.
func (s *Service) ClaimTask(ctx context.Context, operatorID, taskID string, e task.Estimate) (*task.Task, error) {
	if err := e.Check(); err != nil {
		return nil, err
	}
	defer s.lockTask(taskID)()
	var out *task.Task
	var changes []change
	err := s.updateTask(ctx, &changes, func(tx Tx) error {
		_, facts, err := matchFacts(tx, operatorID)
		if err != nil {
			return err
		}
		t, err := tx.Tasks().Get(taskID)
		if err != nil {
			return err
		}
		now := s.Now()
		if reasons := skills.Explain(facts, t.Match(), now); len(reasons) > 0 {
			return claimError(reasons[0])
		}
		if out, err = t.Claim(operatorID, e, now); err != nil {
			return err
		}
		if err := tx.Tasks().Replace(out); err != nil {
			return err
		}
		changes = append(changes, change{task: out, from: t.Status})
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.log.Info().Str("task_id", taskID).Str("operator_id", operatorID).
		Int("estimate_minutes", e.TotalMinutes()).Msg("task claimed")
	s.notify(changes)
	return out, nil
}

func claimError(r skills.Reason) error {
	switch r {
	case skills.KYCNotApproved:
		return ErrKYCRequired
	case skills.SkillNotHeld:
		return ErrSkillNotHeld
	case skills.NotOpen:
		return ErrTaskTaken
	case skills.DeadlinePassed:
		return task.ErrDeadlinePassed
	}
	return fmt.Errorf("humop: unknown claim refusal %v", r)
}

// operatorMove runs one move by the holder in a transaction.
func (s *Service) operatorMove(ctx context.Context, operatorID, taskID string, move func(*task.Task, time.Time) (*task.Task, error)) (*task.Task, error) {
	defer s.lockTask(taskID)()
	var out *task.Task
	var changes []change
	err := s.updateTask(ctx, &changes, func(tx Tx) error {
		t, err := tx.Tasks().Get(taskID)
		if err != nil {
			return err
		}
		if t.OperatorID != operatorID {
			return task.ErrNotFound
		}
		if out, err = move(t, s.Now()); err != nil {
			return err
		}
		if err := tx.Tasks().Replace(out); err != nil {
			return err
		}
		changes = append(changes, change{task: out, from: t.Status})
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.notify(changes)
	return out, nil
}

// StartTask begins work on an accepted task: ACCEPTED to IN_PROGRESS.
func (s *Service) StartTask(ctx context.Context, operatorID, taskID string) (*task.Task, error) {
	return s.operatorMove(ctx, operatorID, taskID, func(t *task.Task, now time.Time) (*task.Task, error) {
		return t.Start(operatorID, now)
	})
}

// SubmitTask hands in the proof: IN_PROGRESS to SUBMITTED. The guardian is
// then asked for an outcome; one it gives at once is recorded before
// SubmitTask returns, and the task returned is the submitted one.
func (s *Service) SubmitTask(ctx context.Context, operatorID, taskID string, sub task.Submission) (*task.Task, error) {
	out, err := s.operatorMove(ctx, operatorID, taskID, func(t *task.Task, now time.Time) (*task.Task, error) {
		return t.Submit(operatorID, sub, now)
	})
	if err != nil {
		return nil, err
	}
	s.log.Info().Str("task_id", taskID).Str("operator_id", operatorID).Msg("task submitted")
	if s.guardian == nil {
		return out, nil
	}
	o, err := s.guardian.Check(out.Clone())
	if err != nil {
		s.log.Error().Err(err).Str("task_id", taskID).Msg("guardian failed; the task waits for an outcome")
		return out, nil
	}
	if o != nil {
		// The submission is committed: its verdict must not be lost with
		// a client that hangs up.
		if _, err := s.RecordGuardianOutcome(context.WithoutCancel(ctx), taskID, *o); err != nil {
			s.log.Error().Err(err).Str("task_id", taskID).Msg("guardian outcome refused")
		}
	}
	return out, nil
}

// RecordGuardianOutcome records the guardian's verdict on a SUBMITTED
// task: verified work moves to VERIFIED and then COMPLETED in one
// transaction, which also credits the reward and scores the quality;
// otherwise the task waits in MANUAL_REVIEW for the agent.
func (s *Service) RecordGuardianOutcome(ctx context.Context, taskID string, o GuardianOutcome) (*task.Task, error) {
	defer s.lockTask(taskID)()
	var out *task.Task
	var changes []change
	err := s.updateTask(ctx, &changes, func(tx Tx) error {
		t, err := tx.Tasks().Get(taskID)
		if err != nil {
			return err
		}
		now := s.Now()
		if o.ManualReview {
			if out, err = t.ManualReview(now); err != nil {
				return err
			}
			changes = append(changes, change{task: out, from: t.Status})
			return tx.Tasks().Replace(out)
		}
		verified, err := t.Verify(o.Quality, now)
		if err != nil {
			return err
		}
		if out, err = verified.Complete(now); err != nil {
			return err
		}
		changes = append(changes, change{task: verified, from: t.Status}, change{task: out, from: verified.Status})
		if err := tx.Tasks().Replace(out); err != nil {
			return err
		}
		return s.credit(tx, out, now)
	})
	if err != nil {
		return nil, err
	}
	s.notify(changes)
	return out, nil
}

// Task returns any task by id, for the platform side (the dev server's
// controls); operators and agents use OperatorTask and AgentTask, which
// check ownership.
func (s *Service) Task(ctx context.Context, taskID string) (*task.Task, error) {
	var out *task.Task
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		out, err = tx.Tasks().Get(taskID)
		return err
	})
	return out, err
}
