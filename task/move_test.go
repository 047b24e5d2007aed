package task_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/humop/humop/fault"
	"github.com/humop/humop/task"
)

// moveNow is when the moves under test happen, in a zone other than UTC;
// at() has made its moves before it.
var moveNow = posted.Add(time.Hour)

// moves lists every move function with the status it leads to and the actor
// the contract gives it. holder marks moves only the holder may make.
var moves = []struct {
	name   string
	to     task.Status
	actor  task.Actor
	holder bool
	do     func(*task.Task, time.Time) (*task.Task, error)
}{
	{"Claim", task.EstimatePending, task.ActorOperator, false, claim},
	{"ApproveEstimate", task.Accepted, task.ActorAgent, false, approve},
	{"RejectEstimate", task.Pending, task.ActorAgent, false,
		func(t *task.Task, now time.Time) (*task.Task, error) { return t.RejectEstimate("too slow", now) }},
	{"Start", task.InProgress, task.ActorOperator, true, start},
	{"Submit", task.Submitted, task.ActorOperator, true, submit},
	{"Verify", task.Verified, task.ActorGuardian, false, verify},
	{"Complete", task.Completed, task.ActorGuardian, false, complete},
	{"ManualReview", task.ManualReview, task.ActorGuardian, false, manual},
	{"Review approving", task.Completed, task.ActorAgent, false,
		func(t *task.Task, now time.Time) (*task.Task, error) { return t.Review(true, 5, "", now) }},
	{"Review rejecting", task.Disputed, task.ActorAgent, false, dispute},
	{"Cancel", task.Cancelled, task.ActorAgent, false, cancel},
}

// inContract reports whether the contract allows the move.
func inContract(from, to task.Status, actor task.Actor) bool {
	for _, m := range contract {
		if m.from == from && m.to == to && m.actor == actor {
			return true
		}
	}
	return false
}

func TestMovesFollowTheTable(t *testing.T) {
	for _, m := range moves {
		for _, from := range task.Statuses() {
			allowed := inContract(from, m.to, m.actor)
			verb := "refuses"
			if allowed {
				verb = "moves"
			}
			t.Run(fmt.Sprintf("%s %s a %s task", m.name, verb, from), func(t *testing.T) {
				tk := at(t, from)
				before := tk.Clone()
				got, err := m.do(tk, moveNow)
				if diff := cmp.Diff(before, tk); diff != "" {
					t.Errorf("%s changed its receiver (-want +got):\n%s", m.name, diff)
				}
				if allowed {
					if err != nil {
						t.Fatalf("%s from %s = %v, want no error", m.name, from, err)
					}
					inUTC := got.UpdatedAt.Location() == time.UTC
					if got.Status != m.to || !got.UpdatedAt.Equal(moveNow) || !inUTC {
						t.Errorf("%s from %s = status %s updated %v, want %s updated %v in UTC",
							m.name, from, got.Status, got.UpdatedAt, m.to, moveNow.UTC())
					}
					return
				}
				if got != tk {
					t.Errorf("%s from %s returned a new task with error %v, want the receiver", m.name, from, err)
				}
				want, kind := task.ErrWrongState, fault.Conflict
				if m.holder && tk.OperatorID == "" {
					want, kind = task.ErrNotHolder, fault.NotFound
				}
				if !errors.Is(err, want) || fault.KindOf(err) != kind {
					t.Errorf("%s from %s = %v (kind %v), want %v (kind %v)",
						m.name, from, err, fault.KindOf(err), want, kind)
				}
			})
		}
	}
}

func TestWrongStateMessage(t *testing.T) {
	tests := []struct {
		behaviour string
		from      task.Status
		do        func(*task.Task, time.Time) (*task.Task, error)
		message   string
	}{
		{"claiming an accepted task", task.Accepted, claim,
			"task is ACCEPTED; it must be PENDING to be claimed"},
		{"claiming a task again, by its holder", task.EstimatePending, claim,
			"task is ESTIMATE_PENDING; it must be PENDING to be claimed"},
		{"approving twice", task.Accepted, approve,
			"task is ACCEPTED; it must be ESTIMATE_PENDING for its estimate to be approved"},
		{"starting a submitted task", task.Submitted, start,
			"task is SUBMITTED; it must be ACCEPTED to be started"},
		{"submitting an accepted task", task.Accepted, submit,
			"task is ACCEPTED; it must be IN_PROGRESS to be submitted"},
		{"completing a task in manual review", task.ManualReview, complete,
			"task is MANUAL_REVIEW; it must be VERIFIED to be completed"},
		{"reviewing a verified task", task.Verified, dispute,
			"task is VERIFIED; it must be MANUAL_REVIEW to be reviewed"},
		{"cancelling a task in progress", task.InProgress, cancel,
			"task is IN_PROGRESS; it must be PENDING, ESTIMATE_PENDING or ACCEPTED to be cancelled"},
		{"cancelling a cancelled task", task.Cancelled, cancel,
			"task is CANCELLED; it must be PENDING, ESTIMATE_PENDING or ACCEPTED to be cancelled"},
	}
	for _, tt := range tests {
		t.Run(tt.behaviour, func(t *testing.T) {
			_, err := tt.do(at(t, tt.from), moveNow)
			if !errors.Is(err, task.ErrWrongState) {
				t.Fatalf("error = %v, want ErrWrongState", err)
			}
			want := &fault.Error{Kind: fault.Conflict, Op: "task", Code: "wrong_state", Message: tt.message}
			if diff := cmp.Diff(want, fault.As(err)); diff != "" {
				t.Errorf("fault.As(err) mismatch (-want +got):\n%s", diff)
			}
			if got := err.Error(); got != "task: "+tt.message {
				t.Errorf("Error() = %q, want %q", got, "task: "+tt.message)
			}
		})
	}
}

func TestClaim(t *testing.T) {
	tk := newTask(t)
	got, err := tk.Claim("op_1", task.Estimate{Days: 1, Note: "  tomorrow  "}, moveNow)
	if err != nil {
		t.Fatalf("Claim() = %v", err)
	}
	want := tk.Clone()
	want.Status = task.EstimatePending
	want.OperatorID = "op_1"
	want.Estimate = &task.Estimate{Days: 1, Note: "tomorrow"}
	want.ClaimedAt = moveNow.UTC()
	want.UpdatedAt = moveNow.UTC()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Claim() mismatch (-want +got):\n%s", diff)
	}
}

func TestClaimRefuses(t *testing.T) {
	tests := []struct {
		behaviour string
		from      task.Status
		operator  string
		e         task.Estimate
		now       time.Time
		want      *fault.Error
	}{
		{"a deadline equal to now has passed", task.Pending, "op_1", estimate, deadline,
			task.ErrDeadlinePassed},
		{"a deadline equal to now in another zone has passed", task.Pending, "op_1", estimate, deadline.UTC(),
			task.ErrDeadlinePassed},
		{"a deadline in the past has passed", task.Pending, "op_1", estimate, deadline.Add(time.Second),
			task.ErrDeadlinePassed},
		{"the status is checked before the deadline", task.EstimatePending, "op_2", estimate, deadline,
			task.ErrWrongState},
		{"the deadline is checked before the estimate", task.Pending, "op_1", task.Estimate{}, deadline,
			task.ErrDeadlinePassed},
		{"the estimate must be valid", task.Pending, "op_1", task.Estimate{Days: 1, Hours: 24}, moveNow,
			fault.Invalidf("task", "estimate_hours",
				"estimate_hours must be under 24 when estimate_days is given")},
		{"an operator is required", task.Pending, "", estimate, moveNow,
			fault.Invalidf("task", "operator_id", "operator_id is required to claim a task")},
	}
	for _, tt := range tests {
		t.Run(tt.behaviour, func(t *testing.T) {
			tk := at(t, tt.from)
			got, err := tk.Claim(tt.operator, tt.e, tt.now)
			if got != tk {
				t.Errorf("Claim() returned a new task with error %v", err)
			}
			if tt.want.Kind == fault.Invalid {
				checkInvalid(t, err, tt.want.Field, tt.want.Message)
				return
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("Claim() = %v, want %v", err, tt.want)
			}
		})
	}
	if k := task.ErrDeadlinePassed.Kind; k != fault.Gone {
		t.Errorf("ErrDeadlinePassed.Kind = %v, want %v", k, fault.Gone)
	}
}

func TestRejectEstimatePutsTheTaskBackOnOffer(t *testing.T) {
	tk := at(t, task.EstimatePending)
	got, err := tk.RejectEstimate("  too slow ", moveNow)
	if err != nil {
		t.Fatalf("RejectEstimate() = %v", err)
	}
	want := newTask(t)
	want.RejectionReason = "too slow"
	want.UpdatedAt = moveNow.UTC()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RejectEstimate() mismatch (-want +got):\n%s", diff)
	}

	again, err := got.Claim("op_1", estimate, moveNow.Add(time.Minute))
	if err != nil {
		t.Fatalf("Claim() after a rejection by the same operator = %v, want no error", err)
	}
	if again.OperatorID != "op_1" || again.RejectionReason != "too slow" {
		t.Errorf("Claim() after a rejection = holder %q reason %q, want op_1 and the old reason",
			again.OperatorID, again.RejectionReason)
	}
}

func TestRejectEstimateReasonTooLong(t *testing.T) {
	_, err := at(t, task.EstimatePending).RejectEstimate(strings.Repeat("r", 1001), moveNow)
	checkInvalid(t, err, "reason", "reason must be at most 1000 characters")
}

func TestNotHolder(t *testing.T) {
	tests := []struct {
		behaviour string
		from      task.Status
		do        func(*task.Task) (*task.Task, error)
	}{
		{"another operator cannot start", task.Accepted,
			func(t *task.Task) (*task.Task, error) { return t.Start("op_2", moveNow) }},
		{"another operator cannot submit", task.InProgress,
			func(t *task.Task) (*task.Task, error) { return t.Submit("op_2", submission, moveNow) }},
		{"another operator learns nothing of the status", task.Completed,
			func(t *task.Task) (*task.Task, error) { return t.Start("op_2", moveNow) }},
		{"an empty operator id holds nothing", task.Pending,
			func(t *task.Task) (*task.Task, error) { return t.Start("", moveNow) }},
	}
	for _, tt := range tests {
		t.Run(tt.behaviour, func(t *testing.T) {
			_, err := tt.do(at(t, tt.from))
			if !errors.Is(err, task.ErrNotHolder) {
				t.Fatalf("error = %v, want ErrNotHolder", err)
			}
			if errors.Is(err, task.ErrNotFound) {
				t.Errorf("errors.Is(err, ErrNotFound) = true, want the two told apart")
			}
			if diff := cmp.Diff(*task.ErrNotFound, *fault.As(err)); diff != "" {
				t.Errorf("ErrNotHolder does not read as ErrNotFound (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSubmitKeepsTheProof(t *testing.T) {
	s := task.Submission{
		Note: " all done ",
		Proof: []task.ProofItem{
			{Requirement: "photo of the opening hours ", URL: " https://cdn.example/hours.jpg",
				Note: " closed on Sundays"},
			{Requirement: "photo of the front", URL: "https://cdn.example/front.jpg"},
		},
		At: posted.Add(-time.Hour), // ignored: Submit stamps it
	}
	got, err := at(t, task.InProgress).Submit("op_1", s, moveNow)
	if err != nil {
		t.Fatalf("Submit() = %v", err)
	}
	want := &task.Submission{
		Note: "all done",
		Proof: []task.ProofItem{
			{Requirement: "photo of the opening hours", URL: "https://cdn.example/hours.jpg",
				Note: "closed on Sundays"},
			{Requirement: "photo of the front", URL: "https://cdn.example/front.jpg"},
		},
		At: moveNow.UTC(),
	}
	if diff := cmp.Diff(want, got.Submission); diff != "" {
		t.Errorf("Submission mismatch (-want +got):\n%s", diff)
	}
	if !got.SubmittedAt.Equal(moveNow) {
		t.Errorf("SubmittedAt = %v, want %v", got.SubmittedAt, moveNow)
	}
}

func TestSubmitChecksTheProof(t *testing.T) {
	s := task.Submission{Proof: submission.Proof[:1]}
	tk := at(t, task.InProgress)
	got, err := tk.Submit("op_1", s, moveNow)
	checkInvalid(t, err, "proof", `proof has no item for requirement "photo of the opening hours"`)
	if got != tk {
		t.Errorf("Submit() returned a new task with error %v", err)
	}
}

func TestQuality(t *testing.T) {
	tests := []struct {
		behaviour string
		from      task.Status
		do        func(*task.Task) (*task.Task, error)
		want      int // quality of the result; 0 when refused
	}{
		{"verify with the lowest quality", task.Submitted,
			func(t *task.Task) (*task.Task, error) { return t.Verify(1, moveNow) }, 1},
		{"verify with the highest quality", task.Submitted,
			func(t *task.Task) (*task.Task, error) { return t.Verify(5, moveNow) }, 5},
		{"verify with quality 0 is refused", task.Submitted,
			func(t *task.Task) (*task.Task, error) { return t.Verify(0, moveNow) }, 0},
		{"verify with quality 6 is refused", task.Submitted,
			func(t *task.Task) (*task.Task, error) { return t.Verify(6, moveNow) }, 0},
		{"complete keeps the verified quality", task.Verified,
			func(t *task.Task) (*task.Task, error) { return t.Complete(moveNow) }, 4},
		{"approving a review sets its quality", task.ManualReview,
			func(t *task.Task) (*task.Task, error) { return t.Review(true, 3, "ok", moveNow) }, 3},
		{"approving a review with quality 0 is refused", task.ManualReview,
			func(t *task.Task) (*task.Task, error) { return t.Review(true, 0, "", moveNow) }, 0},
		{"approving a review with quality -1 is refused", task.ManualReview,
			func(t *task.Task) (*task.Task, error) { return t.Review(true, -1, "", moveNow) }, 0},
		{"a dispute scores 1 whatever quality is given", task.ManualReview,
			func(t *task.Task) (*task.Task, error) { return t.Review(false, 5, "wrong shop", moveNow) }, 1},
		{"a dispute scores 1 with quality 0", task.ManualReview,
			func(t *task.Task) (*task.Task, error) { return t.Review(false, 0, "", moveNow) }, 1},
	}
	for _, tt := range tests {
		t.Run(tt.behaviour, func(t *testing.T) {
			got, err := tt.do(at(t, tt.from))
			if tt.want == 0 {
				checkInvalid(t, err, "quality", "quality must be a whole number from 1 to 5")
				return
			}
			if err != nil {
				t.Fatalf("error = %v, want nil", err)
			}
			if got.Quality != tt.want {
				t.Errorf("Quality = %d, want %d", got.Quality, tt.want)
			}
		})
	}
}

func TestReviewReasonTooLong(t *testing.T) {
	_, err := at(t, task.ManualReview).Review(false, 0, strings.Repeat("r", 1001), moveNow)
	checkInvalid(t, err, "reason", "reason must be at most 1000 characters")
}

// TestTimestamps walks each path to a terminal status and checks the whole
// task, so every timestamp a move sets, and only those, shows.
func TestTimestamps(t *testing.T) {
	minute := func(n int) time.Time { return posted.Add(time.Duration(n) * time.Minute).UTC() }
	base := func() *task.Task {
		tk := newTask(t)
		tk.OperatorID = "op_1"
		tk.Estimate = &estimate
		tk.ClaimedAt = minute(1)
		tk.AcceptedAt = minute(2)
		return tk
	}
	submitted := func() *task.Task {
		tk := base()
		tk.StartedAt = minute(3)
		tk.SubmittedAt = minute(4)
		s := submission
		s.At = minute(4)
		tk.Submission = &s
		return tk
	}
	completed := submitted()
	completed.Status = task.Completed
	completed.Quality = 4
	completed.VerifiedAt = minute(5)
	completed.CompletedAt = minute(6)
	completed.UpdatedAt = minute(6)

	disputed := submitted()
	disputed.Status = task.Disputed
	disputed.Quality = 1
	disputed.DisputeReason = "blurry"
	disputed.DisputedAt = minute(6)
	disputed.UpdatedAt = minute(6)

	cancelled := base()
	cancelled.Status = task.Cancelled
	cancelled.CancelledAt = minute(3)
	cancelled.UpdatedAt = minute(3)

	for _, want := range []*task.Task{completed, disputed, cancelled} {
		t.Run(fmt.Sprintf("the path to %s stamps each step", want.Status), func(t *testing.T) {
			if diff := cmp.Diff(want, at(t, want.Status)); diff != "" {
				t.Errorf("task mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
